/**
 * `make cluster-up` / `make cluster-down` (test/harness/cluster-cli.ts): the background control plane
 * writes a kubeconfig that kubectl can use, and stopping it leaves no process behind.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './process.ts';
import { controlPlaneBinaries } from './controlplane/binaries.ts';

const cli = fileURLToPath(new URL('./cluster-cli.ts', import.meta.url));

describe('cluster-up / cluster-down', () => {
  it('starts a cluster usable through .local/kubeconfig and stops it completely', async () => {
    const local = await mkdtemp(join(tmpdir(), 'codexlb-local-'));
    const env = { ...process.env, CODEX_LB_LOCAL: local };
    try {
      const upOutput = await run(process.execPath, [cli, 'up'], { env });
      expect(upOutput).toContain('make cluster-down');
      const kubeconfig = join(local, 'kubeconfig');
      const { kubectl } = await controlPlaneBinaries();
      const version = JSON.parse(await run(kubectl, [`--kubeconfig=${kubeconfig}`, 'version', '-o', 'json'])) as {
        serverVersion: { gitVersion: string };
      };
      expect(version.serverVersion.gitVersion).toMatch(/^v1\.35\./);
      // kwok marks its Nodes Ready shortly after they are created; a loaded machine makes that a while.
      const ready = await run(kubectl, [`--kubeconfig=${kubeconfig}`, 'wait', '--for=condition=Ready', 'node/kwok-node-0', '--timeout=90s']);
      expect(ready).toMatch(/node\/kwok-node-0 condition met/);

      const servePid = Number((await readFile(join(local, 'cluster', 'serve.pid'), 'utf8')).trim());
      expect(await run(process.execPath, [cli, 'up'], { env })).toContain('already running');

      expect(await run(process.execPath, [cli, 'down'], { env })).toContain('stopped');
      const leftovers = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(local) || line.trim().split(/\s+/)[1] === String(servePid));
      expect(leftovers).toEqual([]);
      expect(existsSync(kubeconfig)).toBe(false);
    } finally {
      await run(process.execPath, [cli, 'down'], { env }).catch(() => undefined);
      await rm(local, { recursive: true, force: true });
    }
  });
});
