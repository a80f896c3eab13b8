/** What `make test` (suite.ts) reads from vitest's JSON report: the tests passed and what failed, named. */
import { relative } from 'node:path';

export interface VitestReport {
  numPassedTests: number;
  testResults: Array<{
    name: string;
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }>;
  }>;
}

/**
 * "file › test: first line of its error" for each failed test, and "file: first line" for a file failed by a
 * hook or an import, which may leave no test marked failed. `root` makes the file names relative.
 */
export function failuresOf(report: VitestReport, root: string): string[] {
  const firstLine = (text: string | undefined): string => (text ?? '').trim().split('\n')[0]?.slice(0, 240) ?? '';
  return report.testResults.flatMap((file) => {
    const where = relative(root, file.name);
    const tests = file.assertionResults
      .filter((test) => test.status === 'failed')
      .map((test) => `${where} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    return tests.length === 0 && file.message ? [`${where}: ${firstLine(file.message)}`] : tests;
  });
}
