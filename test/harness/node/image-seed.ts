/**
 * Importing the project's images into a fresh containerd (hashing and unpacking about a gigabyte) was most of a
 * real node's start. Instead, one "seed" containerd root per set of image archives is made once, under the cache,
 * and every node starts from a copy of it in which each immutable file — content blobs and unpacked, committed
 * snapshot layers — is a hard link, and only containerd's bolt databases, which it writes in place, are real
 * copies. Overlayfs never writes to a lower layer and containerd never rewrites a blob, so nodes cannot change
 * the seed, and a node's start costs a second instead of half a minute.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, ManagedProcess, run, waitFor } from '../process.ts';
import { unmountUnder } from './mounts.ts';
import type { ImageArchive } from './node.ts';

/** Seeds kept whatever their age, the most recently used first; older ones go once unused for RECENT_MS. */
const KEEP = 3;
const RECENT_MS = 2 * 60 * 60 * 1000;

function cacheDir(): string {
  return join(process.env.CODEX_LB_CACHE ?? join(homedir(), '.cache', 'codex-lb'), 'node-seed');
}

/** The seed root for these archives, made first if absent (one maker at a time per machine). */
export async function imageSeed(images: ImageArchive[]): Promise<string> {
  const version = await run('containerd', ['--version']);
  const key = createHash('sha256')
    .update(version)
    .update(images.map((i) => `${i.tag}=${i.path}`).sort().join('\n'))
    .digest('hex')
    .slice(0, 16);
  const seeds = cacheDir();
  const root = join(seeds, key);
  if (existsSync(join(root, '.complete'))) return markUsed(root);
  await mkdir(seeds, { recursive: true });
  // One maker at a time across processes; a waiter finds the seed complete afterwards.
  return withLock(join(seeds, '.lock'), async () => {
    if (existsSync(join(root, '.complete'))) return root;
    await makeSeed(root, images);
    await pruneSeeds(seeds);
    return root;
  });
}

/** Copies a seed into an empty containerd root: hard links for files, real copies of the bolt databases. */
export async function copySeed(seed: string, target: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  await run('cp', ['-al', seed, target]);
  await rm(join(target, '.complete'), { force: true });
  for (const db of await boltDatabases(target)) {
    const copy = `${db}.copy`;
    await run('cp', ['--preserve=mode,ownership', db, copy]);
    await rename(copy, db); // replaces the hard link with a file of its own
  }
}

async function boltDatabases(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // Only plugin directories hold databases; snapshot trees (thousands of files) are skipped.
    if (entry.isDirectory() && entry.name.startsWith('io.containerd.')) {
      for (const inner of await readdir(path, { withFileTypes: true })) {
        if (inner.isFile() && inner.name.endsWith('.db')) found.push(join(path, inner.name));
      }
    }
  }
  return found;
}

async function makeSeed(root: string, images: ImageArchive[]): Promise<void> {
  const work = `${root}.tmp`;
  const state = join(tmpdir(), `codexlb-seed-state-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await mkdir(state, { recursive: true });
  const socket = join(state, 'containerd.sock');
  const config = join(state, 'config.toml');
  await writeFile(
    config,
    [
      'version = 2',
      `root = "${work}"`,
      `state = "${state}"`,
      // Only the image store is needed: no CRI, no runtime.
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]',
      `[grpc]\n  address = "${socket}"`,
      `[ttrpc]\n  address = "${socket}.ttrpc"`,
      '',
    ].join('\n'),
  );
  const containerd = new ManagedProcess('seed containerd', 'containerd', ['--config', config, '--log-level', 'warn']);
  const ctr = (...args: string[]) => run('ctr', ['--address', socket, '--namespace', 'k8s.io', ...args]);
  try {
    await waitFor('the seed containerd to serve', () => ctr('version').then(() => true), { timeoutMs: 30_000, proc: containerd });
    // In parallel: importing is mostly hashing and unpacking, and the archives share their base layers.
    await Promise.all(images.map((image) => ctr('images', 'import', image.path)));
    const imported = (await ctr('images', 'list', '--quiet')).split('\n');
    const missing = images.filter((image) => !imported.includes(image.tag));
    if (missing.length > 0) throw new Error(`importing did not produce ${missing.map((i) => `${i.tag} (from ${i.path})`).join(', ')}`);
  } finally {
    await containerd.stop(10_000);
    await unmountUnder([state, work]);
    await rm(state, { recursive: true, force: true });
  }
  await writeFile(join(work, '.complete'), '');
  await rm(root, { recursive: true, force: true });
  await rename(work, root);
}

/** A seed's directory mtime says when a node last started from it. */
async function markUsed(root: string): Promise<string> {
  const now = new Date();
  await utimes(root, now, now);
  return root;
}

/**
 * Keeps the most recently used seeds, and any other a node started from lately: several checkouts share the
 * cache, and one checkout's new images must not remove the seed another checkout's running suite starts from.
 */
async function pruneSeeds(seeds: string): Promise<void> {
  const entries = await readdir(seeds, { withFileTypes: true });
  const dirs = await Promise.all(
    entries.filter((e) => e.isDirectory()).map(async (e) => ({ path: join(seeds, e.name), mtime: (await stat(join(seeds, e.name))).mtimeMs })),
  );
  dirs.sort((a, b) => b.mtime - a.mtime);
  for (const old of dirs.slice(KEEP)) {
    if (Date.now() - old.mtime > RECENT_MS) await rm(old.path, { recursive: true, force: true });
  }
}

/** A lock directory (mkdir is atomic) holding its owner's pid; a dead owner's lock is taken over. */
async function withLock<T>(lock: string, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
      if (owner > 0 && !isAlive(owner)) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${lock} is held by process ${owner} for more than 10 minutes`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await writeFile(join(lock, 'pid'), String(process.pid));
  try {
    return await body();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
