/**
 * Where the pods find the encryption key and the database URL: a pure function of the spec, shared by the
 * controller (which then checks and hashes what is there) and `render` (which cannot look).
 */
import type { CodexLB } from '../api/crds.ts';
import type { SecretKeyRef } from './input.ts';
import { names } from './names.ts';

export const ENCRYPTION_KEY_KEY = 'encryption-key';
export const DATABASE_URL_KEY = 'database-url';
/** The key of CloudNativePG's app Secret that holds a complete postgresql:// URL. */
export const CNPG_URI_KEY = 'uri';

export type CredentialSource = 'generated' | 'user' | 'composed' | 'externalSecret' | 'cloudNativePG';

export interface CredentialRef extends SecretKeyRef {
  /** Who writes the Secret: the operator (generated, composed), the user, ESO or CloudNativePG. */
  source: CredentialSource;
  /** The spec field that asks for it (for messages). */
  field: string;
}

/** The Secret key holding the Fernet key; undefined with encryption.source PersistentFile. */
export function encryptionKeyRef(cr: CodexLB): CredentialRef | undefined {
  const n = names(cr.metadata.name);
  const { encryption } = cr.spec;
  switch (encryption.source) {
    case 'Generated':
      return { name: n.encryptionKey, key: ENCRYPTION_KEY_KEY, source: 'generated', field: 'encryption.source' };
    case 'SecretRef':
      return encryption.secretRef
        ? { name: encryption.secretRef.name, key: encryption.secretRef.key, source: 'user', field: 'encryption.secretRef' }
        : undefined;
    case 'ExternalSecret':
      return { name: n.credentials, key: ENCRYPTION_KEY_KEY, source: 'externalSecret', field: 'externalSecrets.encryptionKey' };
    case 'PersistentFile':
      return undefined;
  }
}

/** The Secret key holding the PostgreSQL URL; undefined for SQLite. */
export function databaseUrlRef(cr: CodexLB): CredentialRef | undefined {
  const n = names(cr.metadata.name);
  const { database, externalSecrets } = cr.spec;
  if (database.type !== 'PostgreSQL') return undefined;
  const pg = database.postgres;
  if (pg?.urlSecretRef) return { name: pg.urlSecretRef.name, key: pg.urlSecretRef.key, source: 'user', field: 'database.postgres.urlSecretRef' };
  if (pg?.host) return { name: n.database, key: DATABASE_URL_KEY, source: 'composed', field: 'database.postgres.host' };
  if (pg?.managed) return { name: n.postgresApp, key: CNPG_URI_KEY, source: 'cloudNativePG', field: 'database.postgres.managed' };
  if (externalSecrets?.databaseURL) return { name: n.credentials, key: DATABASE_URL_KEY, source: 'externalSecret', field: 'externalSecrets.databaseURL' };
  return undefined;
}
