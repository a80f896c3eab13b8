/**
 * Runs the official codex-lb application (PyPI codex-lb, the version in images/upstream/version) on this
 * machine for integration tests, from the root filesystem of its image (tree.ts: read-only root, uid 1000,
 * only /tmp and a fresh data dir writable), on a free loopback port, with the command the official chart gives
 * its container, `python -m app.cli --host <h> --port <p>` (the image's CMD would bind 0.0.0.0:2455). The app
 * migrates its database at startup unless told otherwise (CODEX_LB_DATABASE_MIGRATE_ON_STARTUP).
 */
import { freePort, isAddressInUse } from '../ports.ts';
import { waitFor } from '../process.ts';
import { upstreamEnv } from './env.ts';
import { enterTree, imageEnvText, type TreeProcess } from './tree.ts';

export interface UpstreamAppOptions {
  /** The fake ChatGPT upstream's root URL (`FakeUpstream.url`); the app gets `<url>/backend-api`. */
  upstreamUrl: string;
  /** PostgreSQL URL (`postgresql://...` is turned into `postgresql+asyncpg://...`); SQLite when absent. */
  databaseUrl?: string;
  /** More variables (`CODEX_LB_*`, ...); they win over the runner's. */
  env?: Record<string, string>;
}

export interface UpstreamApp {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The app's process id (it runs chrooted, as uid 1000, in its own mount namespace). */
  readonly pid: number;
  /** Where its root filesystem is mounted, as seen from the host (its processes' root directory). */
  readonly root: string;
  /** The host directory mounted at /var/lib/codex-lb (SQLite store, encryption key). Removed by stop(). */
  readonly dataDir: string;
  /** The last 64 KiB of the app's stdout and stderr. */
  logs(): string;
  /** SIGTERM (the app drains), SIGKILL after a grace period; then nothing of this start is left. */
  stop(): Promise<void>;
}

export async function startUpstreamApp(options: UpstreamAppOptions): Promise<UpstreamApp> {
  const imageEnv = await imageEnvText();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const env = upstreamEnv({ imageEnv, port, ...options });
    const run = await enterTree('codex-lb', ['python', '-m', 'app.cli', '--host', '127.0.0.1', '--port', String(port)], env);
    const pid = run.proc.child.pid;
    if (pid === undefined) {
      await run.remove();
      throw new Error(`could not start the app:\n${run.proc.output()}`);
    }
    const app = upstreamApp(run, port, pid);
    try {
      await waitFor('codex-lb /health/ready', () => ready(app.url), { timeoutMs: 120_000, intervalMs: 250, proc: run.proc });
      return app;
    } catch (err) {
      await app.stop();
      if (attempt < 3 && isAddressInUse(app.logs())) continue;
      throw err;
    }
  }
}

function upstreamApp(run: TreeProcess, port: number, pid: number): UpstreamApp {
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid,
    root: run.root,
    dataDir: run.dataDir,
    logs: () => run.proc.output(),
    stop: () => run.remove(),
  };
}

async function ready(url: string): Promise<true | undefined> {
  const res = await fetch(`${url}/health/ready`);
  await res.body?.cancel();
  return res.ok ? true : undefined;
}
