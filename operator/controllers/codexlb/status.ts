/**
 * CodexLB status as a pure function of what one reconcile observed. kstatus-compliant: Ready
 * summarises, Progressing and Degraded say why it is not Ready, and observedGeneration says which spec
 * the status describes. Reconciling and Stalled are kstatus' own pair, which Flux and `kstatus` read:
 * Stalled when a human must act (Failed: a health check stops waiting), Reconciling while the operator
 * is still getting there (InProgress). Identical observations yield an identical status, so no write is needed.
 */
import type { CodexLBStatus } from '../../api/codexlb-status.ts';
import type { CodexLB } from '../../api/crds.ts';
import { continuityEnabled, migrationStrategy, podDisruptionBudgetEnabled } from '../../render/effective.ts';
import { selectorLabels, selectorString } from '../../render/labels.ts';
import { names } from '../../render/names.ts';
import { HTTP_PORT, OAUTH_PORT } from '../../render/workload.ts';
import { dashboardUrl } from './dashboard-url.ts';
import { DegradedReason, WaitingReason, mergeConditions, type ConditionInput, type Problem, type Stage } from '../conditions.ts';
import type { MigrationPlan } from './migration.ts';

export interface WorkloadObservation {
  specReplicas?: number;
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  observedGeneration?: number;
  generation?: number;
  image?: string;
}

export interface StatusInputs {
  codexlb: CodexLB;
  now: Date;
  desiredImage: string;
  /** Set when a stage stopped the pass before anything was applied (policy, name conflict, Secrets, env). */
  blocked?: { stage: Stage; problem: Problem };
  /** Set when the pass waits for ESO or CloudNativePG to produce a Secret (in progress, not a problem). */
  waiting?: { reason: WaitingReason; message: string };
  /** A problem the workload's pods report (e.g. a key mismatch), while the pass itself went through. */
  podProblem?: Problem;
  encryptionKeySecret?: string;
  configHash?: string;
  plan?: MigrationPlan;
  workload?: WorkloadObservation;
  applyError?: string;
  skipped: { gatewayAPI: boolean; monitoring: boolean };
}

type Verdict = Omit<ConditionInput, 'type'>;

function desiredReplicas(cr: CodexLB, workload: WorkloadObservation | undefined): number {
  return cr.spec.autoscaling.enabled ? (workload?.specReplicas ?? cr.spec.autoscaling.minReplicas) : cr.spec.topology.replicas;
}

/** Stages run in this order; a pass blocked at one has not looked at the later ones. */
const STAGES: Stage[] = ['policy', 'ownership', 'secrets', 'environment'];

function reachedStage(s: StatusInputs, stage: Stage): boolean {
  return !s.blocked || STAGES.indexOf(s.blocked.stage) >= STAGES.indexOf(stage);
}

function secretsCondition(s: StatusInputs): Verdict {
  if (s.blocked?.stage === 'secrets') return { status: 'False', reason: s.blocked.problem.reason, message: s.blocked.problem.message };
  if (s.waiting) return { status: 'False', ...s.waiting };
  if (!reachedStage(s, 'secrets')) return { status: 'Unknown', reason: 'NotChecked', message: 'Secrets are resolved once the problem in Degraded is fixed' };
  return { status: 'True', reason: 'Resolved', message: 'All referenced Secrets exist, allow CodexLBs to use them and are well-formed' };
}

function migrationsCondition(s: StatusInputs): Verdict {
  const plan = s.plan;
  if (!plan && s.waiting) return { status: 'Unknown', reason: s.waiting.reason, message: 'Migrations wait for the database credentials' };
  if (!plan) return { status: 'Unknown', reason: 'Blocked', message: 'Migrations wait until the problem in Degraded is fixed' };
  switch (plan.state) {
    case 'Startup':
      return { status: 'True', reason: 'MigratedOnStartup', message: 'The proxy migrates its database when it starts' };
    case 'UpToDate':
    case 'Succeeded': {
      const revision = plan.schema?.revision ? `revision ${plan.schema.revision}` : 'at head';
      return { status: 'True', reason: 'AtHead', message: `Schema ${revision} (migrated by ${plan.schema?.job ?? 'a migration Job'})` };
    }
    case 'Running':
      return { status: 'False', reason: 'Migrating', message: `Migration Job ${plan.job?.name} is running; the rollout waits for it` };
    case 'Failed':
      return { status: 'False', reason: plan.failure?.reason ?? 'MigrationFailed', message: `${plan.failure?.message}; the rollout is held` };
  }
}

