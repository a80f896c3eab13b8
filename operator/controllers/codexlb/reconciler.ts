/**
 * Reconciles one CodexLB: install policy → ownership of every child name → Secrets → envFrom check →
 * migration plan → rendered children (server-side applied only when they differ from what is live)
 * → removal of children the spec no longer asks for → status.
 *
 * The first four stages only read (generated Secrets aside, created once their names are known to be
 * free): a problem there stops the pass before anything is written and is reported as Degraded.
 *
 * Level-triggered: every pass recomputes everything from the cache and the API; nothing depends on
 * which event woke it up. In steady state a pass performs no writes at all.
 */
import type { CodexLB } from '../../api/crds.ts';
import { desiredImage, migrationStrategy } from '../../render/effective.ts';
import { renderCodexLB } from '../../render/codexlb.ts';
import { stableStringify } from '../../render/hash.ts';
import { withoutPoolMonitorFields } from '../pool/monitor.ts';
import type { RenderInput } from '../../render/input.ts';
import { LABEL_INSTANCE } from '../../render/labels.ts';
import { renderExternalSecret } from '../../render/external-secret.ts';
import { migrationJobName, migrationTarget } from '../../render/migration.ts';
import { renderPostgresCluster } from '../../render/postgres.ts';
import { names } from '../../render/names.ts';
import { offlineInput } from '../../render/offline.ts';
import { configHash } from '../../render/workload.ts';
import type { ReconcileContext, ReconcileResult, Reconciler } from '../../runtime/controller.ts';
import { applyReason, withAppliedHash } from '../../runtime/drift.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Informer } from '../../runtime/informer.ts';
import { refOf, type KubeClient } from '../../runtime/kube/client.ts';
import { ApiError, splitKey, type KubeObject } from '../../runtime/kube/types.ts';
import { Blocked, Waiting, transitions, type Problem } from '../conditions.ts';
import { monitoringSkipped, routesSkipped, type Capabilities, type ClusterCapabilities } from './capabilities.ts';
import { envFromKeys, envFromProblem } from './env-sources.ts';
import { policyProblem, type InstallPolicy } from './install-policy.ts';
import { JobObserver } from './jobs.ts';
import { planMigration } from './migration.ts';
import { missingProviderApi, storeConsentProblem } from './providers.ts';
import { controllerOf, ownershipConflict, withUid } from './ownership.ts';
import { keyMismatchIn, keyMismatchProblem, type PodView } from './pod-problems.ts';
import { SecretResolver, referencedSecretNames, type ResolvedSecrets } from './secrets.ts';
import { computeStatus, type StatusInputs, type WorkloadObservation } from './status.ts';

/** Co-owns StatefulSet.spec.replicas while the HPA scales it (see #applyWorkloadAware). */
const REPLICAS_HANDOFF_MANAGER = 'codex-lb-operator-replicas-handoff';

/**
 * A blocked pass looks again after this long: the objects it waits for (a foreign object under a
 * child's name, a Secret without the opt-in label) are outside the label-selected caches, so their
 * changes send no event.
 */
export const DEFAULT_BLOCKED_RETRY_MS = 30_000;

/** Kinds whose objects disappear when the spec stops asking for them. */
const PRUNABLE = new Set([
  'Service',
  'ConfigMap',
  'Ingress',
  'HTTPRoute',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'NetworkPolicy',
  'ServiceMonitor',
  'PrometheusRule',
  'ExternalSecret',
]);

/** Kinds of the credential providers, applied ahead of everything else. */
const PROVIDER_KINDS = new Set(['ExternalSecret', 'Cluster']);

/** How soon a pass waiting for ESO or CloudNativePG looks again (their Secrets may carry no label we watch). */
export const WAITING_RETRY_MS = 5_000;

export interface CodexLBReconcilerDeps {
  client: KubeClient;
  codexlbs: Informer<CodexLB & KubeObject>;
  /** Caches of child kinds, by kind. Kinds without a cache are read from the API. */
  children: Map<string, Informer>;
  /** The operator's own codex-lb pods (label-selected): migration Job outcomes and pods refusing to start. */
  pods: Informer;
  capabilities: Capabilities;
  /** What the cluster admin allows CodexLBs to ask for (operator flags). */
  policy: InstallPolicy;
  events: EventRecorder;
  operatorVersion: string;
  now?: () => Date;
  /** How soon a blocked CodexLB is looked at again (DEFAULT_BLOCKED_RETRY_MS). */
  blockedRetryMs?: number;
  /** The operator's namespace, admitted by the NetworkPolicy (render/policy.ts). */
  operatorNamespace?: string;
}

interface StatefulSet extends KubeObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: Array<{ name: string; image?: string }> } } };
  status?: Pick<WorkloadObservation, 'replicas' | 'readyReplicas' | 'updatedReplicas' | 'currentRevision' | 'updateRevision' | 'observedGeneration'>;
}

