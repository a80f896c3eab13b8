/**
 * Reconciles one ChatGPTAccount against its CodexLB's pool, through the proxy's admin API:
 * finalizer → CodexLB serving → Secret (consent, content) → pool snapshot → import when the plan says
 * so (import-plan.ts) → alias / routing policy / pause kept as declared (sync.ts) → status from the pool.
 *
 * Status refresh is driven by the pool monitor, which reads each installation once per period and
 * re-queues its accounts; a pass reads that snapshot instead of calling the proxy. Level-triggered: a
 * pass recomputes everything and writes (to the pool or the status) only what differs.
 */
import type { ChatGPTAccount, CodexLB } from '../../api/crds.ts';
import { stableStringify } from '../../render/hash.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { splitKey, type KubeObject } from '../../runtime/kube/types.ts';
import { PoolBlocked, PoolReason, type PoolProblem } from '../conditions.ts';
import { poolKey, servingCodexLB, type AdminAccess } from '../pool/admin-access.ts';
import { AdminApiError } from '../pool/admin-http.ts';
import type { PoolAdmin } from '../pool/pool-admin.ts';
import type { PoolState } from '../pool/admin-types.ts';
import { hasFinalizer, setFinalizer } from '../pool/finalizers.ts';
import { problemOf } from '../pool/problems.ts';
import { removeById, upsertById, type PoolSnapshots } from '../pool/snapshots.ts';
import { readSeed, type Seed } from './credentials.ts';
import { planImport, type ImportWhy } from './import-plan.ts';
import { accountStatus, type AccountStatusInputs } from './status.ts';
import { accountPatch, describePatch, managerOf } from './sync.ts';

/** A pass stopped by a problem looks again after this long (a Secret without the label sends no event). */
export const DEFAULT_POOL_RETRY_MS = 30_000;

type Account = ChatGPTAccount & KubeObject;

export interface ChatGPTAccountReconcilerDeps {
  client: KubeClient;
  accounts: Informer<Account>;
  codexlbs: Informer<CodexLB & KubeObject>;
  access: AdminAccess;
  snapshots: PoolSnapshots;
  events: EventRecorder;
  now?: () => Date;
  retryMs?: number;
}

const IMPORT_EVENTS: Record<ImportWhy, string> = {
  first: 'imported the Secret into the pool',
  changed: 'the Secret changed: imported the new credentials',
  missing: 'the account was missing from the pool: imported the Secret again',
  lookup: 'found the account in the pool (importPolicy Never)',
};

export class ChatGPTAccountReconciler implements Reconciler {
  readonly #deps: ChatGPTAccountReconcilerDeps;

  constructor(deps: ChatGPTAccountReconcilerDeps) {
    this.#deps = deps;
  }

  /** ChatGPTAccount keys of a CodexLB (its pool was refreshed, it appeared, became ready or went away). */
  dependentsOfCodexLB(namespace: string, name: string): string[] {
    return this.#deps.accounts
      .list(namespace)
      .filter((a) => a.spec.codexLBRef.name === name)
      .map((a) => `${namespace}/${a.metadata.name}`);
  }

