/**
 * Cross-field rules on CodexLB.spec, enforced at admission by CEL so a bad object is rejected with a
 * message naming the field instead of producing pods that crash-loop. They encode the guard rules of
 * both Helm charts (see the reference notes) plus what the proxy checks at startup.
 */
import type { ValidationRule } from './schema.ts';

export const codexLBSpecRules: ValidationRule[] = [
  // --- topology -------------------------------------------------------------------------------
  {
    rule: "self.topology.mode != 'Standalone' || self.topology.replicas == 1",
    message: 'topology.replicas must be 1 in Standalone mode (use mode Replicated with PostgreSQL to scale out)',
    fieldPath: '.topology.replicas',
  },
  {
    rule: "self.topology.mode != 'Replicated' || self.topology.replicas >= 2",
    message: 'topology.replicas must be at least 2 in Replicated mode',
    fieldPath: '.topology.replicas',
  },
  {
    rule: "self.topology.mode != 'Replicated' || self.database.type == 'PostgreSQL'",
    message: 'database.type must be PostgreSQL in Replicated mode: SQLite allows one process only',
    fieldPath: '.database.type',
  },
  {
    rule: "self.database.type == 'SQLite' || !has(self.database.sqlite)",
    message: 'database.sqlite (the SQLite volume) is only valid when database.type is SQLite',
    fieldPath: '.database.sqlite',
  },
  {
    rule: "self.database.type != 'PostgreSQL' || has(self.database.postgres) || (has(self.externalSecrets) && has(self.externalSecrets.databaseURL))",
    message: 'database.postgres is required when database.type is PostgreSQL, unless externalSecrets.databaseURL supplies the URL',
    fieldPath: '.database.postgres',
  },
  {
    rule: '!(has(self.database.postgres) && has(self.externalSecrets) && has(self.externalSecrets.databaseURL))',
    message: 'database.postgres and externalSecrets.databaseURL are alternatives: set one of them',
    fieldPath: '.externalSecrets.databaseURL',
  },
  {
    rule: "!has(self.externalSecrets) || !has(self.externalSecrets.databaseURL) || self.database.type == 'PostgreSQL'",
    message: 'externalSecrets.databaseURL needs database.type PostgreSQL',
    fieldPath: '.externalSecrets.databaseURL',
  },
  {
    rule: "self.database.type == 'PostgreSQL' || !has(self.database.postgres)",
    message: 'database.postgres is only valid when database.type is PostgreSQL',
    fieldPath: '.database.postgres',
  },
  {
    rule: "self.topology.mode != 'Standalone' || !self.autoscaling.enabled",
    message: 'autoscaling.enabled requires topology.mode Replicated',
    fieldPath: '.autoscaling.enabled',
  },
  {
    // The official chart's guard: the HPA would create pods the static ring does not list, and they cannot start.
    rule: '!self.config.sessionBridge.staticRing || !self.autoscaling.enabled',
    message: 'config.sessionBridge.staticRing rules out autoscaling: the HPA would create pods missing from the ring',
    fieldPath: '.config.sessionBridge.staticRing',
  },
  // --- migrations -----------------------------------------------------------------------------
  {
    rule: "self.database.type != 'SQLite' || !has(self.migration.strategy) || self.migration.strategy == 'Startup'",
    message:
      'migration.strategy must be Startup with SQLite: a separate Job would open the database file next to the running pod',
    fieldPath: '.migration.strategy',
  },
  {
    rule: "self.topology.mode != 'Replicated' || !has(self.migration.strategy) || self.migration.strategy == 'Job'",
    message: 'migration.strategy must be Job in Replicated mode: replicas must not race to migrate on startup',
    fieldPath: '.migration.strategy',
  },
  {
    rule: "self.topology.mode != 'Replicated' || self.migration.schemaGate.enabled",
    message: 'migration.schemaGate.enabled must be true in Replicated mode: pods must not serve on a stale schema',
    fieldPath: '.migration.schemaGate.enabled',
  },
  // --- encryption -----------------------------------------------------------------------------
  {
    rule: "(self.encryption.source == 'ExternalSecret') == (has(self.externalSecrets) && has(self.externalSecrets.encryptionKey))",
    message: 'encryption.source ExternalSecret and externalSecrets.encryptionKey go together: set both or neither',
    fieldPath: '.encryption.source',
  },
  {
    rule: "self.encryption.source != 'PersistentFile' || (self.topology.mode == 'Standalone' && self.database.type == 'SQLite')",
    message:
      'encryption.source PersistentFile is only valid for Standalone SQLite: replicas must share one Secret-backed key',
    fieldPath: '.encryption.source',
  },
];

/** Root-level rules (they can see metadata). */
export const codexLBRootRules: ValidationRule[] = [
  {
    // Services and pod hostnames need DNS labels (RFC 1035): no dots, a letter first.
    rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message: 'metadata.name must be a DNS label: lowercase letters, digits and "-", starting with a letter (it names Services)',
  },
  {
    // Derived names append up to 23 characters (a migration Job's pod: `-migrate-<8 hex>-<5>`), and
    // the Job's name is also a pod label value, which is limited to 63 characters.
    rule: 'self.metadata.name.size() <= 40',
    message: 'metadata.name must be at most 40 characters: child object names are derived from it',
  },
];