export class CodexLBReconciler implements Reconciler {
  readonly #deps: CodexLBReconcilerDeps;
  readonly #secrets: SecretResolver;
  readonly #jobs: JobObserver;
  /** CodexLB key → names of user Secrets it reads (to re-reconcile when one changes). */
  readonly #referencedSecrets = new Map<string, Set<string>>();
  /**
   * CodexLB key → children this process has seen in place: a missing child seen before was deleted
   * by hand (worth an event); a missing child never seen is simply new.
   */
  readonly #seen = new Map<string, { uid: string; children: Set<string> }>();

  constructor(deps: CodexLBReconcilerDeps) {
    this.#deps = deps;
    this.#secrets = new SecretResolver(deps.client);
    const jobs = deps.children.get('Job');
    if (!jobs) throw new Error('the CodexLB reconciler needs a Job cache');
    this.#jobs = new JobObserver(jobs, deps.pods);
  }

  /** CodexLB keys that read the given Secret. */
  dependentsOfSecret(namespace: string, name: string): string[] {
    const keys: string[] = [];
    for (const [key, secrets] of this.#referencedSecrets) {
      if (key.startsWith(`${namespace}/`) && secrets.has(name)) keys.push(key);
    }
    return keys;
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const { namespace = 'default', name } = splitKey(key);
    const cr = this.#deps.codexlbs.get(namespace, name);
    if (!cr || cr.metadata.deletionTimestamp) {
      // Owned children go with the CodexLB through garbage collection.
      this.#referencedSecrets.delete(key);
      this.#seen.delete(key);
      return;
    }
    const now = this.#deps.now?.() ?? new Date();
    const image = desiredImage(cr.spec, this.#deps.operatorVersion);
    const capabilities = await this.#deps.capabilities.detect();
    const skipped = { gatewayAPI: routesSkipped(cr, capabilities), monitoring: monitoringSkipped(cr, capabilities) };
    // Before resolving: a Secret that appears (or gains the opt-in label) must wake us up.
    this.#referencedSecrets.set(key, new Set(referencedSecretNames(cr)));
    const observed = { codexlb: cr, now, desiredImage: image, skipped };

    try {
      const forbidden = policyProblem(cr, this.#deps.policy);
      if (forbidden) throw new Blocked('policy', forbidden);
      await this.#checkOwnership(cr, capabilities);
      await this.#applyProviders(cr, capabilities, ctx);
      const secrets = await this.#secrets.resolve(cr);
      const envProblem = envFromProblem(await envFromKeys(this.#deps.client, cr, secrets.envFromSecretKeys));
      if (envProblem) throw new Blocked('environment', envProblem);
      for (const secret of secrets.created) {
        this.#deps.events.record(cr, 'Normal', 'SecretGenerated', `Generated Secret ${secret}`);
      }
      return await this.#applyChildren(cr, ctx, { ...observed, capabilities, secrets });
    } catch (err) {
      if (err instanceof Waiting) {
        await this.#writeStatus(cr, { ...observed, workload: this.#observeWorkload(cr), waiting: { reason: err.reason, message: err.message } });
        return { requeueAfterMs: WAITING_RETRY_MS };
      }
      if (!(err instanceof Blocked)) throw err;
      await this.#writeStatus(cr, { ...observed, workload: this.#observeWorkload(cr), blocked: { stage: err.stage, problem: err.problem } });
      return { requeueAfterMs: this.#deps.blockedRetryMs ?? DEFAULT_BLOCKED_RETRY_MS };
    }
  }

  /**
   * The ExternalSecret and the CloudNativePG Cluster, applied before the Secrets they produce are
   * resolved: their API must exist and the ESO store's owner must have opted in (providers.ts).
   */
  async #applyProviders(cr: CodexLB, capabilities: ClusterCapabilities, ctx: ReconcileContext): Promise<void> {
    const missing = missingProviderApi(cr, capabilities);
    if (missing) throw new Blocked('secrets', missing);
    const consent = await storeConsentProblem(this.#deps.client, cr);
    if (consent) throw new Blocked('secrets', consent);
    for (const provider of [renderExternalSecret(cr), renderPostgresCluster(cr)]) {
      if (provider) await this.#applyOne(cr, withAppliedHash(provider), ctx);
    }
  }

  /** Migration plan → render → apply → prune → status, once every input is known to be usable. */
  async #applyChildren(
    cr: CodexLB,
    ctx: ReconcileContext,
    pass: Pick<StatusInputs, 'now' | 'desiredImage' | 'skipped'> & { capabilities: ClusterCapabilities; secrets: ResolvedSecrets },
  ): Promise<ReconcileResult | undefined> {
    const { secrets, desiredImage: image } = pass;
    const namespace = cr.metadata.namespace ?? 'default';
    const base: RenderInput = {
      codexlb: cr,
      operatorVersion: this.#deps.operatorVersion,
      encryptionKey: secrets.encryptionKey,
      adminTokenSecret: secrets.adminTokenSecret,
      databaseUrl: secrets.databaseUrl,
      databasePort: secrets.databasePort,
      secretsHash: secrets.secretsHash,
      capabilities: pass.capabilities,
      operatorNamespace: this.#deps.operatorNamespace,
    };
    const strategy = migrationStrategy(cr.spec);
    const target = migrationTarget(cr, { database: secrets.databaseHash, encryption: secrets.encryptionHash });
    const jobName = migrationJobName(base, image, target);
    const plan = planMigration({
      strategy,
      desiredImage: image,
      target,
      jobName,
      encryptionKey: secrets.encryptionKey,
      previous: cr.status?.schema,
      observation: strategy === 'Job' ? this.#jobs.observe(namespace, jobName) : undefined,
    });

    const input: RenderInput = { ...base, workloadImage: plan.workloadImage, migrationJob: plan.job };
    const desired = renderCodexLB(input).map(withAppliedHash);

    let applyError: string | undefined;
    for (const obj of desired) {
      // Applied before the Secrets were resolved (#applyProviders).
      if (PROVIDER_KINDS.has(obj.kind)) continue;
      try {
        await this.#applyOne(cr, obj, ctx);
      } catch (err) {
        if (err instanceof Blocked) throw err;
        applyError ??= `applying ${obj.kind} ${obj.metadata.name}: ${(err as Error).message}`;
      }
    }
    await this.#prune(cr, desired, ctx);

    await this.#writeStatus(cr, {
      codexlb: cr,
      now: pass.now,
      desiredImage: image,
      encryptionKeySecret: secrets.encryptionKey?.name,
      configHash: configHash(input),
      plan,
      workload: this.#observeWorkload(cr),
      podProblem: this.#podProblem(cr, input),
      applyError,
      skipped: pass.skipped,
    });
    if (applyError) throw new Error(applyError);
    return undefined;
  }

  /**
   * Every child name this CodexLB would use (the migration Job aside: its name carries a content
   * hash) must be free or already ours before anything is written.
   */
  async #checkOwnership(cr: CodexLB, capabilities: ClusterCapabilities): Promise<void> {
    const planned = renderCodexLB(offlineInput(cr, this.#deps.operatorVersion, capabilities)).filter((o) => o.kind !== 'Job');
    for (const obj of planned) {
      const conflict = ownershipConflict(cr, await this.#live(obj));
      if (conflict) throw new Blocked('ownership', conflict);
    }
  }

  /** The live object: from the (label-selected) cache, else from the API, which also sees foreign namesakes. */
  async #live(obj: KubeObject): Promise<KubeObject | undefined> {
    const cached = this.#deps.children.get(obj.kind)?.get(obj.metadata.namespace, obj.metadata.name);
    return cached ?? (await this.#deps.client.get(refOf(obj)));
  }

  async #applyOne(cr: CodexLB, desired: KubeObject, ctx: ReconcileContext): Promise<void> {
    const live = await this.#live(desired);
    const conflict = ownershipConflict(cr, live);
    if (conflict) throw new Blocked('ownership', conflict);
    const reason = applyReason(desired, live);
    const id = `${desired.kind} ${desired.metadata.name}`;
    const seen = this.#seenChildren(cr);
    if (!reason) {
      seen.add(id);
      return;
    }
    try {
      await this.#applyWorkloadAware(cr, desired, live);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 422 && desired.kind === 'StatefulSet' && /Forbidden/.test(err.message))) throw err;
      // A field the StatefulSet API treats as immutable changed: recreate it, leaving the pods running
      // (orphaned) so the new StatefulSet adopts them and rolls them normally.
      await this.#deps.client.delete(refOf(desired), { propagationPolicy: 'Orphan', uid: live?.metadata.uid });
      // Whatever holds the name now (our terminating StatefulSet, or a namesake) must still be ours.
      const replaced = ownershipConflict(cr, await this.#deps.client.get(refOf(desired)));
      if (replaced) throw new Blocked('ownership', replaced);
      await this.#deps.client.apply(desired);
      this.#deps.events.record(cr, 'Warning', 'Recreated', `Recreated StatefulSet ${desired.metadata.name}: an immutable field changed`);
    }
    ctx.log.info('applied', { kind: desired.kind, name: desired.metadata.name, reason });
    if (reason === 'drifted' || (reason === 'missing' && seen.has(id))) {
      this.#deps.events.record(cr, 'Normal', 'DriftCorrected', `Restored ${id} after it was changed or deleted outside the operator`);
    }
    seen.add(id);
  }

  /**
   * Applies `desired`; for a StatefulSet whose replica count the HPA owns, first hands that field to
   * a second field manager. Without it, dropping `replicas` from our apply would make the API server
   * remove the field we owned and reset the StatefulSet to 1 replica before the HPA reacts.
   */
  async #applyWorkloadAware(cr: CodexLB, desired: KubeObject, live: KubeObject | undefined): Promise<void> {
    const hpaOwnsReplicas = desired.kind === 'StatefulSet' && (desired.spec as { replicas?: number }).replicas === undefined;
    const handoff = (replicas: number) =>
      this.#deps.client.apply(
        { apiVersion: desired.apiVersion, kind: desired.kind, metadata: { name: desired.metadata.name, namespace: desired.metadata.namespace }, spec: { replicas } },
        { fieldManager: REPLICAS_HANDOFF_MANAGER },
      );
    const liveReplicas = (live?.spec as { replicas?: number } | undefined)?.replicas;
    if (hpaOwnsReplicas && liveReplicas !== undefined) await handoff(liveReplicas);
    await this.#deps.client.apply(live?.metadata.uid ? withUid(desired, live.metadata.uid) : desired);
    if (hpaOwnsReplicas && live === undefined) await handoff(cr.spec.autoscaling.minReplicas);
  }

  #seenChildren(cr: CodexLB): Set<string> {
    const key = `${cr.metadata.namespace}/${cr.metadata.name}`;
    const uid = cr.metadata.uid ?? '';
    let entry = this.#seen.get(key);
    if (entry?.uid !== uid) {
      entry = { uid, children: new Set() };
      this.#seen.set(key, entry);
    }
    return entry.children;
  }

  async #prune(cr: CodexLB, desired: KubeObject[], ctx: ReconcileContext): Promise<void> {
    const wanted = new Set(desired.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const [kind, cache] of this.#deps.children) {
      if (!PRUNABLE.has(kind)) continue;
      for (const obj of cache.list(cr.metadata.namespace)) {
        if (obj.metadata.labels?.[LABEL_INSTANCE] !== cr.metadata.name) continue;
        if (!obj.metadata.ownerReferences?.some((r) => r.controller && r.uid === cr.metadata.uid)) continue;
        if (wanted.has(`${kind}/${obj.metadata.name}`)) continue;
        await this.#deps.client.delete(refOf(obj), { uid: obj.metadata.uid });
        ctx.log.info('deleted', { kind, name: obj.metadata.name });
      }
    }
  }

