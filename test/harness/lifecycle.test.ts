/**
 * Test servers must not outlive their test: stopping a control plane or a PostgreSQL instance leaves
 * no process behind, and two instances started side by side never share a port.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { startControlPlane } from './controlplane/controlplane.ts';
import { startPostgres } from './postgres.ts';

function processesUsing(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('test server lifecycle', () => {
  it('runs two PostgreSQL servers side by side and stops both without leftovers', async () => {
    const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
    expect(a.port).not.toBe(b.port);
    const url = await a.createDatabase('lifecycle');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ v: string }>("select current_setting('server_version') as v");
    await client.end();
    expect(rows[0]?.v).toMatch(/^\d+/);
    await Promise.all([a.stop(), b.stop()]);
    expect(processesUsing(`-p ${a.port} `)).toEqual([]);
    expect(processesUsing(`-p ${b.port} `)).toEqual([]);
  });

  it('stops every control plane component', async () => {
    const cp = await startControlPlane({ profile: 'cluster', nodes: 1 });
    const dataDir = cp.kubeconfigPath.replace(/\/admin\.kubeconfig$/, '');
    expect(processesUsing(dataDir).length).toBeGreaterThanOrEqual(4); // etcd, apiserver, kcm, scheduler, kwok
    await cp.stop();
    expect(processesUsing(dataDir)).toEqual([]);
  });
});
