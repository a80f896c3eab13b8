/**
 * Two operator processes (the shipped CLI, as the Deployment runs it) share one Lease: only the
 * holder reconciles; when it is killed the standby takes over; a graceful stop releases the Lease.
 * A leader that cannot renew (the API server frozen) stops acting at the renew deadline, while its
 * requests are still hanging: the CLI exits, an in-process operator stops its controllers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess, waitFor } from '../../harness/process.ts';
import { freePort } from '../../harness/ports.ts';
import { Operator } from '../../../operator/manager.ts';
import { silentLogger } from '../../../operator/runtime/logger.ts';
import { OPERATOR_VERSION } from '../../../operator/version.ts';
import { codexLB, createNamespace, get, repoRoot, startOperatorTestEnv, type OperatorTestEnv } from './support.ts';

const ns = 'le';
const leaseNs = 'codex-lb-system';

interface Candidate {
  proc: ManagedProcess;
  port: number;
}

async function startCandidate(kubeconfig: string): Promise<Candidate> {
  const port = await freePort();
  const proc = new ManagedProcess('operator', process.execPath, [
    `${repoRoot}operator/cli/main.ts`,
    'run',
    `--kubeconfig=${kubeconfig}`,
    `--leader-election-namespace=${leaseNs}`,
    `--probe-address=127.0.0.1:${port}`,
    '--leader-lease-seconds=4',
    '--leader-renew-deadline-seconds=3',
    '--leader-retry-seconds=1',
  ]);
  await waitFor('the operator to answer /healthz', async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), {
    proc,
  });
  return { proc, port };
}

async function leaderStatus(c: Candidate): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
  const match = /^leader_election_master_status\{name="codex-lb-operator"\} (\d)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

describe('leader election between two operator processes', () => {
  let env: OperatorTestEnv;
  let candidates: Candidate[] = [];

  beforeAll(async () => {
    env = await startOperatorTestEnv('api');
    await createNamespace(env.cp, ns);
    await createNamespace(env.cp, leaseNs);
    candidates = [await startCandidate(env.cp.kubeconfigPath), await startCandidate(env.cp.kubeconfigPath)];
  });

  afterAll(async () => {
    await Promise.all(candidates.map((c) => c.proc.stop()));
    await env?.stop();
  });

  const holder = () => env.cp.kubectl('get', 'lease', 'codex-lb-operator', '-n', leaseNs, '-o', 'jsonpath={.spec.holderIdentity}');
  const workloadOf = (name: string) => waitFor(`StatefulSet ${name}`, () => get(env.client, 'apps/v1', 'StatefulSet', ns, name));

  it('elects exactly one leader, which reconciles; both report ready', async () => {
    await waitFor('a leader', async () => ((await Promise.all(candidates.map(leaderStatus))).includes(1) ? true : undefined));
    expect((await Promise.all(candidates.map(leaderStatus))).sort()).toEqual([0, 1]);
    for (const c of candidates) expect((await fetch(`http://127.0.0.1:${c.port}/readyz`)).status).toBe(200);
    await env.cp.apply([codexLB(ns, 'first', {})]);
    expect((await workloadOf('first')).metadata.name).toBe('first');
  });

  it('fails over to the standby when the leader dies', async () => {
    const statuses = await Promise.all(candidates.map(leaderStatus));
    const leader = candidates[statuses.indexOf(1)]!;
    const standby = candidates[statuses.indexOf(0)]!;
    const before = await holder();
    leader.proc.signal('SIGKILL');
    await leader.proc.exited;
    await waitFor('the standby to take the lease', async () => ((await leaderStatus(standby)) === 1 ? true : undefined), { timeoutMs: 30_000 });
    expect(await holder()).not.toBe(before);
    await env.cp.apply([codexLB(ns, 'second', {})]);
    expect((await workloadOf('second')).metadata.name).toBe('second');
    const transitions = await env.cp.kubectl('get', 'lease', 'codex-lb-operator', '-n', leaseNs, '-o', 'jsonpath={.spec.leaseTransitions}');
    expect(Number(transitions)).toBeGreaterThanOrEqual(1);
    candidates = [standby];
  });

  it('releases the lease on graceful shutdown', async () => {
    const [leader] = candidates;
    await leader!.proc.stop();
    expect(await leader!.proc.exited).toBe(0);
    expect(await holder()).toBe('');
    candidates = [];
  });

  it('exits at once, naming the namespace and the flag, when the Lease namespace does not exist', async () => {
    const port = await freePort();
    const proc = new ManagedProcess('operator', process.execPath, [
      `${repoRoot}operator/cli/main.ts`,
      'run',
      `--kubeconfig=${env.cp.kubeconfigPath}`,
      '--leader-election-namespace=no-such-namespace',
      `--probe-address=127.0.0.1:${port}`,
    ]);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/Lease namespace \\"no-such-namespace\\" does not exist.*--leader-election-namespace/);
  });
});

describe('a leader whose API server freezes', () => {
  let env: OperatorTestEnv;
  let frozen = false;
  const freeze = () => {
    env.cp.signalApiserver('SIGSTOP');
    frozen = true;
  };
  const thaw = () => {
    if (frozen) env.cp.signalApiserver('SIGCONT');
    frozen = false;
  };

  beforeAll(async () => {
    env = await startOperatorTestEnv('api');
    await createNamespace(env.cp, leaseNs);
  });

  afterEach(thaw);

  afterAll(async () => {
    await env?.stop();
  });

  it('exits (the shipped CLI) at the renew deadline while its renewal still hangs, instead of acting as leader', async () => {
    const leader = await startCandidate(env.cp.kubeconfigPath);
    try {
      await waitFor('the candidate to lead', async () => ((await leaderStatus(leader)) === 1 ? true : undefined));
      freeze();
      // 4 s lease, 3 s renew deadline, requests that would hang for 30 s: it must be gone while frozen.
      await waitFor('the leader to exit while the API server is frozen', async () => (leader.proc.running ? undefined : true), { timeoutMs: 20_000 });
      expect(frozen).toBe(true);
      expect(await leader.proc.exited).toBe(1);
      expect(leader.proc.output()).toContain('lost leader lease: renew deadline passed');
    } finally {
      thaw();
      await leader.proc.stop();
    }
  });

  it('stops its controllers (in process) at the deadline, and campaigns again once the API answers', async () => {
    const operator = new Operator({
      kubeConfig: env.cp.kubeConfig(),
      log: silentLogger(),
      operatorVersion: OPERATOR_VERSION,
      leaderElection: { namespace: leaseNs, name: 'in-process', identity: 'in-process', leaseDurationSeconds: 4, renewDeadlineMs: 3_000, retryPeriodMs: 1_000 },
    });
    await operator.start();
    try {
      await waitFor('the operator to lead', async () => (operator.leading ? true : undefined));
      freeze();
      await waitFor('the operator to stop leading while the API server is frozen', async () => (operator.leading ? undefined : true), { timeoutMs: 20_000 });
      expect(frozen).toBe(true);
      expect((await operator.metrics.leaderStatus.get()).values).toEqual([expect.objectContaining({ value: 0 })]);
      thaw();
      // Generous: after a thaw the API server and every informer catch up at once, slowly on a loaded machine.
      await waitFor('the operator to lead again', async () => (operator.leading ? true : undefined), { timeoutMs: 90_000 });
    } finally {
      thaw();
      await operator.stop();
    }
  }, 180_000);
});
