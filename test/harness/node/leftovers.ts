/**
 * What a real node could leave behind on this machine, listed so a test can assert that nothing is:
 * its netns and veth, host routes and iptables rules into its ranges, mounts and files under its
 * directory, its cgroups, and any process still running from its directory or in its cgroups.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { run } from '../process.ts';
import { processesIn, nodeCgroups, v1Hierarchies } from './cgroups.ts';
import { mountsUnder } from './mounts.ts';
import { networkPlan } from './network.ts';

export async function nodeLeftovers(index: number, dir: string): Promise<string[]> {
  const net = networkPlan(index);
  const found: string[] = [];
  if ((await run('ip', ['netns', 'list'])).split('\n').some((l) => l.split(' ')[0] === net.netns)) found.push(`netns ${net.netns}`);
  if ((await run('ip', ['-o', 'link', 'show'])).includes(`${net.hostInterface}@`)) found.push(`link ${net.hostInterface}`);
  const ranges = [net.hostIP.replace(/\.1$/, '.'), net.podCIDR.replace(/0\/24$/, ''), net.serviceCIDR.replace(/0\/24$/, '')];
  const routes = await run('ip', ['route', 'show']);
  for (const line of routes.split('\n')) if (ranges.some((r) => line.includes(r))) found.push(`route ${line}`);
  const rules = await run('iptables-save', []);
  for (const line of rules.split('\n')) if (ranges.some((r) => line.includes(r))) found.push(`iptables ${line}`);
  for (const point of await mountsUnder([dir])) found.push(`mount ${point}`);
  if (existsSync(dir)) found.push(`directory ${dir}`);
  const cgroup = nodeCgroups(index).root;
  for (const hierarchy of await v1Hierarchies()) if (existsSync(`${hierarchy}${cgroup}`)) found.push(`cgroup ${hierarchy}${cgroup}`);
  for (const pid of await processesIn(cgroup)) found.push(`process ${pid} in ${cgroup}`);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) found.push(`process ${entry}: ${cmdline.replaceAll('\0', ' ').slice(0, 200)}`);
  }
  return found;
}
