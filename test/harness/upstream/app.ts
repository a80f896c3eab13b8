/**
 * Runs the official codex-lb application (PyPI codex-lb, the version in images/upstream/version) on this
 * machine for integration tests, straight from the root filesystem `make setup` built for its image
 * (images/upstream/rootfs.sh): the same files, user and entrypoint a pod runs, without a container runtime.
 *
 * Each start gets a private mount namespace (`unshare --mount`) in which the cached tree is bind-mounted
 * read-only, as a pod's readOnlyRootFilesystem would make it, with only a fresh data dir at
 * /var/lib/codex-lb and a tmpfs at /tmp writable; the app then runs chrooted as uid 1000 in /app with the
 * command the official chart gives its container, `python -m app.cli --host <h> --port <p>` (the image's CMD
 * would bind 0.0.0.0:2455), on a free loopback port, migrating its database at startup unless told
 * otherwise (CODEX_LB_DATABASE_MIGRATE_ON_STARTUP). The mounts live only in that namespace, so they vanish
 * with its last process; stop() removes the data dir. Needs root.
 */
import { chown, mkdir, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { freePort, isAddressInUse } from '../ports.ts';
import { ManagedProcess, waitFor } from '../process.ts';
import { upstreamEnv } from './env.ts';

const imagesDir = fileURLToPath(new URL('../images/upstream/', import.meta.url));
/** The image's user (`app`). */
const APP_UID = 1000;

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
  /** The host directory mounted at /var/lib/codex-lb (SQLite store, encryption key). Removed by stop(). */
  readonly dataDir: string;
  /** The last 64 KiB of the app's stdout and stderr. */
  logs(): string;
  /** SIGTERM (the app drains), SIGKILL after a grace period; then nothing of this start is left. */
  stop(): Promise<void>;
}

/** The cached tree for the current sources (built by `make setup`; never built here). */
export async function upstreamRootfs(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(imagesDir, 'rootfs.sh'), '--check']);
  return stdout.trim();
}

// Runs as root inside the new mount namespace: $1 the cached tree, $2 the mount point, $3 the data dir. The
// process environment is already the app's (passed to spawn, never on a command line: it may hold passwords).
const MOUNT_AND_RUN = `set -eu
tree="$1" root="$2" data="$3"
mount --bind "$tree" "$root"
mount -o remount,bind,ro "$root"
mount --bind "$data" "$root/var/lib/codex-lb"
mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/tmp"
mount --bind /dev "$root/dev"
mount -t proc proc "$root/proc"
# Drop to the image's user inside the tree; setpriv re-arms the parent-death signal that the uid change
# clears, so the app dies with the test process even if it is killed.
exec chroot "$root" /usr/bin/setpriv --reuid=${APP_UID} --regid=${APP_UID} --clear-groups --pdeathsig KILL -- \\
  /usr/bin/env -C /app python -m app.cli --host "$HOST" --port "$PORT"`;

export async function startUpstreamApp(options: UpstreamAppOptions): Promise<UpstreamApp> {
  const tree = join(await upstreamRootfs(), 'rootfs');
  const imageEnv = await readFile(join(imagesDir, 'image.env'), 'utf8');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const env = upstreamEnv({ imageEnv, port, ...options });
    const app = await launch(tree, port, env);
    try {
      await waitFor('codex-lb /health/ready', () => ready(app.url), { timeoutMs: 120_000, intervalMs: 250, proc: app.proc });
      return app;
    } catch (err) {
      await app.stop();
      if (attempt < 3 && isAddressInUse(app.logs())) continue;
      throw err;
    }
  }
}

async function ready(url: string): Promise<true | undefined> {
  const res = await fetch(`${url}/health/ready`);
  await res.body?.cancel();
  return res.ok ? true : undefined;
}

async function launch(tree: string, port: number, env: Record<string, string>): Promise<UpstreamApp & { proc: ManagedProcess }> {
  const dir = await mkdtemp(join(tmpdir(), 'codexlb-upstream-'));
  const root = join(dir, 'root');
  const dataDir = join(dir, 'data');
  await mkdir(root);
  await mkdir(dataDir, { mode: 0o700 });
  await chown(dataDir, APP_UID, APP_UID);
  const proc = new ManagedProcess('codex-lb', 'unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', MOUNT_AND_RUN, 'sh', tree, root, dataDir], { env });
  const stop = async (): Promise<void> => {
    await proc.stop(15_000);
    // Whatever the app may have started must not outlive it.
    await killChrootedIn(root);
    await rm(dir, { recursive: true, force: true });
  };
  const pid = proc.child.pid;
  if (pid === undefined) throw new Error(`could not start the app:\n${proc.output()}`);
  return { url: `http://127.0.0.1:${port}`, port, pid, dataDir, proc, logs: () => proc.output(), stop };
}

/** SIGKILLs every process whose root directory is `root` (what is left of a start). */
export async function killChrootedIn(root: string): Promise<number[]> {
  const killed: number[] = [];
  for (const pid of await chrootedIn(root)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone already
    }
  }
  return killed;
}

/** Pids of the processes whose root directory is `root`. */
export async function chrootedIn(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const where = await readlink(`/proc/${entry}/root`).catch(() => undefined);
    if (where === root) pids.push(Number(entry));
  }
  return pids;
}
