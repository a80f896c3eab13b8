/**
 * The real Codex CLI (npm `@openai/codex`, a devDependency: its launcher picks the platform binary,
 * e.g. @openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex) configured with a custom
 * provider that points at the proxy.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ManagedProcess } from '../../../harness/process.ts';

const LAUNCHER = createRequire(import.meta.url).resolve('@openai/codex/bin/codex.js');

export interface CodexRun {
  code: number | null;
  stdout: string;
  output: string;
}

/** `codex exec --skip-git-repo-check <prompt>` with CODEX_HOME/config.toml naming the proxy as the model provider. */
export async function codexExec(options: { baseUrl: string; prompt: string; apiKey: string; websockets?: boolean }): Promise<CodexRun> {
  const home = mkdtempSync(join(tmpdir(), 'codex-home-'));
  writeFileSync(
    join(home, 'config.toml'),
    [
      'model = "gpt-5.4"',
      'model_provider = "codexlb"',
      '',
      '[model_providers.codexlb]',
      'name = "codex-lb"',
      `base_url = "${options.baseUrl}/backend-api/codex"`,
      'wire_api = "responses"',
      'env_key = "CODEX_LB_API_KEY"',
      `supports_websockets = ${options.websockets ? 'true' : 'false'}`,
      '',
    ].join('\n'),
  );
  const proc = new ManagedProcess('codex exec', process.execPath, [LAUNCHER, 'exec', '--skip-git-repo-check', options.prompt], {
    cwd: home,
    env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home, CODEX_LB_API_KEY: options.apiKey, NO_COLOR: '1' },
    input: '',
  });
  let stdout = '';
  proc.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const code = await proc.exited;
  return { code, stdout, output: proc.output() };
}
