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
  migrationJob: (hash: string) => `${n}-migrate-${hash}`,
});
