/**
 * The environment the official codex-lb app runs with under the local runner (app.ts): the image's own
 * variables (images/upstream/image.env, the ones build.sh bakes into the image), then what keeps a test run
 * on this machine, then the caller's. Pure, so what the runner sets is provable without starting anything.
 */

/** A loopback port nothing listens on (discard): outbound HTTPS through it fails at once, with no packet leaving. */
export const DEAD_PROXY = 'http://127.0.0.1:9';

export interface UpstreamEnvInput {
  /** KEY=VALUE lines of images/upstream/image.env. */
  imageEnv: string;
  port: number;
  /** The fake ChatGPT upstream's root URL (`FakeUpstream.url`). */
  upstreamUrl: string;
  /** PostgreSQL URL (`postgresql://` or `postgresql+asyncpg://`); SQLite in the data dir when absent. */
  databaseUrl?: string;
  /** Last word: any variable, including the runner's own. */
  env?: Record<string, string>;
}

/** Parses KEY=VALUE lines (blank lines and # comments skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not a KEY=VALUE line: ${line}`);
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/**
 * The official app talks to PostgreSQL through SQLAlchemy's asyncpg dialect only: a plain `postgresql://`
 * URL (what test/harness/postgres.ts hands out) selects a synchronous driver and fails at startup.
 */
export function asyncpgUrl(url: string): string {
  const match = /^(postgres|postgresql)(\+[a-z0-9]+)?:\/\//.exec(url);
  if (!match) throw new Error('not a PostgreSQL URL (expected postgresql://...)');
  return `postgresql+asyncpg://${url.slice(match[0].length)}`;
}

export function upstreamEnv(input: UpstreamEnvInput): Record<string, string> {
  return {
    ...parseEnvFile(input.imageEnv),
    // What a container runtime gives the image's user `app`.
    HOME: '/home/app',
    HOSTNAME: 'codex-lb-local',
    HOST: '127.0.0.1',
    PORT: String(input.port),
    // Explicit, as a pod must set it: the app only defaults to /var/lib/codex-lb when it sees /.dockerenv.
    CODEX_LB_DATA_DIR: '/var/lib/codex-lb',
    CODEX_LB_UPSTREAM_BASE_URL: `${input.upstreamUrl}/backend-api`,
    ...(input.databaseUrl === undefined ? {} : { CODEX_LB_DATABASE_URL: asyncpgUrl(input.databaseUrl) }),
    // Off the internet. By default the app sends telemetry (consent "undecided" counts as yes) to its
    // author's endpoint through a client that ignores proxy variables: only this setting stops it.
    CODEX_LB_TELEMETRY_ENABLED: 'false',
    // The clients that do honour proxy variables (Codex CLI version lookup on GitHub and npm, the dashboard's
    // "latest codex-lb release" check on GitHub, OAuth token refresh at auth.openai.com) fail fast at a dead
    // loopback proxy instead; loopback (the fake upstream, PostgreSQL) goes direct.
    HTTPS_PROXY: DEAD_PROXY,
    HTTP_PROXY: DEAD_PROXY,
    NO_PROXY: '127.0.0.1,localhost',
    ...input.env,
  };
}
