/**
 * Reconciles one CodexLBAPIKey: finalizer → CodexLB serving → the Secret's name is free or ours →
 * pool snapshot → plan (plan.ts): issue a key and write it into the Secret, retire / revoke rotated-out
 * keys, put drifted settings back → status.
 *
 * A new key is shown by the proxy once: it is written into the Secret before anything else, and revoked
 * at once if that write fails, so no key exists that nobody holds. The Secret is created once and
 * afterwards only changed by server-side apply pinned to its UID; a Secret of another owner under the
 * same name is reported (NameConflict) before a key is created.
 */
import type { CodexLB, CodexLBAPIKey } from '../../api/crds.ts';
import { stableStringify } from '../../render/hash.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { ApiError, splitKey, type KubeObject } from '../../runtime/kube/types.ts';
import { PoolBlocked, PoolReason } from '../conditions.ts';
import { controllerOf } from '../codexlb/ownership.ts';
import { poolKey, servingCodexLB, type AdminAccess } from '../pool/admin-access.ts';
import type { PoolAdmin } from '../pool/pool-admin.ts';
import type { PoolApiKey } from '../pool/admin-types.ts';
import { hasFinalizer, setFinalizer } from '../pool/finalizers.ts';
import { problemOf } from '../pool/problems.ts';
import { removeById, upsertById, type PoolSnapshots } from '../pool/snapshots.ts';
import { DEFAULT_POOL_RETRY_MS } from '../chatgptaccount/reconciler.ts';
import { renderKeySecret, secretRecord } from './key-secret.ts';
import { nextRevocation, planKey, type IssueWhy, type KeyPlan } from './plan.ts';
import { keySettings } from './settings.ts';
import { keyStatus, type KeyStatusInputs } from './status.ts';

type ApiKeyResource = CodexLBAPIKey & KubeObject;

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export interface CodexLBAPIKeyReconcilerDeps {
  client: KubeClient;
  apiKeys: Informer<ApiKeyResource>;
  codexlbs: Informer<CodexLB & KubeObject>;
  access: AdminAccess;
  snapshots: PoolSnapshots;
  events: EventRecorder;
  now?: () => Date;
  retryMs?: number;
}

const ISSUE_EVENTS: Record<IssueWhy, [string, string]> = {
  first: ['KeyIssued', 'Issued API key'],
  rotation: ['Rotated', 'rotationToken changed: issued API key'],
  'secret-lost': ['KeyReissued', 'the Secret no longer held the key: issued API key'],
  'key-missing': ['KeyReissued', 'the key was removed from the pool: issued API key'],
};

export class CodexLBAPIKeyReconciler implements Reconciler {
  readonly #deps: CodexLBAPIKeyReconcilerDeps;

  constructor(deps: CodexLBAPIKeyReconcilerDeps) {
    this.#deps = deps;
  }

  dependentsOfCodexLB(namespace: string, name: string): string[] {
    return this.#deps.apiKeys
      .list(namespace)
      .filter((k) => k.spec.codexLBRef.name === name)
      .map((k) => `${namespace}/${k.metadata.name}`);
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace = 'default', name } = splitKey(key);
    const cr = this.#deps.apiKeys.get(namespace, name);
    if (!cr) return undefined;
    if (cr.metadata.deletionTimestamp) return this.#finalize(cr, ctx);
    await setFinalizer(this.#deps.client, cr, true);

    const now = this.#now();
    const pass: KeyStatusInputs = { cr, now };
    let requeueAfterMs: number | undefined;
    try {
      const plan = await this.#sync(cr, pass, ctx);
      requeueAfterMs = nextRevocation(plan.previous, now);
      if (pass.key?.expiresAt) {
        const untilExpiry = new Date(pass.key.expiresAt).getTime() - now.getTime();
        if (untilExpiry > 0) requeueAfterMs = Math.min(requeueAfterMs ?? untilExpiry, untilExpiry + 1000);
      }
    } catch (err) {
      const problem = problemOf(err);
      if (!problem) throw err;
      pass.problem = problem;
      requeueAfterMs = this.#deps.retryMs ?? DEFAULT_POOL_RETRY_MS;
    }
    await this.#writeStatus(cr, pass);
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  async #sync(cr: ApiKeyResource, pass: KeyStatusInputs, ctx: ReconcileContext): Promise<KeyPlan> {
    const namespace = cr.metadata.namespace ?? 'default';
    const lb = servingCodexLB(this.#deps.codexlbs.get(namespace, cr.spec.codexLBRef.name), namespace, cr.spec.codexLBRef.name);
    const secret = await this.#ownSecret(cr);
    const admin = await this.#deps.access.connect(lb);
    const pool = await this.#deps.snapshots.get(poolKey(lb), () => admin.state());
    const record = secretRecord(secret);
    const holdsKey = (id: string | undefined) => {
      const key = pool.apiKeys.find((k) => k.id === id);
      const value = secret?.data?.[cr.spec.secret.key];
      return !!key && value !== undefined && Buffer.from(value, 'base64').toString('utf8').startsWith(key.prefix);
    };
    const plan = planKey({ cr, now: pass.now, keys: pool.apiKeys, secret: secret && { ...record, holdsKey: holdsKey(record.keyId) } });

    let current: PoolApiKey | undefined = plan.current;
    pass.rotationToken = record.keyId === current?.id ? record.rotationToken : cr.status?.rotationToken;
    if (plan.issue) {
      current = await this.#issue(cr, lb, admin, secret);
      pass.rotationToken = cr.spec.rotationToken ?? '';
      const [reason, text] = ISSUE_EVENTS[plan.issue];
      this.#deps.events.record(cr, 'Normal', reason, `${text} ${current.prefix}… into Secret "${cr.spec.secret.name}"`);
      ctx.log.info('issued API key', { why: plan.issue, keyId: current.id });
    }
    for (const id of plan.revoke) {
      await admin.deleteApiKey(id);
      this.#deps.snapshots.update(poolKey(lb), (s) => ({ ...s, apiKeys: removeById(s.apiKeys, id) }));
      this.#deps.events.record(cr, 'Normal', 'Revoked', `Revoked rotated-out API key ${id}`);
    }
    if (plan.update && current) {
      current = await admin.updateApiKey(current.id, plan.update);
      const updated = current;
      this.#deps.snapshots.update(poolKey(lb), (s) => ({ ...s, apiKeys: upsertById(s.apiKeys, updated) }));
      if (cr.status?.observedGeneration === cr.metadata.generation) {
        this.#deps.events.record(cr, 'Normal', 'DriftCorrected', `Reverted ${Object.keys(plan.update).join(', ')} of API key ${current.id} to the spec`);
      }
    }
    pass.key = current;
    pass.previous = plan.previous;
    return plan;
  }

  /** Creates a key and writes it into the Secret; a key that could not be written is revoked at once. */
  async #issue(cr: ApiKeyResource, lb: CodexLB, admin: PoolAdmin, live: Secret | undefined): Promise<PoolApiKey> {
    const created = await admin.createApiKey(keySettings(cr));
    try {
      const secret = renderKeySecret(cr, created.apiKey.id, created.key);
      if (live?.metadata.uid) await this.#deps.client.apply({ ...secret, metadata: { ...secret.metadata, uid: live.metadata.uid } });
      else await this.#deps.client.create(secret);
    } catch (err) {
      await admin.deleteApiKey(created.apiKey.id).catch(() => undefined);
      if (err instanceof ApiError && err.status === 409) {
        throw new PoolBlocked({ reason: PoolReason.NameConflict, message: `Secret "${cr.spec.secret.name}" was created by someone else meanwhile` });
      }
      throw err;
    }
    this.#deps.snapshots.update(poolKey(lb), (s) => ({ ...s, apiKeys: upsertById(s.apiKeys, created.apiKey) }));
    return created.apiKey;
  }