function databaseCondition(s: StatusInputs): Verdict {
  const { spec } = s.codexlb;
  if (spec.database.type === 'SQLite') {
    return { status: 'True', reason: 'Embedded', message: 'SQLite on the pod volume' };
  }
  if (s.blocked?.problem.reason === DegradedReason.CloudNativePGNotInstalled) return { status: 'False', ...s.blocked.problem };
  if (s.waiting?.reason === WaitingReason.WaitingForCloudNativePG) return { status: 'Unknown', ...s.waiting };
  if (s.blocked) return { status: 'Unknown', reason: 'Blocked', message: 'The database settings are resolved once the problem in Degraded is fixed' };
  if (s.waiting) return { status: 'Unknown', reason: s.waiting.reason, message: 'The database URL is not known yet' };
  if (s.plan?.failure?.reason === 'DatabaseUnreachable') {
    return { status: 'False', reason: 'DatabaseUnreachable', message: s.plan.failure.message };
  }
  if (s.plan?.state === 'Running' && !s.plan.schema?.migratedImage && !(s.workload?.readyReplicas ?? 0)) {
    return { status: 'Unknown', reason: 'Connecting', message: 'The migration Job is connecting to the database' };
  }
  return { status: 'True', reason: 'Connected', message: 'The database accepted the migration' };
}

function routesCondition(s: StatusInputs): Verdict {
  if (s.skipped.gatewayAPI) {
    return { status: 'False', reason: 'GatewayAPINotInstalled', message: 'gatewayAPI.enabled is set but the Gateway API CRDs are not installed; HTTPRoutes were skipped' };
  }
  const { ingress, gatewayAPI, networkPolicy } = s.codexlb.spec;
  // The official chart warns about this in its NOTES; here it stays visible for as long as it is true.
  if (networkPolicy.enabled && (ingress.enabled || gatewayAPI.enabled) && networkPolicy.ingressFrom.length === 0 && !networkPolicy.extraIngress?.length) {
    return {
      status: 'False',
      reason: 'NetworkPolicyBlocksIngress',
      message:
        'Routes are applied, but the NetworkPolicy admits no ingress controller or gateway: set networkPolicy.ingressFrom ' +
        '(e.g. a namespaceSelector for the ingress controller namespace) or networkPolicy.extraIngress',
    };
  }
  return { status: 'True', reason: 'Applied', message: 'Requested routes are applied' };
}

function monitoringCondition(s: StatusInputs): Verdict {
  return s.skipped.monitoring
    ? { status: 'False', reason: 'CRDNotInstalled', message: 'ServiceMonitor/PrometheusRule requested but the prometheus-operator CRDs are not installed; skipped' }
    : { status: 'True', reason: 'Applied', message: 'Requested monitoring objects are applied' };
}

function progressingCondition(s: StatusInputs, desired: number): Verdict {
  const w = s.workload;
  if (s.blocked) return { status: 'False', reason: 'Blocked', message: 'Nothing is applied until the problem in Degraded is fixed' };
  if (s.waiting) return { status: 'True', ...s.waiting };
  if (s.plan?.state === 'Running') return { status: 'True', reason: 'Migrating', message: `Migration Job ${s.plan.job?.name} is running` };
  if (!w) return { status: 'True', reason: 'Creating', message: 'The workload is being created' };
  if (w.generation !== undefined && w.observedGeneration !== undefined && w.observedGeneration < w.generation) {
    return { status: 'True', reason: 'RollingOut', message: 'The StatefulSet controller has not observed the latest template yet' };
  }
  // With a partition, pods below it keep the old template on purpose: the rollout is done once the rest have it.
  const partition = s.codexlb.spec.updateStrategy.partition;
  const toUpdate = Math.max(0, desired - partition);
  if ((w.updatedReplicas ?? 0) < toUpdate || (partition === 0 && w.updateRevision && w.currentRevision !== w.updateRevision)) {
    return { status: 'True', reason: 'RollingOut', message: `${w.updatedReplicas ?? 0}/${toUpdate} pods run the current template` };
  }
  if ((w.replicas ?? 0) !== desired) return { status: 'True', reason: 'Scaling', message: `${w.replicas ?? 0} pods, want ${desired}` };
  if ((w.readyReplicas ?? 0) < desired) return { status: 'True', reason: 'WaitingForPods', message: `${w.readyReplicas ?? 0}/${desired} pods ready` };
  return { status: 'False', reason: 'Complete', message: 'The current template is rolled out' };
}

/**
 * Degraded reasons the operator gets past on its own (retried with backoff): not worth failing a
 * GitOps health check for. Every other Degraded reason waits for a human.
 */
const SELF_HEALING: ReadonlySet<string> = new Set([DegradedReason.ApplyFailed]);

