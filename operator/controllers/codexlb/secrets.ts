/**
 * Resolving every Secret a CodexLB depends on: generated ones (encryption key, admin token) are
 * created once and never rewritten; referenced ones are read, checked, and hashed so that a change of
 * their content rolls the pods. Values never leave this module except inside Secret objects: callers
 * get names, keys, hashes and problems.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CodexLB } from '../../api/crds.ts';
import type { SecretKeyRef } from '../../render/input.ts';
import { names } from '../../render/names.ts';
import {
  DATABASE_URL_KEY,
  ENCRYPTION_KEY_KEY,
  composeDatabaseUrl,
  renderAdminTokenSecret,
  renderDatabaseUrlSecret,
  renderEncryptionKeySecret,
} from '../../render/secrets.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { ApiError, type KubeObject } from '../../runtime/kube/types.ts';
import { applyReason, withAppliedHash } from '../../runtime/drift.ts';

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export interface ResolvedSecrets {
  encryptionKey?: SecretKeyRef;
  adminTokenSecret: string;
  databaseUrl?: SecretKeyRef;
  /** Hash over the content of every referenced Secret key (rollout trigger). */
  secretsHash: string;
  /** Hash over the database URL content alone (migration target). */
  databaseHash: string;
  /** Names of user Secrets this CodexLB reads, to re-reconcile when they change. */
  referenced: string[];
  /** Generated Secrets created during this pass, for events. */
  created: string[];
}

export class SecretProblem extends Error {
  readonly reason: 'SecretNotFound' | 'SecretKeyNotFound' | 'InvalidEncryptionKey' | 'EncryptionKeyLost';
  constructor(reason: SecretProblem['reason'], message: string) {
    super(message);
    this.name = 'SecretProblem';
    this.reason = reason;
  }
}

/** A Fernet key is 32 random bytes in URL-safe base64. */
export function generateFernetKey(): string {
  return randomBytes(32).toString('base64url').concat('=');
}

