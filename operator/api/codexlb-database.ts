/**
 * CodexLB.spec.database: SQLite on a volume, or PostgreSQL reached through a URL Secret, host/user/password,
 * a CloudNativePG cluster the operator creates (postgres.managed), or an ExternalSecret (externalSecrets).
 */
import { embeddedResources } from './codexlb-workload.ts';
import { secretKeyRef } from './common.ts';
import { boolean, enumOf, integer, object, quantity, string, stringMap } from './schema.ts';

const sqliteStorage = object(
  {
    size: quantity({
      description: 'Volume size; can only grow (needs an expandable StorageClass).',
      default: '5Gi',
    }),
    storageClassName: string({
      description: 'StorageClass of the volume; the cluster default when unset. Immutable.',
    }),
    existingClaim: string({ description: 'Use this existing PersistentVolumeClaim instead of creating one. Immutable.' }),
    retainOnDelete: boolean({
      description: 'Keep the volume (and the SQLite database on it) when the CodexLB is deleted.',
      default: true,
    }),
  },
  {
    description: 'Volume holding the SQLite database.',
    default: {},
    rules: [
      {
        rule: 'quantity(self.size).compareTo(quantity(oldSelf.size)) >= 0',
        message: 'database.sqlite.storage.size can only grow',
      },
      {
        rule: "(has(self.storageClassName) ? self.storageClassName : '') == (has(oldSelf.storageClassName) ? oldSelf.storageClassName : '')",
        message: 'database.sqlite.storage.storageClassName is immutable',
      },
      {
        rule: "(has(self.existingClaim) ? self.existingClaim : '') == (has(oldSelf.existingClaim) ? oldSelf.existingClaim : '')",
        message: 'database.sqlite.storage.existingClaim is immutable',
      },
    ],
  },
);

/** A CloudNativePG `Cluster` the operator creates and owns (only when CloudNativePG is installed). */
const managed = object(
  {
    instances: integer({
      description: 'PostgreSQL instances (1 primary + replicas); CloudNativePG fails over between them.',
      default: 1,
      minimum: 1,
      maximum: 9,
    }),
    storage: object(
      {
        size: quantity({ description: 'Volume size of each instance; can only grow.', default: '10Gi' }),
        storageClassName: string({ description: 'StorageClass of the volumes; the cluster default when unset. Immutable.' }),
      },
      {
        description: 'Storage of each instance.',
        default: {},
        rules: [
          { rule: 'quantity(self.size).compareTo(quantity(oldSelf.size)) >= 0', message: 'database.postgres.managed.storage.size can only grow' },
          {
            rule: "(has(self.storageClassName) ? self.storageClassName : '') == (has(oldSelf.storageClassName) ? oldSelf.storageClassName : '')",
            message: 'database.postgres.managed.storage.storageClassName is immutable',
          },
        ],
      },
    ),
    imageName: string({ description: "PostgreSQL image (CloudNativePG's imageName); CloudNativePG's default when unset.", maxLength: 512 }),
    resources: embeddedResources('Compute resources of each PostgreSQL instance (core/v1 ResourceRequirements).'),
    parameters: stringMap({ description: 'postgresql.conf parameters (CloudNativePG postgresql.parameters), e.g. max_connections.', maxProperties: 32 }),
  },
  {
    description:
      'Run PostgreSQL with CloudNativePG: the operator creates Cluster <name>-postgres (database and owner from database/user) ' +
      'and wires its <name>-postgres-app Secret as the URL. Needs CloudNativePG installed; otherwise DatabaseReady=False, ' +
      'reason CloudNativePGNotInstalled. The Cluster is deleted with the CodexLB; its volumes follow CloudNativePG\'s rules.',
  },
);

const postgres = object(
  {
    urlSecretRef: secretKeyRef('the full PostgreSQL URL (postgresql://user:password@host:5432/db)', 'database-url'),
    host: string({ description: 'PostgreSQL host, when not using urlSecretRef.', maxLength: 253 }),
    port: integer({ description: 'PostgreSQL port.', default: 5432, minimum: 1, maximum: 65535 }),
    database: string({ description: 'Database name.', default: 'codexlb', minLength: 1 }),
    user: string({ description: 'Database user.', default: 'codexlb', minLength: 1 }),
    passwordSecretRef: secretKeyRef('the database password', 'password'),
    parameters: stringMap({ description: 'Connection parameters appended to the URL, e.g. sslmode: require.', maxProperties: 16 }),
    managed,
  },
  {
    description:
      'PostgreSQL: a URL Secret, host/user/database plus a password Secret, or a CloudNativePG cluster the operator creates (managed).',
    rules: [
      {
        rule: '[has(self.urlSecretRef), has(self.host), has(self.managed)].filter(x, x).size() == 1',
        message: 'database.postgres needs exactly one of urlSecretRef, host or managed',
      },
      {
        rule: '!has(self.host) || has(self.passwordSecretRef)',
        message: 'database.postgres.host requires passwordSecretRef',
        fieldPath: '.passwordSecretRef',
      },
      {
        rule: 'has(self.managed) == has(oldSelf.managed)',
        message: 'database.postgres.managed cannot be added or removed: the data lives in that cluster',
      },
    ],
  },
);

export const database = object(
  {
    type: enumOf(['SQLite', 'PostgreSQL'], {
      description: 'SQLite (embedded, Standalone only) or PostgreSQL. Immutable.',
      default: 'SQLite',
      rules: [{ rule: 'self == oldSelf', message: 'database.type is immutable' }],
    }),
    sqlite: object({ storage: sqliteStorage }, { description: 'SQLite settings (database.type SQLite).' }),
    postgres,
    pool: object(
      {
        size: integer({ description: 'Connections kept open per pod.', default: 3, minimum: 1, maximum: 100 }),
        maxOverflow: integer({ description: 'Extra connections per pod under load.', default: 1, minimum: 0, maximum: 100 }),
      },
      { description: 'PostgreSQL connection pool per pod.', default: {} },
    ),
  },
  { description: 'Where the proxy stores accounts, API keys and usage.', default: {} },
);
