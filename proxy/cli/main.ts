#!/usr/bin/env node
/** `codex-lb-proxy`: the registry of commands. Each command is defined in its own file; add one line per command. */
import { accountsCommand } from './accounts-command.ts';
import { drainCommand } from './drain.ts';
import { migrateCommand } from './migrate-command.ts';
import { runCli } from './program.ts';
import { serveCommand } from './serve.ts';

await runCli([migrateCommand(), accountsCommand(), serveCommand(), drainCommand()]);
