/**
 * Runs the fake upstream on its own, for trying the proxy by hand or in demos:
 *
 *   node test/fakes/cli.ts --port 8787 --accounts 3 [--plan pro] [--auth-dir DIR]
 *
 * Prints one line `fake upstream listening on <url>`, then a JSON document with the url and every
 * generated account (tokens + Codex auth.json); with --auth-dir each auth.json is also written to
 * `<DIR>/<accountId>.auth.json` for import. Scripts and accounts can then be driven through the
 * `/__fake/*` control API. Stops cleanly on SIGINT/SIGTERM.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { accountJson } from './control-api.ts';
import { startFakeUpstream } from './fake-upstream.ts';
import { isPlanType } from './plans.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    accounts: { type: 'string', default: '1' },
    plan: { type: 'string', default: 'plus' },
    'auth-dir': { type: 'string' },
  },
  strict: true,
});

const port = Number(values.port);
const count = Number(values.accounts);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be 0-65535, got '${values.port}'`);
if (!Number.isInteger(count) || count < 0) fail(`--accounts must be a non-negative integer, got '${values.accounts}'`);
if (!isPlanType(values.plan)) fail(`--plan is not a known plan type: '${values.plan}'`);
const plan = values.plan;

const fake = await startFakeUpstream({ port, host: values.host });
const accounts = Array.from({ length: count }, () => fake.addAccount({ plan }));
const authDir = values['auth-dir'];
if (authDir !== undefined) {
  await mkdir(authDir, { recursive: true });
  for (const account of accounts) {
    await writeFile(join(authDir, `${account.accountId}.auth.json`), `${JSON.stringify(account.authJson(), null, 2)}\n`, { mode: 0o600 });
  }
}

console.log(`fake upstream listening on ${fake.url}`);
console.log(JSON.stringify({ url: fake.url, backendBaseUrl: `${fake.url}/backend-api`, accounts: accounts.map(accountJson) }, null, 2));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    fake.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('fake upstream: close failed:', err);
        process.exit(1);
      },
    );
  });
}

function fail(message: string): never {
  console.error(`cli.ts: ${message}`);
  process.exit(2);
}
