/**
 * Real pods, Replicated: the replicated sample with 3 replicas on a real PostgreSQL, on a real node. What
 * kwok cannot show: the migration Job really migrates before the StatefulSet exists, the schema gate
 * really holds a pod, the probes really pass, per-pod DNS of the handoff Service really resolves, the
 * shared encryption key really decrypts another replica's writes, an image upgrade migrates first and
 * rolls without dropping a request or an in-flight stream (preStop dwell + drain), a pod deleted mid-stream
 * ends its client's stream, and a database that is not there fails the Job and is reported while the old
 * pods keep serving, and a replaced encryption key is caught before any pod uses it.
 */
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCredentials } from '../../fakes/fake-upstream.ts';
import { condition, waitForCondition } from '../../integration/operator/support.ts';
import pg from 'pg';
import { run, waitFor } from '../../harness/process.ts';
import type { PostgresServer } from '../../harness/postgres.ts';
import { adminPost, adminToken, withFakeUpstream } from './support/codexlb.ts';
import { getCodexLB, repoRoot, sample, startRealEnv, type RealEnv } from './support/real-env.ts';
import { shortTurn, streamTurn } from './support/turns.ts';
import { CodexSession } from '../proxy/support/codex-cli.ts';

const ns = 'codex';
const name = 'prod';
const PROXY_REPOSITORY = 'ghcr.io/codex-lb/codex-lb-proxy';

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { containers: Array<{ image: string }> };
  status: {
    phase: string;
    podIP?: string;
    initContainerStatuses?: Array<{ name: string; state: { running?: object; terminated?: { exitCode: number } } }>;
    containerStatuses?: Array<{ ready: boolean; restartCount: number }>;
  };
}