  #workload(cr: CodexLB): StatefulSet | undefined {
    return this.#deps.children.get('StatefulSet')?.get(cr.metadata.namespace, names(cr.metadata.name).workload) as StatefulSet | undefined;
  }

  /** What the pods of the current template said when they stopped (a key mismatch), if anything. */
  #podProblem(cr: CodexLB, input: RenderInput): Problem | undefined {
    const sts = this.#workload(cr);
    const revision = sts?.status?.updateRevision;
    if (!sts?.metadata.uid || !revision) return undefined;
    const pods = (this.#deps.pods.list(cr.metadata.namespace) as PodView[]).filter(
      (p) => controllerOf(p)?.uid === sts.metadata.uid && p.metadata.labels?.['controller-revision-hash'] === revision,
    );
    const mismatch = keyMismatchIn(pods);
    return mismatch && keyMismatchProblem(`pod ${mismatch.pod} (container ${mismatch.container})`, input.encryptionKey);
  }

  #observeWorkload(cr: CodexLB): WorkloadObservation | undefined {
    const sts = this.#workload(cr);
    if (!sts) return undefined;
    return {
      ...sts.status,
      specReplicas: sts.spec?.replicas,
      generation: sts.metadata.generation,
      image: sts.spec?.template?.spec?.containers?.find((c) => c.name === 'codex-lb')?.image,
    };
  }

  /** Writes status only when it differs from what is stored, and records an Event per transition. */
  async #writeStatus(cr: CodexLB, inputs: StatusInputs): Promise<void> {
    const status = computeStatus(inputs);
    // What the pool monitor reports (own field manager) is not part of what this pass decides.
    const ours = withoutPoolMonitorFields(cr.status ?? {});
    if (stableStringify(status) === stableStringify(ours)) return;
    await this.#deps.client.applyStatus({
      apiVersion: cr.apiVersion,
      kind: cr.kind,
      metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace },
      status,
    });
    for (const c of transitions(cr.status?.conditions, status.conditions ?? [])) {
      if (!['Ready', 'Degraded', 'MigrationsApplied', 'SecretsReady', 'DatabaseReady', 'RoutesReady'].includes(c.type)) continue;
      const bad = c.type === 'Degraded' ? c.status === 'True' : c.status === 'False';
      this.#deps.events.record(cr, bad ? 'Warning' : 'Normal', c.reason, `${c.type}=${c.status}: ${c.message}`);
    }
  }
}
