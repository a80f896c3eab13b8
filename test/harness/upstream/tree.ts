/**
 * Runs a command inside the official codex-lb app's root filesystem, the tree `make setup` built for its image
 * (images/upstream/rootfs.sh), as a container of that image would run it, without a container runtime.
 *
 * Each run gets a private mount namespace (`unshare --mount`) in which the cached tree is bind-mounted
 * read-only, as a pod's readOnlyRootFilesystem would make it, with only a fresh data dir at /var/lib/codex-lb
 * and a tmpfs at /tmp writable; the command then runs chrooted as the image's user (uid 1000) in /app with
 * exactly the given environment. The mounts live only in that namespace, so they vanish with its last
 * process; `remove()` kills any process left in the tree and deletes the data dir. Needs root.
 */
import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ManagedProcess } from '../process.ts';
import { parseEnvFile } from './env.ts';

const imagesDir = fileURLToPath(new URL('../images/upstream/', import.meta.url));
/** The image's user (`app`). */
const APP_UID = 1000;

/** The cached tree's directory for the current sources (built by `make setup`; never built here). */
export async function upstreamRootfs(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [join(imagesDir, 'rootfs.sh'), '--check']);
  return stdout.trim();
}

/** images/upstream/image.env: the variables the image itself sets (as text, KEY=VALUE lines). */
export function imageEnvText(): Promise<string> {
  return readFile(join(imagesDir, 'image.env'), 'utf8');
}

/** What a container runtime gives a container of the image: the image's variables, the user's HOME, then `env`. */
export async function containerEnv(env: Record<string, string>): Promise<Record<string, string>> {
  return { ...parseEnvFile(await imageEnvText()), HOME: '/home/app', ...env };
}

export interface TreeProcess {
  readonly proc: ManagedProcess;
  /** Where the tree is mounted, as seen from the host (the chrooted processes' root directory). */
  readonly root: string;
  /** The host directory mounted at /var/lib/codex-lb. */
  readonly dataDir: string;
  /** Stops the process (SIGTERM, SIGKILL after `graceMs`), kills anything left in the tree, removes the data dir. */
  remove(graceMs?: number): Promise<void>;
}

// Runs as root inside the new mount namespace: $1 the cached tree, $2 the mount point, $3 the data dir, then
// the command. The process environment is already the command's (passed to spawn, never on a command line:
// it may hold passwords).
const MOUNT_AND_RUN = `set -eu
tree="$1" root="$2" data="$3"; shift 3
mount --bind "$tree" "$root"
mount -o remount,bind,ro "$root"
mount --bind "$data" "$root/var/lib/codex-lb"
mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/tmp"
mount --bind /dev "$root/dev"
mount -t proc proc "$root/proc"
# Drop to the image's user inside the tree; setpriv re-arms the parent-death signal that the uid change
# clears, so the command dies with the test process even if that is killed.
exec chroot "$root" /usr/bin/setpriv --reuid=${APP_UID} --regid=${APP_UID} --clear-groups --pdeathsig KILL -- \\
  /usr/bin/env -C /app "$@"`;

/** Starts `argv` in the tree with exactly `env` (see containerEnv for what an image adds). */
export async function enterTree(name: string, argv: string[], env: Record<string, string>): Promise<TreeProcess> {
  const tree = join(await upstreamRootfs(), 'rootfs');
  const dir = await mkdtemp(join(tmpdir(), 'codexlb-upstream-'));
  const root = join(dir, 'root');
  const dataDir = join(dir, 'data');
  await mkdir(root);
  await mkdir(dataDir, { mode: 0o700 });
  await chown(dataDir, APP_UID, APP_UID);
  const proc = new ManagedProcess(name, 'unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', MOUNT_AND_RUN, 'sh', tree, root, dataDir, ...argv], { env });
  const remove = async (graceMs = 15_000): Promise<void> => {
    await proc.stop(graceMs);
    // Whatever the command may have started must not outlive it.
    await killChrootedIn(root);
    await rm(dir, { recursive: true, force: true });
  };
  return { proc, root, dataDir, remove };
}

/** Runs `argv` in the tree to completion; its exit code and combined output. */
export async function runInTree(argv: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const run = await enterTree(argv.slice(0, 3).join(' '), argv, env);
  const code = await run.proc.exited;
  const output = run.proc.output();
  await run.remove();
  return { code, output };
}

/** SIGKILLs every process whose root directory is `root`. */
async function killChrootedIn(root: string): Promise<void> {
  for (const pid of await chrootedIn(root)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
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
