/**
 * The `codex-lb-proxy` command tree and its conventions: each command lives in its own file and returns its exit
 * code; usage errors exit 2 (as upstream's argparse does), so 1 keeps meaning "the operation failed".
 */
import { Command, CommanderError } from 'commander';

export const USAGE_ERROR_EXIT = 2;

/** Exit codes the operator tells apart (OPERATOR-CONTRACT.md): from `migrate upgrade`, and 5 also from `serve`. */
export const EXIT = { ok: 0, failed: 1, unreachable: 3, schemaAhead: 4, encryptionKeyMismatch: 5 } as const;

/** Wraps an async command body: its resolved number becomes the process exit code. */
export function exitWith<A extends unknown[]>(body: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    process.exitCode = await body(...args);
  };
}

export async function runCli(commands: readonly Command[], argv: readonly string[] = process.argv): Promise<void> {
  const program = new Command('codex-lb-proxy').description('codex-lb bundled proxy').showHelpAfterError();
  for (const command of commands) program.addCommand(command);
  for (const command of allCommands(program)) command.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // Help and version requests are successes; everything else commander rejects is a usage error.
    process.exitCode = err.exitCode === 0 ? 0 : USAGE_ERROR_EXIT;
  }
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}
