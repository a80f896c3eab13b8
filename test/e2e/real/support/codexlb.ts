/**
 * CodexLB helpers for the real-pod suites: point a sample at the fake upstream, read the operator's
 * generated admin token, and talk to the admin API.
 */
import type { FakeUpstream } from '../../../fakes/fake-upstream.ts';
import type { RealEnv } from './real-env.ts';

type Manifest = { spec: Record<string, any> } & Record<string, any>;

/**
 * The only departure from a sample: the upstream and its OAuth token endpoint are the fake on the host end
 * of the node's link (plain http, which a real installation never uses; the operator is installed with
 * the flags that allow it, see real-env.ts). The official application's token endpoint cannot be changed
 * (`proxy.flavor: Upstream` rejects the field): its accounts are seeded with tokens that need no refresh.
 */
export function withFakeUpstream(manifest: Manifest, fake: FakeUpstream): Manifest {
  const spec = manifest.spec;
  const oauth = spec.proxy?.flavor === 'Upstream' ? {} : { oauthTokenURL: `${fake.url}/oauth/token` };
  spec.config = { ...spec.config, upstream: { ...spec.config?.upstream, baseURL: `${fake.url}/backend-api`, ...oauth } };
  return manifest;
}

/** README: `kubectl get secret <n>-admin-token -o jsonpath={.data.token} | base64 -d`. */
export async function adminToken(env: RealEnv, namespace: string, name: string): Promise<string> {
  const encoded = await env.kubectl('get', 'secret', `${name}-admin-token`, '-n', namespace, '-o', 'jsonpath={.data.token}');
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** POSTs to the admin API at `baseUrl` (a Service URL or a port-forward). */
export async function adminPost(baseUrl: string, token: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/internal/admin/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
