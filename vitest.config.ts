import { defineConfig } from 'vitest/config';

// Three suites, run by `make test` in this order. Unit tests sit next to the code they prove; the
// integration and e2e suites start real servers (control plane, PostgreSQL, fake upstream) per file.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['operator/**/*.test.ts', 'proxy/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/harness/**/*.test.ts', 'test/fakes/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Each file may start a control plane or a database; two at a time fits 2 cores.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
