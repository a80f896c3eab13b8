/**
 * What a container runtime and kubelet leave mounted: overlay rootfs, shm, Secret tmpfs, bind mounts of
 * volumes and the pods' network namespaces (containerd keeps those under its state dir here). Teardown
 * unmounts everything below the node's directories, deepest first, before deleting them.
 */
import { readFile } from 'node:fs/promises';
import { run } from '../process.ts';

/** Mount points at or below any of `dirs`, deepest first (mountinfo escapes spaces as \040). */
export async function mountsUnder(dirs: string[]): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((p) => dirs.some((d) => p === d || p.startsWith(`${d}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export async function unmountUnder(dirs: string[]): Promise<void> {
  // A lazy unmount detaches at once; repeat while stacked mounts (bind over bind) remain.
  for (let round = 0; round < 5; round++) {
    const points = await mountsUnder(dirs);
    if (points.length === 0) return;
    for (const point of points) await run('umount', ['-l', point]).catch(() => undefined);
  }
  const left = await mountsUnder(dirs);
  if (left.length > 0) throw new Error(`mounts remain after unmounting: ${left.join(', ')}`);
}
