/**
 * Real pods, accounts and API keys as resources: the operator, running in-cluster from its image under
 * the RBAC of config/, reaches the proxy pod's admin API over the cluster network (the CodexLB's Service,
 * by DNS, with the token from `<n>-admin-token`). A ChatGPTAccount from samples/chatgptaccount.yaml joins
 * the pool, a CodexLBAPIKey from samples/codexlbapikey.yaml puts a key into its Secret, and the Codex CLI,
 * using that key through the Service, is served by that account. Deleting the key revokes it.
 */
import { parseAllDocuments, parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCredentials } from '../../fakes/fake-upstream.ts';
import { waitFor } from '../../harness/process.ts';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import { codexExec } from '../proxy/support/codex-cli.ts';
import { waitForCondition } from '../../integration/operator/support.ts';
import { OPERATOR_NAMESPACE, sample, startRealEnv, type RealEnv } from './support/real-env.ts';
import { adminToken, withFakeUpstream } from './support/codexlb.ts';

const ns = 'codex';
const name = 'codex-lb';

type Obj = Record<string, any>;

describe('ChatGPTAccount and CodexLBAPIKey on a real node', () => {
  let env: RealEnv;
  let account: AccountCredentials;
  let apiKey: string;

  beforeAll(async () => {
    env = await startRealEnv();
    await env.kubectl('create', 'namespace', ns);
    await env.kubectl('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted');
    await env.apply([withFakeUpstream(parse(await sample('codexlb-standalone.yaml')), env.fake)]);
    await waitForCondition(env.client, ns, name, 'Ready', 'True', undefined, 240_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await env.diagnostics(ns)}`);
    });
    account = env.fake.addAccount({ plan: 'pro', email: 'alice@example.test' });
  });
  afterAll(async () => {
    await env?.stop();
  });

  const read = (kind: string, objName: string) => env.client.get<KubeObject & Obj>({ apiVersion: 'codexlb.io/v1alpha1', kind, namespace: ns, name: objName });
  const readyReason = (obj: Obj | undefined) => (obj?.status?.conditions as Array<{ type: string; reason: string }> | undefined)?.find((c) => c.type === 'Ready')?.reason;
  const waitReady = (kind: string, objName: string, reason: string) =>
    waitFor(`${kind} ${objName} Ready (${reason})`, async () => {
      const obj = await read(kind, objName);
      return readyReason(obj) === reason ? obj : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\nlast status: ${JSON.stringify((await read(kind, objName))?.status)}\n${await env.diagnostics(ns)}`);
    });

  it('imports the sample ChatGPTAccount into the pool over the cluster network', async () => {
    // README: the Secret from ~/.codex/auth.json, labelled for ChatGPTAccounts, and the account itself.
    const docs = parseAllDocuments(await sample('chatgptaccount.yaml')).map((d) => d.toJS() as Obj);
    docs[0]!.stringData['auth.json'] = JSON.stringify(account.authJson());
    await env.apply(docs);
    const imported = await waitReady('ChatGPTAccount', 'alice', 'Imported');
    expect(imported.status).toMatchObject({ email: 'alice@example.test', planType: 'pro', state: 'active' });
  });

  it('writes the sample CodexLBAPIKey into a Secret it owns', async () => {
    await env.apply(parseAllDocuments(await sample('codexlbapikey.yaml')).map((d) => d.toJS() as Obj));
    const key = await waitReady('CodexLBAPIKey', 'ci-agents', 'KeyIssued');
    const encoded = await env.kubectl('get', 'secret', 'ci-agents-codex-key', '-n', ns, '-o', 'jsonpath={.data.api-key}');
    apiKey = Buffer.from(encoded, 'base64').toString('utf8');
    expect(apiKey.startsWith(key.status.prefix)).toBe(true);
  });

  it('serves a Codex CLI turn through the Service with that key, on the imported account', async () => {
    const run = await codexExec({ baseUrl: await env.serviceURL(ns, name), prompt: 'Hello from a declared account', apiKey });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain(`Echo from ${account.accountId}: Hello from a declared account`);
  });

  it('never logs the admin token, the key or the account tokens', async () => {
    const logs = await env.kubectl('logs', '-n', OPERATOR_NAMESPACE, '-l', 'app.kubernetes.io/name=codex-lb-operator', '--tail=-1', '--prefix');
    expect(logs).toContain('import');
    for (const secret of [await adminToken(env, ns, name), apiKey, account.accessToken, account.refreshToken, account.idToken]) expect(logs).not.toContain(secret);
  });

  it('revokes the key when the CodexLBAPIKey is deleted: the Service then answers 401 invalid_api_key', async () => {
    await env.kubectl('delete', 'clbkey', 'ci-agents', '-n', ns, '--timeout=120s');
    const res = await fetch(`${await env.serviceURL(ns, name)}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });
});
