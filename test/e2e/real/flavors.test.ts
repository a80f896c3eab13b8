/**
 * One scenario list, both applications (`spec.proxy.flavor`): the bundled proxy and the official codex-lb app
 * (image ghcr.io/soju06/codex-lb:1.24.0, built offline from PyPI by test/harness/images/upstream) run on a real
 * node from the same samples, the operator installed in-cluster under the RBAC of config/:
 * - Standalone on SQLite becomes Ready, as uid 1000 on a read-only root filesystem, and status says which
 *   application answers and its version;
 * - the sample ChatGPTAccount joins the pool, as the application's own API shows; the sample CodexLBAPIKey puts
 *   a key into its Secret; API-key auth is in force (an environment variable for the bundled proxy, a dashboard
 *   setting the operator applies for the official app); the Codex CLI, with that key, is served through the
 *   Service by that account; deleting the key revokes it; the operator never logs a secret;
 * - Replicated on a real PostgreSQL: the flavor's own migration CLI runs in the Job before the StatefulSet
 *   exists, every pod passes the schema gate and its probes, and a Codex CLI turn is served through the Service.
 */
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAVOR_IMAGES, type ProxyFlavor } from '../../../operator/api/codexlb-proxy.ts';
import { VERSION as BUNDLED_VERSION } from '../../../proxy/version.ts';
import type { AccountCredentials } from '../../fakes/fake-upstream.ts';
import { waitFor } from '../../harness/process.ts';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import { codexExec } from '../proxy/support/codex-cli.ts';
import { waitForCondition } from '../../integration/operator/support.ts';
import { OPERATOR_NAMESPACE, sample, startRealEnv, type RealEnv } from './support/real-env.ts';
import { adminToken, withFakeUpstream } from './support/codexlb.ts';
import { poolState } from './support/pool.ts';

type Obj = Record<string, any>;

const UPSTREAM_VERSION = FLAVOR_IMAGES.Upstream.tag ?? '';
const FLAVORS: Array<{ flavor: ProxyFlavor; image: string; version: string }> = [
  { flavor: 'Bundled', image: `${FLAVOR_IMAGES.Bundled.repository}:${BUNDLED_VERSION}`, version: BUNDLED_VERSION },
  { flavor: 'Upstream', image: `${FLAVOR_IMAGES.Upstream.repository}:${UPSTREAM_VERSION}`, version: UPSTREAM_VERSION },
];

