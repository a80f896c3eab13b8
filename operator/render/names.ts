/** Child object names, all derived from the CodexLB name (at most 40 characters, enforced by CEL). */
export const names = (n: string) => ({
  serviceAccount: n,
  config: `${n}-env`,
  workload: n,
  service: n,
  handoff: `${n}-handoff`,
  metrics: `${n}-metrics`,
  oauth: `${n}-oauth`,
  data: `${n}-data`,
  encryptionKey: `${n}-encryption`,
  adminToken: `${n}-admin-token`,
  database: `${n}-db`,
  continuity: `${n}-responses`,
  /** Filled by the External Secrets Operator from spec.externalSecrets. */
  credentials: `${n}-credentials`,
  /** The CloudNativePG Cluster of database.postgres.managed, and the Secret CloudNativePG writes for its app user. */
  postgres: `${n}-postgres`,
  postgresApp: `${n}-postgres-app`,
  dashboards: `${n}-dashboards`,
  migrationJob: (hash: string) => `${n}-migrate-${hash}`,
});