/** kstatus' Stalled and Reconciling, never both True. */
function kstatusConditions(ready: Verdict, degraded: Verdict): { stalled: Verdict; reconciling: Verdict } {
  if (degraded.status === 'True' && !SELF_HEALING.has(degraded.reason)) {
    return {
      stalled: { status: 'True', reason: degraded.reason, message: degraded.message },
      reconciling: { status: 'False', reason: 'Stalled', message: 'The operator waits for the problem in Stalled to be fixed' },
    };
  }
  const notStalled: Verdict = { status: 'False', reason: 'AsExpected', message: 'Nothing needs a human' };
  return ready.status === 'True'
    ? { stalled: notStalled, reconciling: { status: 'False', reason: 'Complete', message: ready.message } }
    : { stalled: notStalled, reconciling: { status: 'True', reason: ready.reason, message: ready.message } };
}

function degradedCondition(s: StatusInputs): Verdict {
  const problem = s.blocked?.problem ?? s.plan?.failure ?? s.podProblem;
  if (problem) return { status: 'True', reason: problem.reason, message: problem.message };
  if (s.applyError) return { status: 'True', reason: DegradedReason.ApplyFailed, message: s.applyError };
  return { status: 'False', reason: 'AsExpected', message: 'No problem detected' };
}

export function computeStatus(s: StatusInputs): CodexLBStatus {
  const cr = s.codexlb;
  const n = names(cr.metadata.name);
  const ns = cr.metadata.namespace ?? 'default';
  const domain = cr.spec.topology.clusterDomain;
  const desired = desiredReplicas(cr, s.workload);

  const progressing = progressingCondition(s, desired);
  const degraded = degradedCondition(s);
  const ready: Verdict =
    degraded.status === 'True'
      ? { status: 'False', reason: degraded.reason, message: degraded.message }
      : progressing.status === 'True'
        ? { status: 'False', reason: progressing.reason, message: progressing.message }
        : { status: 'True', reason: 'Ready', message: `${s.workload?.readyReplicas ?? 0}/${desired} replicas ready` };

  const { stalled, reconciling } = kstatusConditions(ready, degraded);

  const conditions = mergeConditions(
    cr.status?.conditions,
    [
      { type: 'Ready', ...ready },
      { type: 'Progressing', ...progressing },
      { type: 'Degraded', ...degraded },
      { type: 'Reconciling', ...reconciling },
      { type: 'Stalled', ...stalled },
      { type: 'SecretsReady', ...secretsCondition(s) },
      { type: 'DatabaseReady', ...databaseCondition(s) },
      { type: 'MigrationsApplied', ...migrationsCondition(s) },
      { type: 'RoutesReady', ...routesCondition(s) },
      { type: 'MonitoringReady', ...monitoringCondition(s) },
    ],
    cr.metadata.generation ?? 0,
    s.now,
  );

  const serviceUrl = `http://${n.service}.${ns}.svc.${domain}:${cr.spec.service.port}`;
  const status: CodexLBStatus = {
    observedGeneration: cr.metadata.generation ?? 0,
    conditions,
    replicas: s.workload?.replicas ?? 0,
    readyReplicas: s.workload?.readyReplicas ?? 0,
    updatedReplicas: s.workload?.updatedReplicas ?? 0,
    selector: selectorString(selectorLabels(cr.metadata.name)),
    image: { desired: s.desiredImage, current: s.workload?.image },
    schema: s.plan?.schema ?? cr.status?.schema,
    effective: {
      migrationStrategy: migrationStrategy(cr.spec),
      continuity: continuityEnabled(cr.spec),
      podDisruptionBudget: podDisruptionBudgetEnabled(cr.spec),
      // Kept while a pass is blocked: it is how a later pass knows a deleted key Secret was in use.
      encryptionKeySecret: s.encryptionKeySecret ?? cr.status?.effective?.encryptionKeySecret ?? '',
      configHash: s.configHash ?? cr.status?.effective?.configHash,
    },
    endpoints: {
      service: serviceUrl,
      dashboard: dashboardUrl(cr.spec, serviceUrl),
      handoffService: `${n.handoff}.${ns}.svc.${domain}:${HTTP_PORT}`,
      metrics: cr.spec.metrics.enabled ? `http://${n.metrics}.${ns}.svc.${domain}:${cr.spec.metrics.port}/metrics` : undefined,
      oauthCallback: cr.spec.oauth.callbackService.enabled ? `${n.oauth}.${ns}.svc.${domain}:${OAUTH_PORT}` : undefined,
    },
    skipped: s.skipped,
  };
  return JSON.parse(JSON.stringify(status)) as CodexLBStatus;
}
