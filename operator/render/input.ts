/** What the pure render functions need beyond the CodexLB itself; the controller resolves it. */
import type { CodexLB } from '../api/crds.ts';

/** Optional APIs a CodexLB may render into, and whether the cluster serves them. */
export interface Capabilities {
  /** gateway.networking.k8s.io HTTPRoute */
  gatewayAPI: boolean;
  /** monitoring.coreos.com ServiceMonitor, PrometheusRule */
  monitoring: boolean;
  /** external-secrets.io/v1 ExternalSecret */
  externalSecrets: boolean;
  /** postgresql.cnpg.io/v1 Cluster */
  cloudNativePG: boolean;
}

/** Every optional API present: what `render` shows offline. */
export const ALL_CAPABILITIES: Capabilities = { gatewayAPI: true, monitoring: true, externalSecrets: true, cloudNativePG: true };

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface RenderInput {
  /** The CodexLB as read from the API server (schema defaults applied). */
  codexlb: CodexLB;
  /** Image tag used when spec.image has neither tag nor digest. */
  operatorVersion: string;
  /** Where the Fernet key lives; undefined with encryption.source PersistentFile. */
  encryptionKey?: SecretKeyRef;
  /** Secret holding the operator → proxy admin API token (key `token`). */
  adminTokenSecret: string;
  /** Secret key holding the PostgreSQL URL; undefined for SQLite. */
  databaseUrl?: SecretKeyRef;
  /** Port of the PostgreSQL URL (for NetworkPolicy egress); unknown offline, then postgres.port or 5432. */
  databasePort?: number;
  /** Hash of every referenced Secret's content: changes roll the pods. */
  secretsHash: string;
  /**
   * Image the workload runs. While a migration Job for a new image is pending this is the previous
   * image; undefined when no migration has completed yet (first install with a migration Job), in
   * which case no workload is rendered at all.
   */
  workloadImage?: string;
  /** The migration Job to run now, if one is due. */
  migrationJob?: { name: string; image: string };
  /** The operator's own namespace, whose operator pods alone the NetworkPolicy admits to the admin API. */
  operatorNamespace?: string;
  /** Optional APIs present in the cluster. Objects of absent APIs are not rendered. */
  capabilities: Capabilities;
}
