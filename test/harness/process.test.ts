import { describe, expect, it } from 'vitest';
import { run } from './process.ts';

describe('run', () => {
  it("returns a command's whole output, also what is still on its way when the command exits", async () => {
    // The shell exits at once; its output arrives later. Under load, a kubectl's own output can lag its exit the
    // same way (a `kubectl get -o json` once came back as "" and failed a test).
    expect(await run('sh', ['-c', '(sleep 0.3; echo late) & exit 0'])).toBe('late\n');
  });
});
