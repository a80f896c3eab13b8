/**
 * `make test`: runs the named steps in order (all of them, even after a failure, so one run shows
 * everything that is broken) and ends with one line: "N passed, N failed".
 * Vitest steps count their tests; typecheck and lint count as one check each.
 * The failed tests are named again just above the summary: a CI log is often read from its tail only.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { failuresOf, type VitestReport } from './vitest-report.ts';

interface Outcome {
  step: string;
  passed: number;
  seconds: number;
  /** One line per failed test, failed file (hook, import), failed check or crash: the step's failed count. */
  failures: string[];
}

const resultsDir = join(process.cwd(), '.local', 'test-results');

const commands: Record<string, () => string[]> = {
  // The node code, then the dashboard's browser code (DOM + JSX settings).
  typecheck: () => ['sh', '-c', 'tsc --noEmit -p tsconfig.json && tsc --noEmit -p proxy/dashboard/ui/tsconfig.json'],
  lint: () => ['eslint', '--max-warnings=0', '.'],
};

function vitest(project: string): string[] {
  return [
    'vitest', 'run', '--project', project, '--passWithNoTests',
    '--reporter=default', '--reporter=json', `--outputFile.json=${join(resultsDir, `${project}.json`)}`,
  ];
}

function exec(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(command ?? '', args, { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', () => resolve(127));
  });
}

async function runStep(step: string): Promise<Outcome> {
  const started = Date.now();
  const elapsed = (): number => Math.round((Date.now() - started) / 100) / 10;
  console.log(`\n=== ${step} ===`);
  const fixed = commands[step];
  if (fixed) {
    const code = await exec(fixed());
    const failures = code === 0 ? [] : [`${step}: exited ${code} (see its output above)`];
    return { step, passed: 1 - failures.length, seconds: elapsed(), failures };
  }
  const report = join(resultsDir, `${step}.json`);
  await rm(report, { force: true });
  const code = await exec(vitest(step));
  try {
    const json = JSON.parse(await readFile(report, 'utf8')) as VitestReport;
    const failures = failuresOf(json, process.cwd());
    // A crash outside any test or file (an unhandled rejection) fails the step without failing either.
    if (code !== 0 && failures.length === 0) failures.push(`${step}: vitest exited ${code} outside any test (see its output above)`);
    return { step, passed: json.numPassedTests, seconds: elapsed(), failures };
  } catch {
    return { step, passed: 0, seconds: elapsed(), failures: [`${step}: no report (vitest exited ${code})`] };
  }
}

const steps = process.argv.slice(2);
const unknown = steps.filter((s) => !commands[s] && !['unit', 'integration', 'e2e'].includes(s));
if (steps.length === 0 || unknown.length > 0) {
  console.error(`usage: suite.ts <typecheck|lint|unit|integration|e2e>... (unknown: ${unknown.join(', ')})`);
  process.exit(2);
}
await mkdir(resultsDir, { recursive: true });
const outcomes: Outcome[] = [];
for (const step of steps) outcomes.push(await runStep(step));

const failures = outcomes.flatMap((o) => o.failures);
if (failures.length > 0) {
  console.log('\n=== failed ===');
  for (const failure of failures) console.log(failure);
}
console.log('\n=== summary ===');
for (const o of outcomes) {
  const failed = o.failures.length;
  console.log(`${failed === 0 ? 'ok  ' : 'FAIL'} ${o.step.padEnd(12)} ${o.passed} passed, ${failed} failed (${o.seconds}s)`);
}
const passed = outcomes.reduce((n, o) => n + o.passed, 0);
const failed = failures.length;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
