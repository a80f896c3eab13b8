/**
 * Asks the official codex-lb app itself whether it accepts a container: its settings loader is run on the
 * container's environment, and its own argument parsers on every `python -m <module> ...` command, inside its
 * root filesystem (tree.ts) with the environment a container of the image would have. Names are checked
 * against its settings list separately (settings.ts): the loader alone ignores names it does not know.
 */
import { containerEnv, runInTree } from './tree.ts';

// Each app module that has a command line parses it in `_parse_args()` from sys.argv (app.cli, app.db.migrate,
// app.core.prestop); argparse exits 2 with a usage error on an unknown subcommand or option. Private, so a
// new codex-lb version may move it: the check then fails loudly rather than passing.
const CHECK = `
import importlib, json, sys
problems = []
try:
    from app.core.config.settings import Settings
    Settings()
except Exception as exc:
    problems.append("settings: " + str(exc))
for argv in json.loads(sys.argv[1]):
    sys.argv = [argv[0], *argv[1:]]
    try:
        importlib.import_module(argv[0])._parse_args()
    except SystemExit as exc:
        if exc.code:
            problems.append("python -m " + " ".join(argv) + ": rejected by its argument parser")
    except Exception as exc:
        problems.append("python -m " + " ".join(argv) + ": " + repr(exc))
print("CHECK-RESULT " + json.dumps(problems))
`;

/**
 * What the app objects to: its settings loader's error, and each command its parser rejects (usage errors are in
 * the output). `commands` are argument lists after `python -m`, e.g. ['app.db.migrate', 'upgrade'].
 */
export async function upstreamObjections(env: Record<string, string>, commands: string[][]): Promise<string[]> {
  const { code, output } = await runInTree(['python', '-c', CHECK, JSON.stringify(commands)], await containerEnv(env));
  const line = output.split('\n').find((l) => l.startsWith('CHECK-RESULT '));
  if (code !== 0 || line === undefined) throw new Error(`the settings/command check did not run (exit ${code}):\n${output}`);
  const problems = JSON.parse(line.slice('CHECK-RESULT '.length)) as string[];
  return problems.length === 0 ? [] : [...problems, output];
}

/** The `python -m <module> <args...>` invocations of a container command, or of each line of a `sh -c` script. */
export function pythonModuleCommands(argv: readonly string[]): string[][] {
  if (argv[0] === 'python' && argv[1] === '-m') return [argv.slice(2)];
  if (/(^|\/)sh$/.test(argv[0] ?? '') && argv[1] === '-c' && argv[2] !== undefined) {
    return [...argv[2].matchAll(/python -m (\S+)([^\n;&|<>]*)/g)].map((m) => [m[1] ?? '', ...(m[2] ?? '').trim().split(/\s+/).filter(Boolean)]);
  }
  return [];
}
