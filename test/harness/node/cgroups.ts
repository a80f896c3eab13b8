/**
 * One cgroup subtree per real-pod node, `/codexlb-<i>`, in every cgroup v1 hierarchy (this machine mounts
 * cgroup v1, hybrid). The node's daemons run in `/codexlb-<i>/system` (containerd's shims and therefore every
 * container process inherit it or live under kubelet's `cgroupRoot`, `/codexlb-<i>`), so teardown can find
 * and kill every process the node ever started, even when the test runner died without cleaning up.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';

export interface NodeCgroups {
  /** kubelet's cgroupRoot (absolute cgroup path). */
  root: string;
  /** cgroup of the node's daemons. */
  system: string;
}

export function nodeCgroups(index: number): NodeCgroups {
  return { root: `/codexlb-${index}`, system: `/codexlb-${index}/system` };
}

/** Mounted cgroup v1 hierarchies (directories under /sys/fs/cgroup), from /proc/self/mountinfo. */
export async function v1Hierarchies(): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const dirs: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after?.startsWith('cgroup ')) continue; // "cgroup2" is the unified hierarchy
    const mountPoint = before.split(' ')[4];
    if (mountPoint?.startsWith(`${ROOT}/`)) dirs.push(mountPoint);
  }
  return dirs;
}

/** Creates `path` (and its parents) in every hierarchy; cpuset cgroups need cpus/mems before taking tasks. */
export async function createCgroup(path: string): Promise<void> {
  for (const hierarchy of await v1Hierarchies()) {
    let dir = hierarchy;
    for (const part of path.split('/').filter(Boolean)) {
      const parent = dir;
      dir = join(dir, part);
      if (existsSync(dir)) continue;
      await mkdir(dir);
      if (hierarchy.endsWith('/cpuset')) {
        for (const file of ['cpuset.cpus', 'cpuset.mems']) {
          await writeFile(join(dir, file), await readFile(join(parent, file), 'utf8'));
        }
      }
    }
  }
}

/** A shell prologue that moves the shell into `path` in every hierarchy before it execs the real command. */
export async function enterCgroupScript(path: string): Promise<string> {
  const files = (await v1Hierarchies()).map((h) => `${h}${path}/cgroup.procs`);
  return `for f in ${files.join(' ')}; do echo $$ > "$f"; done; exec "$@"`;
}

/** Every process in the subtree (from the pids hierarchy, or the first one mounted). */
export async function processesIn(path: string): Promise<number[]> {
  const hierarchies = await v1Hierarchies();
  const hierarchy = hierarchies.find((h) => h.endsWith('/pids')) ?? hierarchies[0];
  if (!hierarchy) return [];
  const pids: number[] = [];
  const walk = async (dir: string): Promise<void> => {
    if (!existsSync(dir)) return;
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    pids.push(...procs.split('\n').filter(Boolean).map(Number));
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
    }
  };
  await walk(join(hierarchy, path));
  return pids;
}

/** SIGKILLs every process in the subtree until it is empty (containers may still be forking). */
export async function killCgroup(path: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await processesIn(path);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (Date.now() > deadline) throw new Error(`processes in cgroup ${path} survive SIGKILL: ${pids.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Removes the (empty) subtree from every hierarchy, deepest first. */
export async function removeCgroup(path: string): Promise<void> {
  const remove = async (dir: string): Promise<void> => {
    if (!existsSync(dir)) return;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await remove(join(dir, entry.name));
    }
    await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  };
  for (const hierarchy of await v1Hierarchies()) await remove(join(hierarchy, path));
}