  /** The Secret under spec.secret.name when it is ours, undefined when free; NameConflict when someone else's. */
  async #ownSecret(cr: ApiKeyResource): Promise<Secret | undefined> {
    const live = await this.#deps.client.get<Secret>({ apiVersion: 'v1', kind: 'Secret', namespace: cr.metadata.namespace, name: cr.spec.secret.name });
    if (!live) return undefined;
    if (controllerOf(live)?.uid === cr.metadata.uid) return live;
    const owner = controllerOf(live);
    throw new PoolBlocked({
      reason: PoolReason.NameConflict,
      message:
        `Secret "${cr.spec.secret.name}" already exists and ${owner ? `is controlled by ${owner.kind} ${owner.name}` : 'was not created by this CodexLBAPIKey'}; ` +
        'the operator will not overwrite it. Delete it or choose another spec.secret.name',
    });
  }

  async #finalize(cr: ApiKeyResource, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    if (!hasFinalizer(cr)) return undefined;
    const namespace = cr.metadata.namespace ?? 'default';
    const lb = this.#deps.codexlbs.get(namespace, cr.spec.codexLBRef.name);
    const ids = [cr.status?.keyId, ...(cr.status?.previousKeys ?? []).map((p) => p.keyId)].filter((id): id is string => !!id);
    const secret = await this.#deps.client.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: cr.spec.secret.name });
    const inSecret = secret && controllerOf(secret)?.uid === cr.metadata.uid ? secretRecord(secret).keyId : undefined;
    if (inSecret && !ids.includes(inSecret)) ids.push(inSecret);
    const gone = !lb || !!lb.metadata.deletionTimestamp;
    if (ids.length > 0 && !gone) {
      try {
        const admin = await this.#deps.access.connect(lb);
        for (const id of ids) {
          await admin.deleteApiKey(id);
          this.#deps.snapshots.update(poolKey(lb), (s) => ({ ...s, apiKeys: removeById(s.apiKeys, id) }));
        }
        this.#deps.events.record(cr, 'Normal', 'Revoked', `Revoked API key ${ids.join(', ')}`);
      } catch (err) {
        const problem = problemOf(err);
        if (!problem) throw err;
        await this.#writeStatus(cr, { cr, now: this.#now(), problem: { reason: problem.reason, message: `cannot revoke the key yet: ${problem.message}` } });
        return { requeueAfterMs: this.#deps.retryMs ?? DEFAULT_POOL_RETRY_MS };
      }
    }
    ctx.log.info('releasing finalizer', { keys: ids.length, codexLBGone: gone });
    // The Secret goes with the CodexLBAPIKey (owner reference); revoked first, so it never holds a live key alone.
    await setFinalizer(this.#deps.client, cr, false);
    return undefined;
  }

  async #writeStatus(cr: ApiKeyResource, pass: KeyStatusInputs): Promise<void> {
    const status = keyStatus(pass);
    if (stableStringify(status) === stableStringify(cr.status ?? {})) return;
    await this.#deps.client.applyStatus({ apiVersion: cr.apiVersion, kind: cr.kind, metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace }, status });
    const before = cr.status?.conditions?.find((c) => c.type === 'Ready');
    const after = status.conditions?.find((c) => c.type === 'Ready');
    if (after && (before?.reason !== after.reason || before.status !== after.status) && after.status === 'False') {
      this.#deps.events.record(cr, 'Warning', after.reason, after.message);
    }
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }
}

