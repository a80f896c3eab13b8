/** `make demo` from a clean state: both samples reach Ready and the output shows what was created. */
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../harness/process.ts';

const demo = fileURLToPath(new URL('../harness/demo.ts', import.meta.url));

describe('make demo', () => {
  it('brings up both sample installations and prints them Ready', async () => {
    const local = await mkdtemp(join(tmpdir(), 'codexlb-demo-'));
    try {
      const out = await run(process.execPath, [demo], { env: { ...process.env, CI: '1', CODEX_LB_LOCAL: local } });
      expect(out).toMatch(/codex-lb\s+Standalone\s+SQLite\s+1\s+1\s+Ready/);
      expect(out).toMatch(/prod\s+Replicated\s+PostgreSQL\s+3\s+3\s+Ready/);
      expect(out).toMatch(/job\.batch\/prod-migrate-[0-9a-f]{8}\s+Complete/);
      expect(out).toContain('MigrationsApplied\tTrue\tAtHead');
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });
});