export function isFernetKey(value: string): boolean {
  const bytes = Buffer.from(value.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 && /^[A-Za-z0-9_-]{43}=$/.test(value.trim());
}

function digest(values: Array<[string, string | undefined]>): string {
  const h = createHash('sha256');
  for (const [label, value] of values) h.update(`${label}\0${value ?? ''}\0`);
  return h.digest('hex').slice(0, 16);
}

export class SecretResolver {
  readonly #client: KubeClient;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  async resolve(cr: CodexLB): Promise<ResolvedSecrets> {
    const ns = cr.metadata.namespace ?? 'default';
    const n = names(cr.metadata.name);
    const { spec } = cr;
    const created: string[] = [];
    const referenced: string[] = [];
    const hashed: Array<[string, string | undefined]> = [];

    // Encryption key.
    let encryptionKey: SecretKeyRef | undefined;
    if (spec.encryption.source === 'Generated') {
      encryptionKey = { name: n.encryptionKey, key: ENCRYPTION_KEY_KEY };
      referenced.push(n.encryptionKey);
      // Once a key was in use, a missing Secret means it was deleted: a fresh key could not decrypt
      // the stored tokens, so report it instead of silently generating another.
      const everGenerated = cr.status?.effective?.encryptionKeySecret === n.encryptionKey;
      const build = everGenerated ? undefined : (): KubeObject => renderEncryptionKeySecret(cr, generateFernetKey());
      const value = await this.#ensureGenerated(ns, n.encryptionKey, ENCRYPTION_KEY_KEY, build, created);
      if (value === undefined) {
        throw new SecretProblem(
          'EncryptionKeyLost',
          `Secret "${n.encryptionKey}" holding the generated encryption key was deleted; restore it from a backup ` +
            '(a new key cannot decrypt the stored account tokens)',
        );
      }
      hashed.push(['encryption', value]);
    } else if (spec.encryption.source === 'SecretRef' && spec.encryption.secretRef) {
      encryptionKey = { name: spec.encryption.secretRef.name, key: spec.encryption.secretRef.key };
      referenced.push(encryptionKey.name);
      const value = await this.#read(ns, encryptionKey, 'encryption.secretRef');
      if (!isFernetKey(value)) {
        throw new SecretProblem(
          'InvalidEncryptionKey',
          `key "${encryptionKey.key}" of Secret "${encryptionKey.name}" (encryption.secretRef) is not a Fernet key (32 bytes, URL-safe base64)`,
        );
      }
      hashed.push(['encryption', value]);
    }

    // Operator → proxy admin token.
    await this.#ensureGenerated(ns, n.adminToken, 'token', () => renderAdminTokenSecret(cr, randomBytes(32).toString('hex')), created);

    // Database.
    let databaseUrl: SecretKeyRef | undefined;
    let databaseValue: string | undefined;
    const pg = spec.database.type === 'PostgreSQL' ? spec.database.postgres : undefined;
    if (pg?.urlSecretRef) {
      databaseUrl = { name: pg.urlSecretRef.name, key: pg.urlSecretRef.key };
      referenced.push(databaseUrl.name);
      databaseValue = await this.#read(ns, databaseUrl, 'database.postgres.urlSecretRef');
    } else if (pg?.host && pg.passwordSecretRef) {
      referenced.push(pg.passwordSecretRef.name);
      const password = await this.#read(ns, pg.passwordSecretRef, 'database.postgres.passwordSecretRef');
      databaseValue = composeDatabaseUrl(pg, password);
      databaseUrl = { name: n.database, key: DATABASE_URL_KEY };
      await this.#applyComposed(renderDatabaseUrlSecret(cr, databaseValue));
    }
    hashed.push(['database', databaseValue]);

    // Secrets pulled in by the user's env / envFrom: their content changes roll the pods too.
    for (const ref of userSecretRefs(cr)) {
      referenced.push(ref.name);
      const secret = await this.#client.get<Secret>({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: ref.name });
      const data = secret?.data ?? {};
      const keys = ref.key ? [ref.key] : Object.keys(data).sort();
      for (const key of keys) hashed.push([`user:${ref.name}:${key}`, data[key]]);
    }

    return {
      encryptionKey,
      adminTokenSecret: n.adminToken,
      databaseUrl,
      secretsHash: digest(hashed),
      databaseHash: digest([['database', databaseValue]]),
      referenced: [...new Set(referenced)],
      created,
    };
  }

  /** Returns the decoded value of a referenced key, or throws a SecretProblem naming the field. */
  async #read(namespace: string, ref: SecretKeyRef, field: string): Promise<string> {
    const secret = await this.#client.get<Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name: ref.name });
    if (!secret) throw new SecretProblem('SecretNotFound', `Secret "${ref.name}" (${field}) not found`);
    const encoded = secret.data?.[ref.key];
    if (encoded === undefined) {
      throw new SecretProblem('SecretKeyNotFound', `Secret "${ref.name}" (${field}) has no key "${ref.key}"`);
    }
    return Buffer.from(encoded, 'base64').toString('utf8');
  }

  /**
   * Creates a generated Secret if it does not exist (and `build` allows it) and returns its value.
   * Never updates an existing one: regenerating the encryption key would make every stored token
   * undecryptable.
   */
  async #ensureGenerated(
    namespace: string,
    name: string,
    key: string,
    build: (() => KubeObject) | undefined,
    created: string[],
  ): Promise<string | undefined> {
    const existing = await this.#client.get<Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    if (existing) return decode(existing.data?.[key]);
    if (!build) return undefined;
    const desired = withAppliedHash(build());
    try {
      const made = await this.#client.create<Secret>(desired);
      created.push(name);
      return decode(made.data?.[key]);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
      // Another writer won the race; theirs is the key.
      const winner = await this.#client.get<Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name });
      return decode(winner?.data?.[key]);
    }
  }

  async #applyComposed(secret: KubeObject): Promise<void> {
    const desired = withAppliedHash(secret);
    const live = await this.#client.get<Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: secret.metadata.namespace,
      name: secret.metadata.name,
    });
    if (applyReason(desired, live)) await this.#client.apply(desired);
  }
}

function decode(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** Secrets referenced from spec.env (valueFrom.secretKeyRef) and spec.envFrom (secretRef). */
export function userSecretRefs(cr: CodexLB): Array<{ name: string; key?: string }> {
  const refs: Array<{ name: string; key?: string }> = [];
  for (const env of cr.spec.env ?? []) {
    const ref = (env.valueFrom as { secretKeyRef?: { name?: string; key?: string } } | undefined)?.secretKeyRef;
    if (ref?.name) refs.push({ name: ref.name, key: ref.key });
  }
  for (const source of cr.spec.envFrom ?? []) {
    const ref = (source as { secretRef?: { name?: string } }).secretRef;
    if (ref?.name) refs.push({ name: ref.name });
  }
  return refs;
}

/** Every Secret the spec names, whether or not it exists yet (its creation must re-trigger a reconcile). */
export function referencedSecretNames(cr: CodexLB): string[] {
  const { encryption, database } = cr.spec;
  const named = [
    encryption.source === 'Generated' ? names(cr.metadata.name).encryptionKey : encryption.secretRef?.name,
    database.postgres?.urlSecretRef?.name,
    database.postgres?.passwordSecretRef?.name,
  ];
  return [...new Set([...named.filter((n): n is string => Boolean(n)), ...userSecretRefs(cr).map((r) => r.name)])];
}