describe('Replicated CodexLB on a real node and a real PostgreSQL', () => {
  let env: RealEnv;
  let pg: PostgresServer;
  let databaseUrl: string;
  let account: AccountCredentials;
  let apiKey: string;
  let token: string;

  const pods = async (): Promise<PodJson[]> =>
    (JSON.parse(await env.kubectl('get', 'pods', '-n', ns, '-l', `app.kubernetes.io/instance=${name},app.kubernetes.io/component=server`, '-o', 'json')) as { items: PodJson[] }).items;
  const podJson = async (pod: string): Promise<PodJson> => JSON.parse(await env.kubectl('get', 'pod', pod, '-n', ns, '-o', 'json')) as PodJson;
  const exec = (pod: string, ...command: string[]) => env.kubectl('exec', '-n', ns, pod, '-c', 'codex-lb', '--', ...command);
  const setDatabaseUrl = (url: string) =>
    env.kubectl('patch', 'secret', 'codex-lb-db', '-n', ns, '--type=merge', '-p', JSON.stringify({ stringData: { 'database-url': url } }));
  const fail = async (err: Error): Promise<never> => {
    throw new Error(`${err.message}\n${await env.diagnostics(ns)}`);
  };

  beforeAll(async () => {
    env = await startRealEnv();
    pg = await env.postgres();
    databaseUrl = await pg.createDatabase('codexlb');
    await env.kubectl('create', 'namespace', ns);
    await env.kubectl('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted');
    // The sample's instructions: create the database URL Secret first, and let CodexLBs use it.
    await env.kubectl('create', 'secret', 'generic', 'codex-lb-db', '-n', ns, `--from-literal=database-url=${databaseUrl}`);
    await env.kubectl('label', 'secret', 'codex-lb-db', '-n', ns, 'codexlb.io/secret-access=true');
    const manifest = withFakeUpstream(parse(await sample('codexlb-replicated.yaml')), env.fake);
    // A shorter preStop dwell keeps the suite quick; drain time covers the longest stream the tests hold open.
    manifest.spec.shutdown = { preStopSleepSeconds: 5, drainTimeoutSeconds: 90, terminationGracePeriodSeconds: 125 };
    // One fake account carries every stream the suite opens at once (six during the rollout); the default
    // per-account cap (8 across the replicas, one slot per replica kept for bound conversations) would hold some back.
    manifest.spec.env = [...(manifest.spec.env ?? []), { name: 'CODEX_LB_PROXY_ACCOUNT_STREAM_LIMIT', value: '32' }];
    await env.apply([manifest]);
    await waitForCondition(env.client, ns, name, 'Ready', 'True', undefined, 300_000).catch(fail);
    account = env.fake.addAccount({ plan: 'pro' });
    token = await adminToken(env, ns, name);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('ran the migration Job against PostgreSQL before the StatefulSet existed, and all pods passed their real probes', async () => {
    const cr = await getCodexLB(env.client, ns, name);
    const jobName = cr?.status?.schema?.job as string;
    const job = JSON.parse(await env.kubectl('get', 'job', jobName, '-n', ns, '-o', 'json')) as { status: { succeeded?: number; completionTime: string } };
    expect(job.status.succeeded).toBe(1);
    const sts = JSON.parse(await env.kubectl('get', 'statefulset', name, '-n', ns, '-o', 'json')) as { metadata: { creationTimestamp: string }; status: { readyReplicas: number } };
    expect(Date.parse(sts.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(job.status.completionTime) - 1000);
    expect(sts.status.readyReplicas).toBe(3);
    expect(cr?.status?.schema?.revision).toMatch(/\S+/);
    const tables = await pgQuery(databaseUrl, "select count(*)::int as n from information_schema.tables where table_schema = 'public'");
    expect(tables).toBeGreaterThan(3);
    for (const pod of await pods()) {
      expect(pod.status.initContainerStatuses?.find((c) => c.name === 'wait-for-schema')?.state.terminated?.exitCode).toBe(0);
      expect(pod.status.containerStatuses?.[0]).toMatchObject({ ready: true });
    }
  });

  it('the schema gate holds a pod until its database is at the schema head', async () => {
    const gateUrl = await pg.createDatabase('gate');
    await env.kubectl('create', 'secret', 'generic', 'gate-db', '-n', ns, `--from-literal=database-url=${gateUrl}`);
    // The StatefulSet's own pod template, pointed at an empty database and selected by no Service.
    const sts = JSON.parse(await env.kubectl('get', 'statefulset', name, '-n', ns, '-o', 'json')) as { spec: { template: { spec: Record<string, any> } } };
    const podSpec = sts.spec.template.spec;
    for (const container of [...podSpec.initContainers, ...podSpec.containers]) {
      for (const variable of container.env ?? []) {
        if (variable.name === 'CODEX_LB_DATABASE_URL') variable.valueFrom = { secretKeyRef: { name: 'gate-db', key: 'database-url' } };
      }
    }
    await env.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gate-probe', namespace: ns }, spec: podSpec }]);
    const gate = async () => ((await podJson('gate-probe')).status.initContainerStatuses ?? []).find((c) => c.name === 'wait-for-schema');
    await waitFor('the schema gate to run', async () => ((await gate())?.state.running ? true : undefined), { timeoutMs: 60_000 }).catch(fail);
    await new Promise((r) => setTimeout(r, 6000));
    expect((await gate())?.state.running, 'still waiting for an empty database after 6 s').toBeTruthy();
    expect((await podJson('gate-probe')).status.containerStatuses?.[0]?.ready).toBeFalsy();

    await run(process.execPath, [`${repoRoot}proxy/cli/main.ts`, 'migrate', 'upgrade'], { env: { ...process.env, CODEX_LB_DATABASE_URL: gateUrl } });
    await waitFor('the gate to open and the pod to become Ready', async () => {
      const pod = await podJson('gate-probe');
      return pod.status.containerStatuses?.[0]?.ready ? pod : undefined;
    }, { timeoutMs: 90_000 }).catch(fail);
    expect((await gate())?.state.terminated?.exitCode).toBe(0);
    await env.kubectl('delete', 'pod', 'gate-probe', '-n', ns, '--wait=false');
  });

  it('resolves each pod’s advertised handoff URL from a sibling pod, which gets an answer from it', async () => {
    for (const [from, to] of [[`${name}-0`, `${name}-1`], [`${name}-1`, `${name}-2`], [`${name}-2`, `${name}-0`]] as const) {
      const advertised = (await exec(to, 'printenv', 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL')).trim();
      expect(advertised).toBe(`http://${to}.${name}-handoff.${ns}.svc.cluster.local:2455`);
      const answer = await exec(from, 'node', '-e', `fetch(${JSON.stringify(`${advertised}/health`)}).then(async (r) => console.log(r.status, await r.text()))`);
      expect(answer).toMatch(/^200 /);
    }
  });

  it('the shared encryption key decrypts on every replica what one replica stored', async () => {
    const [first] = await pods();
    const firstUrl = `http://${first?.status.podIP}:2455`;
    expect((await adminPost(firstUrl, token, 'accounts/import', { authJson: account.authJson() })).status).toBe(201);
    const created = await adminPost(firstUrl, token, 'api-keys', { name: 'e2e' });
    apiKey = ((await created.json()) as { key: string }).key;
    for (const pod of await pods()) {
      const client = new OpenAI({ baseURL: `http://${pod.status.podIP}:2455/v1`, apiKey });
      const response = await client.responses.create({ model: 'gpt-5.4', input: `Decrypt on ${pod.metadata.name}` });
      expect(response.output_text).toContain(`Echo from ${account.accountId}: Decrypt on ${pod.metadata.name}`);
    }
  });

  it('a 3-turn Codex CLI session through the Service stays on its owner’s upstream connection, whichever pod each turn reaches', async () => {
    const service = await env.serviceURL(ns, name);
    // Every pod found the other two in the ring (their advertise URLs are the handoff Service's per-pod names).
    for (const pod of await pods()) {
      await waitFor(`${pod.metadata.name} to see 3 ring members`, async () => {
        const ready = (await (await fetch(`http://${pod.status.podIP}:2455/health/ready`)).json()) as { checks?: { ring_members?: string } };
        return ready.checks?.ring_members === '3' ? true : undefined;
      }, { timeoutMs: 30_000 }).catch(fail);
    }
    const since = env.fake.requests.at(-1)?.seq ?? 0;
    const codex = new CodexSession({ baseUrl: service, apiKey });
    for (const prompt of ['first turn in the cluster', 'second turn in the cluster', 'third turn in the cluster']) {
      const run = await codex.turn(prompt);
      expect(run.code, run.output).toBe(0);
      expect(run.stdout).toContain(prompt);
    }
    // kube-proxy picks a pod per connection (each `codex exec` is a new one); the session's owner serves every turn.
    const turns = env.fake.requests.filter((r) => r.seq > since && r.endpoint === 'responses');
    expect(turns).toHaveLength(3);
    expect(new Set(turns.map((t) => t.connection)).size).toBe(1);
    expect(new Set(turns.map((t) => t.accountId))).toEqual(new Set([account.accountId]));
  });

  it('scaling down loses no in-flight stream: the removed pod drains first and leaves the ring; scaling up rejoins it', async () => {
    const victim = (await pods()).find((p) => p.metadata.name === `${name}-2`) as PodJson;
    env.fake.script(account.accountId, { kind: 'slow', delayMs: 1000 });
    const stream = streamTurn(`http://${victim.status.podIP}:2455`, apiKey, 'a stream on the pod being removed').catch((err: Error) => [`error: ${err.message}`]);
    await waitFor('the stream to start', async () => (env.fake.streams(account.accountId).open > 0 ? true : undefined), { timeoutMs: 30_000 });
    await env.kubectl('scale', 'codexlb', name, '-n', ns, '--replicas=2');
    expect((await stream).at(-1)).toBe('response.completed');
    await waitFor(`${name}-2 to be gone`, async () => ((await pods()).some((p) => p.metadata.name === `${name}-2`) ? undefined : true), { timeoutMs: 120_000 }).catch(fail);
    const [survivor] = await pods();
    await waitFor('the survivors to see 2 ring members', async () => {
      const ready = (await (await fetch(`http://${survivor?.status.podIP}:2455/health/ready`)).json()) as { checks?: { ring_members?: string } };
      return ready.checks?.ring_members === '2' ? true : undefined;
    }, { timeoutMs: 30_000 }).catch(fail);

    await env.kubectl('scale', 'codexlb', name, '-n', ns, '--replicas=3');
    await waitFor('3 Ready pods again', async () => {
      const now = await pods();
      return now.length === 3 && now.every((p) => p.status.containerStatuses?.[0]?.ready) ? true : undefined;
    }, { timeoutMs: 180_000, intervalMs: 1000 }).catch(fail);
  });

  it('an image upgrade migrates first, then rolls the pods without failing a request or cutting a stream', async () => {
    const service = await env.serviceURL(ns, name);
    const newTag = '0.1.0-upgrade';
    await ctrTag(env, `${PROXY_REPOSITORY}:0.1.0`, `${PROXY_REPOSITORY}:${newTag}`);
    const before = new Map((await pods()).map((p) => [p.metadata.name, p.metadata.uid]));
    const requestsBefore = env.fake.requests.filter((r) => r.endpoint === 'responses').length;

    // Two long streams opened on every pod before the upgrade; each event comes 3 s after the last.
    const oldPods = await pods();
    env.fake.script(account.accountId, { kind: 'slow', delayMs: 3000 }, { times: oldPods.length * 2 });
    const streams = oldPods.flatMap((pod) =>
      [1, 2].map(async (i) => {
        const events = await streamTurn(`http://${pod.status.podIP}:2455`, apiKey, `long stream ${i} on ${pod.metadata.name}`);
        return { pod: pod.metadata.name, events, finishedAt: Date.now() };
      }),
    );
    await waitFor('every stream to have started', async () => (env.fake.requests.filter((r) => r.endpoint === 'responses').length >= requestsBefore + streams.length ? true : undefined), { timeoutMs: 30_000 });
    // When each old pod started terminating (its preStop hook runs from then on).
    const terminatingAt = new Map<string, number>();
    let watching = true;
    const watchLoop = (async () => {
      while (watching) {
        // A poll that fails (the API server busy with the roll) is retried by the next one.
        for (const pod of await pods().catch((): PodJson[] => [])) {
          if (pod.metadata.deletionTimestamp && before.get(pod.metadata.name) === pod.metadata.uid && !terminatingAt.has(pod.metadata.name)) {
            terminatingAt.set(pod.metadata.name, Date.now());
          }
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    // Short requests all along the rollout, through the Service (kube-proxy), each on a new connection.
    let rolling = true;
    const shortResults: Array<string> = [];
    const shortLoop = (async () => {
      for (let i = 0; rolling; i++) {
        shortResults.push(await shortTurn(service, apiKey, `short ${i}`));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    await env.kubectl('patch', 'codexlb', name, '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { image: { tag: newTag } } }));
    const migrated = await waitFor(
      'the upgrade migration Job',
      async () => {
        const cr = await getCodexLB(env.client, ns, name);
        return cr?.status?.schema?.migratedImage === `${PROXY_REPOSITORY}:${newTag}` ? cr : undefined;
      },
      { timeoutMs: 120_000 },
    ).catch(fail);
    const jobName = migrated.status.schema.job as string;
    const job = JSON.parse(await env.kubectl('get', 'job', jobName, '-n', ns, '-o', 'json')) as { spec: { template: { spec: { containers: Array<{ image: string }> } } }; status: { completionTime: string } };
    expect(job.spec.template.spec.containers[0]?.image).toBe(`${PROXY_REPOSITORY}:${newTag}`);

    await waitFor(
      'every pod replaced and Ready on the new image',
      async () => {
        const now = await pods();
        const done = now.length === 3 && now.every((p) => before.get(p.metadata.name) !== p.metadata.uid && p.spec.containers[0]?.image.endsWith(`:${newTag}`) && p.status.containerStatuses?.[0]?.ready);
        return done ? true : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 1000 },
    ).catch(fail);
    rolling = false;
    watching = false;
    await Promise.all([shortLoop, watchLoop]);

    // The first replaced pod was created only after the Job completed.
    const firstNewPod = (await pods()).map((p) => p.metadata.name).sort().at(-1);
    const created = await env.kubectl('get', 'pod', firstNewPod ?? '', '-n', ns, '-o', 'jsonpath={.metadata.creationTimestamp}');
    expect(Date.parse(created)).toBeGreaterThanOrEqual(Date.parse(job.status.completionTime) - 1000);

    const finished = await Promise.all(streams);
    for (const stream of finished) expect(stream.events.at(-1), `a stream on ${stream.pod}`).toBe('response.completed');
    // At least one pod was being replaced while its streams were still open, and they completed anyway.
    const inFlightWhenReplaced = finished.filter((s) => (terminatingAt.get(s.pod) ?? Infinity) < s.finishedAt);
    expect(inFlightWhenReplaced.length, `termination times ${JSON.stringify([...terminatingAt])}`).toBeGreaterThan(0);
    expect(shortResults.length).toBeGreaterThan(10);
    expect(shortResults.filter((r) => r !== 'ok')).toEqual([]);
  });

  it('deleting a pod mid-stream ends the stream with a terminal event or an error, and the pod comes back', async () => {
    const [victim] = await pods();
    const victimUrl = `http://${victim?.status.podIP}:2455`;
    env.fake.script(account.accountId, { kind: 'slow', delayMs: 3000 });
    const stream = streamTurn(victimUrl, apiKey, 'cut me off').catch((err: Error) => [`error: ${err.message}`]);
    await new Promise((r) => setTimeout(r, 4000));
    await env.kubectl('delete', 'pod', victim?.metadata.name ?? '', '-n', ns, '--wait=false', '--grace-period=1');
    const outcome = await stream;
    expect(outcome.at(-1)).toMatch(/^(response\.(completed|failed|incomplete)|error: .+)$/);
    await waitFor(
      'the deleted pod to come back Ready',
      async () => {
        const back = (await pods()).find((p) => p.metadata.name === victim?.metadata.name);
        return back && back.metadata.uid !== victim?.metadata.uid && back.status.containerStatuses?.[0]?.ready ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    ).catch(fail);
  });

  it('a database URL that points nowhere fails the Job and is reported; old pods keep serving; fixing the Secret resumes', async () => {
    const service = await env.serviceURL(ns, name);
    const uids = (await pods()).map((p) => p.metadata.uid).sort();
    // "Nowhere": a closed port on the Job pod's own loopback. Fail fast: one attempt, a short wait.
    await env.kubectl('patch', 'codexlb', name, '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { migration: { job: { backoffLimit: 0, databaseWaitSeconds: 5 } } } }));
    await setDatabaseUrl('postgresql://codexlb:pw@127.0.0.1:1/codexlb');
    const degraded = await waitForCondition(env.client, ns, name, 'Degraded', 'True', 'DatabaseUnreachable', 180_000).catch(fail);
    // The condition carries what the Job's container wrote to its termination log.
    expect(condition(degraded as never, 'Degraded')?.message).toMatch(/^migration Job prod-migrate-\w+ could not reach the database: migration_error=database_unreachable/);
    expect(condition(degraded as never, 'Ready')?.status).toBe('False');
    // The old pods are untouched and still serve.
    expect((await pods()).map((p) => p.metadata.uid).sort()).toEqual(uids);
    expect(await shortTurn(service, apiKey, 'still serving')).toBe('ok');

    await setDatabaseUrl(databaseUrl);
    await waitForCondition(env.client, ns, name, 'Ready', 'True', undefined, 300_000).catch(fail);
    expect(condition((await getCodexLB(env.client, ns, name)) as never, 'Degraded')?.status).toBe('False');
  });

  it('a replaced encryption key is reported as EncryptionKeyLost before any pod uses it; restoring it recovers', async () => {
    const service = await env.serviceURL(ns, name);
    const uids = (await pods()).map((p) => p.metadata.uid).sort();
    const original = await env.kubectl('get', 'secret', `${name}-encryption`, '-n', ns, '-o', 'jsonpath={.data.encryption-key}');
    const another = Buffer.from(`${randomBytes(32).toString('base64url')}=`).toString('base64');
    const setKey = (encoded: string) =>
      env.kubectl('patch', 'secret', `${name}-encryption`, '-n', ns, '--type=merge', '-p', JSON.stringify({ data: { 'encryption-key': encoded } }));

    await setKey(another);
    const degraded = await waitForCondition(env.client, ns, name, 'Degraded', 'True', 'EncryptionKeyLost', 180_000).catch(fail);
    expect(condition(degraded as never, 'Degraded')?.message).toMatch(/restore/i);
    // No pod ever ran with the wrong key: the migration Job found the mismatch first; the old pods serve on.
    expect((await pods()).map((p) => p.metadata.uid).sort()).toEqual(uids);
    expect(await shortTurn(service, apiKey, 'still decrypting')).toBe('ok');

    await setKey(original);
    await waitForCondition(env.client, ns, name, 'Ready', 'True', undefined, 300_000).catch(fail);
    expect(condition((await getCodexLB(env.client, ns, name)) as never, 'Degraded')?.status).toBe('False');
    expect(await shortTurn(service, apiKey, 'decrypting again')).toBe('ok');
  });
});

async function ctrTag(env: RealEnv, source: string, target: string): Promise<void> {
  await run('ctr', ['--address', env.cluster.node.layout.containerdSocket, '--namespace', 'k8s.io', 'images', 'tag', '--force', source, target]);
}

async function pgQuery(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(sql);
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
