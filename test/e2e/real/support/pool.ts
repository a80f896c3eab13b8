/**
 * The account pool of an installation as its own application reports it, read through the operator's adapter
 * for the installation's flavor (the bundled admin API, or the official app's dashboard API logged in with
 * the `<n>-admin-token` token, which the operator set as its dashboard password).
 */
import type { ProxyFlavor } from '../../../../operator/api/codexlb-proxy.ts';
import { AdminClient } from '../../../../operator/controllers/pool/admin-client.ts';
import type { PoolState } from '../../../../operator/controllers/pool/admin-types.ts';
import { DashboardSession } from '../../../../operator/controllers/pool/dashboard-session.ts';
import type { PoolAdmin } from '../../../../operator/controllers/pool/pool-admin.ts';
import { UpstreamDashboardClient } from '../../../../operator/controllers/pool/upstream-dashboard-client.ts';
import { adminToken } from './codexlb.ts';
import type { RealEnv } from './real-env.ts';

export async function poolAdmin(env: RealEnv, namespace: string, name: string, flavor: ProxyFlavor): Promise<PoolAdmin> {
  const baseUrl = await env.serviceURL(namespace, name);
  const token = await adminToken(env, namespace, name);
  return flavor === 'Upstream'
    ? new UpstreamDashboardClient({ baseUrl, token, tokenSource: `Secret "${name}-admin-token"`, session: new DashboardSession() })
    : new AdminClient({ baseUrl, token });
}

export async function poolState(env: RealEnv, namespace: string, name: string, flavor: ProxyFlavor): Promise<PoolState> {
  return (await poolAdmin(env, namespace, name, flavor)).state();
}
