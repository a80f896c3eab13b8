/**
 * Opening an installation's pool for the account and API-key controllers: the CodexLB must exist and
 * serve, its endpoint must be configured (endpoints.ts), and the token comes from the `<n>-admin-token`
 * Secret the CodexLB controller generated — only when that Secret is controlled by this CodexLB, so a
 * namesake can never feed the operator a token. The token is cached per Secret resourceVersion and
 * leaves this module only inside a client: the bundled proxy's admin API takes it as a bearer token,
 * the official app's dashboard (`spec.proxy.flavor: Upstream`) as its bootstrap token and password,
 * with one login session per installation kept here.
 */
import type { CodexLB } from '../../api/crds.ts';
import { names } from '../../render/names.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import { PoolBlocked, PoolReason, type PoolProblem } from '../conditions.ts';
import { controlledBy } from '../codexlb/ownership.ts';
import { AdminClient } from './admin-client.ts';
import type { AdminCallObserver } from './admin-http.ts';
import { DashboardSessions } from './dashboard-session.ts';
import type { AdminEndpoints } from './endpoints.ts';
import type { PoolAdmin } from './pool-admin.ts';
import { UpstreamDashboardClient } from './upstream-dashboard-client.ts';

/** Why a CodexLB cannot be called (yet), or undefined when it can. Pure. */
export function installationProblem(cr: CodexLB | undefined, namespace: string, name: string): PoolProblem | undefined {
  if (!cr) return { reason: PoolReason.CodexLBNotFound, message: `CodexLB "${name}" not found in namespace ${namespace}` };
  if (cr.metadata.deletionTimestamp) return { reason: PoolReason.CodexLBNotFound, message: `CodexLB "${name}" is being deleted` };
  if ((cr.status?.readyReplicas ?? 0) < 1) return { reason: PoolReason.CodexLBNotReady, message: `CodexLB "${name}" has no ready replica yet` };
  return undefined;
}

/** The CodexLB when it can be called; otherwise throws PoolBlocked with the reason. */
export function servingCodexLB(cr: CodexLB | undefined, namespace: string, name: string): CodexLB {
  const problem = installationProblem(cr, namespace, name);
  if (problem || !cr) throw new PoolBlocked(problem ?? { reason: PoolReason.CodexLBNotFound, message: `CodexLB "${name}" not found` });
  return cr;
}

/** The pool a CodexLB stands for: a re-created CodexLB of the same name is a new pool. */
export function poolKey(cr: CodexLB): string {
  return `${cr.metadata.namespace ?? 'default'}/${cr.metadata.name}/${cr.metadata.uid ?? ''}`;
}

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export interface AdminAccessDeps {
  client: KubeClient;
  endpoints: AdminEndpoints;
  /** The operator's generated Secrets (metadata only, label-selected): tells when a cached token is stale. */
  generatedSecrets?: Informer;
  observe?: AdminCallObserver;
}

export class AdminAccess {
  readonly #deps: AdminAccessDeps;
  readonly #tokens = new Map<string, { resourceVersion: string; token: string }>();
  readonly #sessions = new DashboardSessions();

  constructor(deps: AdminAccessDeps) {
    this.#deps = deps;
  }

  /** Whether the installation has an endpoint at all (installations without one are never polled). */
  reachable(cr: CodexLB): boolean {
    return this.#deps.endpoints.resolve(cr) !== undefined;
  }

  /** The CodexLB's pool, through the adapter for its flavor; throws PoolBlocked when it cannot be called. */
  async connect(cr: CodexLB): Promise<PoolAdmin> {
    return cr.spec.proxy.flavor === 'Upstream' ? this.connectUpstream(cr) : this.#open(cr, (baseUrl, token) => new AdminClient({ baseUrl, token, observe: this.#deps.observe }));
  }

  /**
   * The official app's dashboard client of a `flavor: Upstream` CodexLB, which also reads and applies the
   * installation settings upstream keeps in its database (API-key auth, firewall allow-list).
   */
  async connectUpstream(cr: CodexLB): Promise<UpstreamDashboardClient> {
    return this.#open(cr, (baseUrl, token) => {
      const tokenSource = `Secret "${names(cr.metadata.name).adminToken}" (key token)`;
      return new UpstreamDashboardClient({ baseUrl, token, tokenSource, session: this.#sessions.for(poolKey(cr)), observe: this.#deps.observe });
    });
  }

  /** Drops what is kept for a pool (poolKey) whose CodexLB is gone: its dashboard session. */
  forget(key: string): void {
    this.#sessions.forget(key);
  }

  async #open<T>(cr: CodexLB, client: (baseUrl: string, token: string) => T): Promise<T> {
    servingCodexLB(cr, cr.metadata.namespace ?? 'default', cr.metadata.name);
    const baseUrl = this.#deps.endpoints.resolve(cr);
    if (!baseUrl) {
      throw new PoolBlocked({
        reason: PoolReason.AdminAPIUnreachable,
        message: `no admin endpoint is configured for CodexLB "${cr.metadata.name}" (operator flags --admin-endpoint / --admin-endpoint-fallback)`,
      });
    }
    return client(baseUrl, await this.#token(cr));
  }

  async #token(cr: CodexLB): Promise<string> {
    const namespace = cr.metadata.namespace ?? 'default';
    const name = names(cr.metadata.name).adminToken;
    const key = `${namespace}/${name}`;
    const cachedMeta = this.#deps.generatedSecrets?.get(namespace, name);
    const cached = this.#tokens.get(key);
    if (cached && cachedMeta && cachedMeta.metadata.resourceVersion === cached.resourceVersion && controlledBy(cachedMeta, cr)) return cached.token;
    const secret = await this.#deps.client.get<Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    if (!secret || !controlledBy(secret, cr)) {
      this.#tokens.delete(key);
      throw new PoolBlocked({ reason: PoolReason.CodexLBNotReady, message: `CodexLB "${cr.metadata.name}" has no admin token Secret "${name}" of its own yet` });
    }
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8').trim();
    if (!token) throw new PoolBlocked({ reason: PoolReason.CodexLBNotReady, message: `admin token Secret "${name}" is empty` });
    this.#tokens.set(key, { resourceVersion: secret.metadata.resourceVersion ?? '', token });
    return token;
  }
}
