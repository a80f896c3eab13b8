/**
 * `make test` names what failed from vitest's own JSON report: the report is made here by the real vitest, run on
 * two throwaway spec files (one failing assertion, one failing hook), so a change in its format shows.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failuresOf, type VitestReport } from './vitest-report.ts';

// Inside the checkout (.local is ignored by git), so the specs' `import 'vitest'` resolves.
const scratchParent = join(process.cwd(), '.local');

describe('the failures make test names', () => {
  let dir: string;
  let report: VitestReport;

  beforeAll(async () => {
    dir = await mkdtemp(join(scratchParent, 'vitest-report-'));
    await writeFile(join(dir, 'assertion.test.ts'), [
      "import { describe, expect, it } from 'vitest';",
      "describe('group', () => {",
      "  it('fails on purpose', () => { expect(1).toBe(2); });",
      "  it('passes', () => {});",
      '});',
    ].join('\n'));
    await writeFile(join(dir, 'hook.test.ts'), [
      "import { beforeAll, it } from 'vitest';",
      "beforeAll(() => { throw new Error('hook broke\\nsecond line'); });",
      "it('never runs', () => {});",
    ].join('\n'));
    await writeFile(join(dir, 'fine.test.ts'), "import { it } from 'vitest';\nit('passes', () => {});\n");
    const output = join(dir, 'report.json');
    const vitest = join(process.cwd(), 'node_modules', '.bin', 'vitest');
    // Exits 1 because of the failures it is asked to report.
    await promisify(execFile)(vitest, ['run', '--root', dir, '--reporter=json', `--outputFile.json=${output}`]).catch(() => undefined);
    report = JSON.parse(await readFile(output, 'utf8')) as VitestReport;
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names each failed test with its file and the first line of its error, and each file a hook failed', () => {
    expect(failuresOf(report, dir).sort()).toEqual([
      'assertion.test.ts › group fails on purpose: AssertionError: expected 1 to be 2 // Object.is equality',
      'hook.test.ts: hook broke',
    ]);
    expect(report.numPassedTests).toBe(2);
  });
});
