/**
 * The real-pod profile's own promises: `make cluster-up PROFILE=real` brings up a Ready node and
 * `make cluster-down` leaves no process, mount, network namespace, route, iptables rule, veth, cgroup or
 * file behind; a node component that cannot start fails the start with its output, not a hang, and
 * leaves nothing behind either.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlPlaneBinaries } from '../../harness/controlplane/binaries.ts';
import { nodeLeftovers } from '../../harness/node/leftovers.ts';
import { startRealCluster } from '../../harness/node/real-cluster.ts';
import { run } from '../../harness/process.ts';
import { repoRoot } from './support/real-env.ts';

const RECORDS = '/run/codex-lb/nodes';

/** Runs `node test/harness/cluster-cli.ts ...` as `make` would, with its own .local directory. */
function clusterCli(local: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'test/harness/cluster-cli.ts'), ...args], {
      env: { ...process.env, CODEX_LB_LOCAL: local },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/**
 * The node records a given process owns. Records are machine-wide (another checkout's tests may hold a node
 * at the same time), so a test only ever looks at the ones its own process started.
 */
async function recordsOwnedBy(pid: number): Promise<Array<{ index: number; dir: string; ownerPid: number }>> {
  const names = await readdir(RECORDS).catch(() => []);
  const records = await Promise.all(
    names.map(async (n) => JSON.parse(await readFile(join(RECORDS, n), 'utf8')) as { index: number; dir: string; ownerPid: number }),
  );
  return records.filter((r) => r.ownerPid === pid);
}

describe('the real-pod profile', () => {
  it('cluster-up PROFILE=real gives a Ready node; cluster-down leaves nothing behind', async () => {
    const local = await mkdtemp(join(tmpdir(), 'codexlb-local-'));
    const up = await clusterCli(local, 'up', 'real');
    expect(up.code, up.output).toBe(0);
    const servePid = Number((await readFile(join(local, 'cluster', 'serve.pid'), 'utf8')).trim());
    const [record] = await recordsOwnedBy(servePid);
    expect(record, 'a node record for the new cluster').toBeDefined();
    const { kubectl } = await controlPlaneBinaries();
    const ready = await run(kubectl, [`--kubeconfig=${join(local, 'kubeconfig')}`, 'get', 'nodes', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}']);
    expect(ready).toBe('True');
    expect(await nodeLeftovers(record!.index, record!.dir)).not.toEqual([]); // the check sees a live node

    const down = await clusterCli(local, 'down');
    expect(down.code, down.output).toBe(0);
    expect(await nodeLeftovers(record!.index, record!.dir)).toEqual([]);
  });

  it('a node component that cannot start fails the start with its output, and leaves nothing behind', async () => {
    const attempt = startRealCluster({ kubeletArgs: ['--no-such-kubelet-flag'] });
    await expect(attempt).rejects.toThrow(/kubelet exited:[\s\S]*no-such-kubelet-flag/);
    expect(await recordsOwnedBy(process.pid)).toEqual([]);
  });
});