  /** ChatGPTAccount keys whose credentials are in the Secret. */
  dependentsOfSecret(namespace: string, name: string): string[] {
    return this.#deps.accounts
      .list(namespace)
      .filter((a) => a.spec.credentials.secretRef.name === name)
      .map((a) => `${namespace}/${a.metadata.name}`);
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace = 'default', name } = splitKey(key);
    const cr = this.#deps.accounts.get(namespace, name);
    if (!cr) return undefined;
    if (cr.metadata.deletionTimestamp) return this.#finalize(cr, ctx);
    // The finalizer guards a pool removal, which only deletionPolicy Delete asks for.
    await setFinalizer(this.#deps.client, cr, cr.spec.deletionPolicy === 'Delete');

    const now = this.#now();
    const pass: AccountStatusInputs = { cr, now };
    try {
      await this.#sync(cr, pass, ctx);
    } catch (err) {
      const problem = problemOf(err);
      if (!problem) throw err;
      pass.problem = problem;
    }
    await this.#writeStatus(cr, pass);
    return pass.problem ? { requeueAfterMs: this.#deps.retryMs ?? DEFAULT_POOL_RETRY_MS } : undefined;
  }

  /** Import → keep the declared fields → record what the pool shows in `pass`. Throws PoolBlocked / AdminApiError. */
  async #sync(cr: Account, pass: AccountStatusInputs, ctx: ReconcileContext): Promise<void> {
    const namespace = cr.metadata.namespace ?? 'default';
    const lbName = cr.spec.codexLBRef.name;
    const lb = servingCodexLB(this.#deps.codexlbs.get(namespace, lbName), namespace, lbName);
    const seed = await readSeed(this.#deps.client, cr);
    const admin = await this.#deps.access.connect(lb);
    const pool = await this.#pool(lb, admin);
    const recorded = cr.status?.accountId;
    let account = pool.accounts.find((a) => a.id === recorded);

    const step = planImport({ importPolicy: cr.spec.credentials.importPolicy, seedHash: seed.hash, importedHash: cr.status?.importedSecretHash, inPool: !!account });
    if (step.kind === 'problem') throw new PoolBlocked(step.problem);
    if (step.kind === 'import') {
      const result = await this.#import(admin, lb, cr, seed, step.policy);
      account = result.account;
      pass.imported = { hash: seed.hash, at: result.outcome === 'kept' ? undefined : pass.now };
      ctx.log.info('import', { why: step.why, outcome: result.outcome, accountId: account.id });
      const kept = result.outcome === 'kept' && step.why !== 'lookup' ? ' (the pool already had newer tokens: kept them)' : '';
      this.#deps.events.record(cr, 'Normal', step.why === 'lookup' ? 'Adopted' : 'Imported', `Account ${account.id}: ${IMPORT_EVENTS[step.why]}${kept}`);
      if (recorded && recorded !== account.id) await this.#release(cr, lb, admin, recorded);
    }
    if (!account) throw new PoolBlocked({ reason: PoolReason.AccountNotInPool, message: 'the account is not in the pool' });
    pass.account = account;

    const owner = this.#olderClaimant(cr, account.id);
    if (owner) {
      throw new PoolBlocked({
        reason: PoolReason.DuplicateAccount,
        message: `ChatGPTAccount "${owner.metadata.name}" already manages pool account ${account.id}; this one changes nothing in the pool`,
      });
    }
    const patch = accountPatch(cr.spec, account, managerOf(namespace, cr.metadata.name));
    if (patch) {
      const updated = await admin.updateAccount(account.id, patch);
      this.#deps.snapshots.update(poolKey(lb), (s) => ({ ...s, accounts: upsertById(s.accounts, updated) }));
      account = updated;
      pass.account = updated;
      // Same generation as last time, nothing imported: someone changed the pool behind the spec's back.
      const drift = cr.status?.observedGeneration === cr.metadata.generation && !pass.imported;
      if (drift) this.#deps.events.record(cr, 'Normal', 'DriftCorrected', `Reverted ${describePatch(patch)} of account ${account.id} to the spec`);
      ctx.log.info('applied account settings', { accountId: account.id, fields: describePatch(patch), drift });
    }
  }

  async #import(admin: PoolAdmin, lb: CodexLB, cr: Account, seed: Seed, policy: Parameters<PoolAdmin['importAccount']>[1]) {
    try {
      const result = await admin.importAccount(seed.document, policy);
      this.#deps.snapshots.update(poolKey(lb), (s) => ({ ...s, accounts: upsertById(s.accounts, result.account) }));
      return result;
    } catch (err) {
      if (!(err instanceof AdminApiError) || err.kind !== 'rejected') throw err;
      const { secretRef, key } = cr.spec.credentials;
      if (err.code === 'invalid_auth_json') {
        throw new PoolBlocked({ reason: PoolReason.InvalidAuthJSON, message: `key "${key}" of Secret "${secretRef.name}": ${err.message}` });
      }
      if (err.code === 'not_found' && !policy.createMissing) {
        throw new PoolBlocked({
          reason: PoolReason.AccountNotInPool,
          message: `the account in Secret "${secretRef.name}" is not in the pool, and importPolicy Never does not import it`,
        });
      }
      throw err;
    }
  }

  /** An account this resource no longer stands for (its Secret now holds another login) leaves the pool per deletionPolicy. */
  async #release(cr: Account, lb: CodexLB, admin: PoolAdmin, id: string): Promise<void> {
    if (cr.spec.deletionPolicy !== 'Delete' || this.#otherClaimant(cr, id)) return;
    await admin.deleteAccount(id);
    this.#deps.snapshots.update(poolKey(lb), (s) => ({ ...s, accounts: removeById(s.accounts, id) }));
    this.#deps.events.record(cr, 'Normal', 'Removed', `Removed account ${id} from the pool: the Secret now holds another account`);
  }

  async #finalize(cr: Account, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    if (!hasFinalizer(cr)) return undefined;
    const namespace = cr.metadata.namespace ?? 'default';
    const lb = this.#deps.codexlbs.get(namespace, cr.spec.codexLBRef.name);
    const id = cr.status?.accountId;
    // Nothing to remove, or nowhere to remove it from: a deleted CodexLB must not wedge its accounts.
    const gone = !lb || !!lb.metadata.deletionTimestamp;
    if (cr.spec.deletionPolicy === 'Delete' && id && !gone && !this.#otherClaimant(cr, id)) {
      try {
        const admin = await this.#deps.access.connect(lb);
        if (await admin.deleteAccount(id)) this.#deps.events.record(cr, 'Normal', 'Removed', `Removed account ${id} from the pool`);
        this.#deps.snapshots.update(poolKey(lb), (s) => ({ ...s, accounts: removeById(s.accounts, id) }));
      } catch (err) {
        const problem = problemOf(err);
        if (!problem) throw err;
        const blocked: PoolProblem = {
          reason: problem.reason,
          message: `cannot remove account ${id} from the pool yet (${problem.message}); set deletionPolicy: Retain to leave it there`,
        };
        await this.#writeStatus(cr, { cr, now: this.#now(), problem: blocked });
        return { requeueAfterMs: this.#deps.retryMs ?? DEFAULT_POOL_RETRY_MS };
      }
    }
    ctx.log.info('releasing finalizer', { accountId: id, codexLBGone: gone });
    await setFinalizer(this.#deps.client, cr, false);
    return undefined;
  }

  async #pool(lb: CodexLB, admin: PoolAdmin): Promise<PoolState> {
    return this.#deps.snapshots.get(poolKey(lb), () => admin.state());
  }

  /** Another live ChatGPTAccount of the same CodexLB that recorded the same pool account. */
  #otherClaimant(cr: Account, id: string): Account | undefined {
    return this.#deps.accounts
      .list(cr.metadata.namespace)
      .find((o) => o.metadata.uid !== cr.metadata.uid && !o.metadata.deletionTimestamp && o.spec.codexLBRef.name === cr.spec.codexLBRef.name && o.status?.accountId === id);
  }

  /** The claimant that came first (creation time, then name) manages the account; later ones only report. */
  #olderClaimant(cr: Account, id: string): Account | undefined {
    const other = this.#otherClaimant(cr, id);
    if (!other) return undefined;
    const rank = (a: Account) => `${a.metadata.creationTimestamp ?? ''}\0${a.metadata.name}`;
    return rank(other) < rank(cr) ? other : undefined;
  }

  async #writeStatus(cr: Account, pass: AccountStatusInputs): Promise<void> {
    const status = accountStatus(pass);
    if (stableStringify(status) === stableStringify(cr.status ?? {})) return;
    await this.#deps.client.applyStatus({ apiVersion: cr.apiVersion, kind: cr.kind, metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace }, status });
    const before = cr.status?.conditions?.find((c) => c.type === 'Ready');
    const after = status.conditions?.find((c) => c.type === 'Ready');
    if (after && (before?.reason !== after.reason || before.status !== after.status)) {
      const routine = after.status === 'True' || after.reason === PoolReason.RateLimited || after.reason === PoolReason.QuotaExceeded;
      this.#deps.events.record(cr, routine ? 'Normal' : 'Warning', after.reason, after.message);
    }
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }
}