let env: RealEnv;
beforeAll(async () => {
  env = await startRealEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe.each(FLAVORS)('proxy.flavor $flavor on a real node', ({ flavor, image, version }) => {
  const ns = flavor.toLowerCase();
  const name = 'codex-lb';
  let account: AccountCredentials;
  let apiKey: string;

  const fail = async (err: Error): Promise<never> => {
    throw new Error(`${err.message}\n${await env.diagnostics(ns)}`);
  };
  const read = (kind: string, objName: string) => env.client.get<KubeObject & Obj>({ apiVersion: 'codexlb.io/v1alpha1', kind, namespace: ns, name: objName });
  const waitStatus = (kind: string, objName: string, what: string, done: (obj: Obj) => boolean) =>
    waitFor(`${kind} ${objName}: ${what}`, async () => {
      const obj = await read(kind, objName);
      return obj && done(obj) ? obj : undefined;
    }, { timeoutMs: 180_000, intervalMs: 500 }).catch(async (err: Error) => fail(new Error(`${err.message}\nlast status: ${JSON.stringify((await read(kind, objName))?.status)}`)));
  const readyReason = (obj: Obj) => (obj.status?.conditions as Array<{ type: string; reason: string }> | undefined)?.find((c) => c.type === 'Ready')?.reason;
  /** The sample, pointed at the fake upstream, running this flavor. */
  const manifest = async (file: string, objName: string): Promise<Obj> => {
    const doc = parse(await sample(file)) as Obj;
    doc.metadata = { ...doc.metadata, name: objName, namespace: ns };
    doc.spec.proxy = { flavor };
    return withFakeUpstream(doc as { spec: Obj }, env.fake);
  };
  /** The sample ChatGPTAccount and its Secret for `account`, for the CodexLB `lb`. */
  const accountDocs = async (objName: string, lb: string, credentials: AccountCredentials): Promise<Obj[]> => {
    const docs = parseAllDocuments(await sample('chatgptaccount.yaml')).map((d) => d.toJS() as Obj);
    const [secret, resource] = docs as [Obj, Obj];
    secret.metadata = { ...secret.metadata, name: `${objName}-auth`, namespace: ns };
    secret.stringData['auth.json'] = JSON.stringify(credentials.authJson());
    resource.metadata = { ...resource.metadata, name: objName, namespace: ns };
    resource.spec = { ...resource.spec, codexLBRef: { name: lb }, credentials: { ...resource.spec.credentials, secretRef: { name: `${objName}-auth` } } };
    return [secret, resource];
  };
  const keyDocs = async (objName: string, lb: string): Promise<Obj[]> =>
    parseAllDocuments(await sample('codexlbapikey.yaml')).map((d) => {
      const doc = d.toJS() as Obj;
      doc.metadata = { ...doc.metadata, name: objName, namespace: ns };
      doc.spec = { ...doc.spec, codexLBRef: { name: lb }, secret: { ...doc.spec.secret, name: `${objName}-codex-key` } };
      return doc;
    });
  const issuedKey = async (objName: string): Promise<string> => {
    const issued = await waitStatus('CodexLBAPIKey', objName, 'Ready (KeyIssued)', (o) => readyReason(o) === 'KeyIssued');
    const key = Buffer.from(await env.kubectl('get', 'secret', `${objName}-codex-key`, '-n', ns, '-o', 'jsonpath={.data.api-key}'), 'base64').toString('utf8');
    expect(key.startsWith(issued.status.prefix)).toBe(true);
    return key;
  };

  beforeAll(async () => {
    await env.kubectl('create', 'namespace', ns);
    await env.kubectl('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted');
    account = env.fake.addAccount({ plan: 'pro', email: `alice-${ns}@example.test` });
  });

  describe('Standalone on SQLite', () => {
    it('becomes Ready as uid 1000 on a read-only root filesystem, with its database on the volume', async () => {
      await env.apply([await manifest('codexlb-standalone.yaml', name)]);
      await waitForCondition(env.client, ns, name, 'Ready', 'True', undefined, 300_000).catch(fail);
      const exec = (...command: string[]) => env.kubectl('exec', '-n', ns, `${name}-0`, '-c', 'codex-lb', '--', ...command);
      expect(JSON.parse(await env.kubectl('get', 'pod', `${name}-0`, '-n', ns, '-o', 'json')).spec.containers[0].image).toBe(image);
      expect((await exec('id', '-u')).trim()).toBe('1000');
      expect(await exec('ls', '/var/lib/codex-lb')).toContain('store.db');
      await expect(exec('touch', '/app/written')).rejects.toThrow(/Read-only file system/);
    });

    it('imports the sample ChatGPTAccount; the application\'s own API lists it', async () => {
      await env.apply(await accountDocs('alice', name, account));
      const imported = await waitStatus('ChatGPTAccount', 'alice', 'Ready (Imported)', (o) => readyReason(o) === 'Imported');
      expect(imported.status).toMatchObject({ email: account.email, planType: 'pro', state: 'active' });
      const pool = await poolState(env, ns, name, flavor);
      expect(pool.accounts.map((a) => a.email)).toEqual([account.email]);
    });

    it('reports which application answers, its version, and (official app) that spec settings are in force', async () => {
      const cr = await waitStatus('CodexLB', name, 'status.proxy', (o) => o.status?.proxy?.version !== undefined && (flavor === 'Bundled' || o.status.proxy.settingsApplied === true));
      expect(cr.status.proxy).toEqual({ flavor, version, ...(flavor === 'Upstream' ? { settingsApplied: true } : {}) });
    });

    it('issues the sample CodexLBAPIKey; the Service refuses a turn without it and serves the Codex CLI with it, on the imported account', async () => {
      await env.apply(await keyDocs('ci-agents', name));
      apiKey = await issuedKey('ci-agents');
      const url = await env.serviceURL(ns, name);
      const anonymous = await fetch(`${url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-5.4', input: 'hi' }) });
      expect(anonymous.status).toBe(401);
      const run = await codexExec({ baseUrl: url, prompt: `Hello from ${flavor}`, apiKey });
      expect(run.code, run.output).toBe(0);
      expect(run.stdout).toContain(`Echo from ${account.accountId}: Hello from ${flavor}`);
    });

    it('revokes the key when the CodexLBAPIKey is deleted', async () => {
      await env.kubectl('delete', 'clbkey', 'ci-agents', '-n', ns, '--timeout=120s');
      const res = await fetch(`${await env.serviceURL(ns, name)}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(res.status).toBe(401);
    });
  });

  describe('Replicated on a real PostgreSQL', () => {
    const lb = 'prod';

    it('runs the flavor\'s migration CLI in a Job before the StatefulSet exists; every pod passes the schema gate and its probes', async () => {
      const pg = await env.postgres();
      const url = await pg.createDatabase(`codexlb_${ns}`);
      // The URL scheme each application's driver takes (the bundled proxy takes both).
      const databaseUrl = flavor === 'Upstream' ? url.replace(/^postgresql:/, 'postgresql+asyncpg:') : url;
      await env.kubectl('create', 'secret', 'generic', 'codex-lb-db', '-n', ns, `--from-literal=database-url=${databaseUrl}`);
      await env.kubectl('label', 'secret', 'codex-lb-db', '-n', ns, 'codexlb.io/secret-access=true');
      const doc = await manifest('codexlb-replicated.yaml', lb);
      doc.spec.topology.replicas = 2;
      doc.spec.shutdown = { preStopSleepSeconds: 2, drainTimeoutSeconds: 10, terminationGracePeriodSeconds: 45 };
      await env.apply([doc]);
      const cr = await waitForCondition(env.client, ns, lb, 'Ready', 'True', undefined, 360_000).catch(fail);

      const job = JSON.parse(await env.kubectl('get', 'job', cr.status.schema.job, '-n', ns, '-o', 'json')) as Obj;
      expect(job.status.succeeded).toBe(1);
      expect(job.spec.template.spec.containers[0].image).toBe(image);
      const sts = JSON.parse(await env.kubectl('get', 'statefulset', lb, '-n', ns, '-o', 'json')) as Obj;
      expect(Date.parse(sts.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(job.status.completionTime) - 1000);
      expect(cr.status.schema.revision).toMatch(/\S+/);
      const pods = JSON.parse(await env.kubectl('get', 'pods', '-n', ns, '-l', `app.kubernetes.io/instance=${lb},app.kubernetes.io/component=server`, '-o', 'json')).items as Obj[];
      expect(pods).toHaveLength(2);
      for (const pod of pods) {
        expect(pod.status.initContainerStatuses.find((c: Obj) => c.name === 'wait-for-schema').state.terminated.exitCode).toBe(0);
        expect(pod.status.containerStatuses[0]).toMatchObject({ ready: true });
      }
    });

    it('serves a Codex CLI turn through the Service with a declared account and key', async () => {
      const bob = env.fake.addAccount({ plan: 'pro', email: `bob-${ns}@example.test` });
      await env.apply([...(await accountDocs('bob', lb, bob)), ...(await keyDocs('prod-agents', lb))]);
      await waitStatus('ChatGPTAccount', 'bob', 'Ready (Imported)', (o) => readyReason(o) === 'Imported');
      const key = await issuedKey('prod-agents');
      // The official app takes API-key auth from its database: the operator sets it seconds after the first pod is ready.
      await waitStatus('CodexLB', lb, 'API-key auth in force', (o) => flavor === 'Bundled' || o.status?.proxy?.settingsApplied === true);
      const run = await codexExec({ baseUrl: await env.serviceURL(ns, lb), prompt: `Replicated ${flavor}`, apiKey: key });
      expect(run.code, run.output).toBe(0);
      expect(run.stdout).toContain(`Echo from ${bob.accountId}: Replicated ${flavor}`);
    });
  });

  it('never logs the admin token (the official dashboard\'s password), the keys or the account tokens: neither the operator nor the application', async () => {
    const operatorLogs = await env.kubectl('logs', '-n', OPERATOR_NAMESPACE, '-l', 'app.kubernetes.io/name=codex-lb-operator', '--tail=-1', '--prefix');
    expect(operatorLogs).toContain('import');
    const appLogs = await env.kubectl('logs', '-n', ns, '-l', 'app.kubernetes.io/name=codex-lb', '--all-containers', '--tail=-1', '--prefix');
    expect(appLogs.length).toBeGreaterThan(0);
    for (const secret of [await adminToken(env, ns, name), await adminToken(env, ns, 'prod'), apiKey, account.accessToken, account.refreshToken, account.idToken]) {
      expect(operatorLogs).not.toContain(secret);
      expect(appLogs).not.toContain(secret);
    }
  });
});
