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

export interface CodexOptions {
  baseUrl: string;
  apiKey: string;
  /** `supports_websockets = true`: Responses over a WebSocket (one per `codex exec` process). */
  websockets?: boolean;
  /** More keys of the provider table, e.g. `stream_idle_timeout_ms`, `stream_max_retries`, `request_max_retries`. */
  provider?: Record<string, number>;
}

/**
 * One Codex conversation: the first `turn()` runs `codex exec`, later ones `codex exec resume <session id>`
 * in the same CODEX_HOME — each a new process (and a new connection), carrying the same thread and
 * session ids, as a user resuming a session does.
 */
export class CodexSession {
  readonly home: string;
  readonly #options: CodexOptions;
  /** Known after the first turn. */
  id: string | undefined;

  constructor(options: CodexOptions) {
    this.#options = options;
    this.home = mkdtempSync(join(tmpdir(), 'codex-home-'));
    writeFileSync(
      join(this.home, 'config.toml'),
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
        ...Object.entries(options.provider ?? {}).map(([key, value]) => `${key} = ${value}`),
        '',
      ].join('\n'),
    );
  }

  async turn(prompt: string): Promise<CodexRun> {
    const args = this.id === undefined ? ['exec', '--skip-git-repo-check', prompt] : ['exec', 'resume', '--skip-git-repo-check', this.id, prompt];
    const proc = new ManagedProcess('codex exec', process.execPath, [LAUNCHER, ...args], {
      cwd: this.home,
      env: { PATH: process.env.PATH, HOME: this.home, CODEX_HOME: this.home, CODEX_LB_API_KEY: this.#options.apiKey, NO_COLOR: '1' },
      input: '',
    });
    let stdout = '';
    proc.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const code = await proc.exited;
    const output = proc.output();
    this.id ??= /session id: (\S+)/.exec(output)?.[1];
    return { code, stdout, output };
  }
}

/** `codex exec --skip-git-repo-check <prompt>` with CODEX_HOME/config.toml naming the proxy as the model provider. */
export function codexExec(options: CodexOptions & { prompt: string }): Promise<CodexRun> {
  return new CodexSession(options).turn(options.prompt);
}
