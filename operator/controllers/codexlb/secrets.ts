/**
 * Resolving every Secret a CodexLB depends on: generated ones (encryption key, admin token, composed
 * database URL) are created once and never rewritten, and only when their names are free or already
 * this CodexLB's; referenced ones must carry the opt-in label (SECRET_ACCESS_LABEL) before they are
 * read at all, and are hashed so that a change of their content rolls the pods. Values never leave
 * this module except inside Secret objects: callers get names, keys, hashes and problems.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CodexLB } from '../../api/crds.ts';
import type { SecretKeyRef } from '../../render/input.ts';
import { names } from '../../render/names.ts';
import {
  composeDatabaseUrl,
  renderAdminTokenSecret,
  renderDatabaseUrlSecret,
  renderEncryptionKeySecret,
} from '../../render/secrets.ts';
import { PROGRAMS, databaseUrlProblem } from '../../render/program.ts';
import { DATABASE_URL_KEY, ENCRYPTION_KEY_KEY, databaseUrlRef, encryptionKeyRef, type CredentialRef } from '../../render/credentials.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { ApiError, type KubeObject, type ObjectRef } from '../../runtime/kube/types.ts';
import { applyReason, withAppliedHash } from '../../runtime/drift.ts';
import { Blocked, DegradedReason, type Problem } from '../conditions.ts';
import { accessGranted, accessNotGrantedMessage } from '../secret-access.ts';
import { ownershipConflict, withUid } from './ownership.ts';
import { readProvidedSecret } from './providers.ts';

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export interface ResolvedSecrets {
  encryptionKey?: SecretKeyRef;
  adminTokenSecret: string;
  databaseUrl?: SecretKeyRef;
  /** Hash over the content of every referenced Secret key (rollout trigger). */
  secretsHash: string;
  /** Port of the database URL (NetworkPolicy egress); undefined without PostgreSQL. */
  databasePort?: number;
  /** Hash over the database URL content alone (migration target). */
  databaseHash: string;
  /** Hash over the encryption key alone: a new key is checked by a migration Job before pods use it. */
  encryptionHash: string;
  /** Names of user Secrets this CodexLB reads, to re-reconcile when they change. */
  referenced: string[];
  /** Generated Secrets created during this pass, for events. */
  created: string[];
  /** Keys of every envFrom Secret, by the envFrom index, for the managed-variable check. */
  envFromSecretKeys: Map<number, string[]>;
}

/** A Secret the spec names, with the field that names it (for messages). */
export interface SecretReference {
  name: string;
  field: string;
  /** The one key used (valueFrom, URL, password, key); undefined: every key (envFrom) or none (pull secrets). */
  key?: string;
  /** Whether the operator reads the content (to compose, validate or hash it), or only the pods/kubelet use it. */
  read: boolean;
  /** The pods start without it (env/envFrom `optional: true`). */
  optional?: boolean;
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

const secretRef = (namespace: string, name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Secret', namespace, name });

function notGranted(ref: SecretReference, namespace: string): Problem {
  return { reason: DegradedReason.SecretAccessNotGranted, message: accessNotGrantedMessage(ref.name, ref.field, namespace) };
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
    const hashed: Array<[string, string | undefined]> = [];

    // Generated Secrets: look at all of them before creating any, so a taken name stops the pass
    // before anything of this CodexLB exists.
    const generatedNames = [spec.encryption.source === 'Generated' ? n.encryptionKey : undefined, n.adminToken, composesDatabaseUrl(cr) ? n.database : undefined];
    const existing = new Map<string, Secret | undefined>();
    for (const name of generatedNames) {
      if (!name) continue;
      const live = await this.#client.get<Secret>(secretRef(ns, name));
      const conflict = ownershipConflict(cr, live);
      if (conflict) throw new Blocked('ownership', conflict);
      existing.set(name, live);
    }

    // Referenced Secrets: consent first, then content.
    const contents = new Map<string, Secret | undefined>();
    const refs = secretReferences(cr);
    for (const ref of refs) {
      if (contents.has(ref.name)) continue;
      contents.set(ref.name, await this.#readGranted(ns, ref));
    }
    /** The decoded value of one referenced key; the Secret was found and granted above. */
    const value = (field: string, ref: { name: string; key: string }): string => {
      const encoded = contents.get(ref.name)?.data?.[ref.key];
      if (encoded === undefined) {
        throw new Blocked('secrets', { reason: DegradedReason.SecretKeyNotFound, message: `Secret "${ref.name}" (${field}) has no key "${ref.key}"` });
      }
      return decode(encoded);
    };

    // Encryption key.
    let encryptionKey: SecretKeyRef | undefined;
    let encryptionValue: string | undefined;
    if (spec.encryption.source === 'Generated') {
      encryptionKey = { name: n.encryptionKey, key: ENCRYPTION_KEY_KEY };
      // Once a key was in use, a missing Secret means it was deleted: a fresh key could not decrypt
      // the stored tokens, so report it instead of silently generating another.
      const everGenerated = cr.status?.effective?.encryptionKeySecret === n.encryptionKey;
      const live = existing.get(n.encryptionKey);
      if (!live && everGenerated) {
        throw new Blocked('secrets', {
          reason: DegradedReason.EncryptionKeyLost,
          message:
            `Secret "${n.encryptionKey}" holding the generated encryption key was deleted; restore it from a backup ` +
            '(a new key cannot decrypt the stored account tokens)',
        });
      }
      encryptionValue = live
        ? decode(live.data?.[ENCRYPTION_KEY_KEY])
        : await this.#create(cr, renderEncryptionKeySecret(cr, generateFernetKey()), ENCRYPTION_KEY_KEY, created);
    } else if (spec.encryption.source === 'SecretRef' || spec.encryption.source === 'ExternalSecret') {
      const ref = encryptionKeyRef(cr);
      if (ref) {
        encryptionKey = { name: ref.name, key: ref.key };
        encryptionValue = ref.source === 'user' ? value(ref.field, encryptionKey) : await this.#provided(cr, ref, ref.field);
        if (!isFernetKey(encryptionValue)) {
          throw new Blocked('secrets', {
            reason: DegradedReason.InvalidEncryptionKey,
            message: `key "${encryptionKey.key}" of Secret "${encryptionKey.name}" (${ref.field}) is not a Fernet key (32 bytes, URL-safe base64)`,
          });
        }
      }
    }
    hashed.push(['encryption', encryptionValue]);

    // Operator → proxy admin token.
    if (!existing.get(n.adminToken)) await this.#create(cr, renderAdminTokenSecret(cr, randomBytes(32).toString('hex')), 'token', created);

    // Database.
    let databaseUrl: SecretKeyRef | undefined;
    let databaseValue: string | undefined;
    const pg = spec.database.type === 'PostgreSQL' ? spec.database.postgres : undefined;
    const dbRef = databaseUrlRef(cr);
    if (dbRef?.source === 'user') {
      databaseUrl = { name: dbRef.name, key: dbRef.key };
      databaseValue = value(dbRef.field, databaseUrl);
    } else if (dbRef?.source === 'composed' && pg?.passwordSecretRef) {
      // The password's owner consented (label); the host is the CodexLB author's choice.
      databaseValue = composeDatabaseUrl(pg, value('database.postgres.passwordSecretRef', pg.passwordSecretRef), PROGRAMS[spec.proxy.flavor].composedScheme);
      databaseUrl = { name: n.database, key: DATABASE_URL_KEY };
      await this.#applyComposed(renderDatabaseUrlSecret(cr, databaseValue), existing.get(n.database));
    } else if (dbRef && (dbRef.source === 'externalSecret' || dbRef.source === 'cloudNativePG')) {
      databaseUrl = { name: dbRef.name, key: dbRef.key };
      databaseValue = await this.#provided(cr, dbRef, dbRef.field);
    }
    if (databaseValue !== undefined && dbRef) {
      const problem = databaseUrlProblem(spec.proxy.flavor, databaseValue, dbRef.field);
      if (problem) throw new Blocked('secrets', { reason: DegradedReason.InvalidDatabaseURL, message: problem });
    }
    hashed.push(['database', databaseValue]);

    // Secrets pulled in by the user's env / envFrom: their content changes roll the pods too.
    const envFromSecretKeys = new Map<number, string[]>();
    for (const ref of refs.filter((r) => r.field.startsWith('env'))) {
      const data = contents.get(ref.name)?.data ?? {};
      const keys = ref.key ? [ref.key] : Object.keys(data).sort();
      for (const key of keys) hashed.push([`user:${ref.name}:${key}`, data[key]]);
      const index = /^envFrom\[(\d+)\]/.exec(ref.field)?.[1];
      if (index !== undefined) envFromSecretKeys.set(Number(index), keys);
    }

    return {
      encryptionKey,
      adminTokenSecret: n.adminToken,
      databaseUrl,
      databasePort: databaseValue ? portOfDatabaseUrl(databaseValue) : undefined,
      secretsHash: digest(hashed),
      databaseHash: digest([['database', databaseValue]]),
      encryptionHash: digest([['encryption', encryptionValue]]),
      referenced: [...new Set(refs.map((r) => r.name).concat(encryptionKey ? [encryptionKey.name] : []))],
      created,
      envFromSecretKeys,
    };
  }

  /** The value of a key of a Secret ESO or CloudNativePG writes (providers.ts decides whether it is ours to use). */
  async #provided(cr: CodexLB, ref: CredentialRef, field: string): Promise<string> {
    const secret = await readProvidedSecret<Secret>(this.#client, cr, ref);
    const encoded = secret.data?.[ref.key];
    if (encoded === undefined) {
      throw new Blocked('secrets', { reason: DegradedReason.SecretKeyNotFound, message: `Secret "${ref.name}" (${field}) has no key "${ref.key}"` });
    }
    return decode(encoded);
  }

  /**
   * The Secret behind a reference, read only once its metadata shows the opt-in label (pull secrets
   * are only checked, never read). Undefined when it does not exist.
   */
  async #readGranted(namespace: string, ref: SecretReference): Promise<Secret | undefined> {
    const meta = await this.#client.get<Secret>(secretRef(namespace, ref.name), { metadataOnly: true });
    if (!meta) {
      if (ref.optional) return undefined;
      throw new Blocked('secrets', {
        reason: DegradedReason.SecretNotFound,
        message: `Secret "${ref.name}" (${ref.field}) not found`,
      });
    }
    if (!accessGranted(meta)) throw new Blocked('secrets', notGranted(ref, namespace));
    if (!ref.read) return meta;
    const secret = await this.#client.get<Secret>(secretRef(namespace, ref.name));
    // The label may have been removed between the two reads.
    if (secret && !accessGranted(secret)) throw new Blocked('secrets', notGranted(ref, namespace));
    return secret;
  }

  /** Creates a generated Secret and returns the value under `key`; never updates an existing one. */
  async #create(cr: CodexLB, secret: KubeObject, key: string, created: string[]): Promise<string> {
    try {
      const made = await this.#client.create<Secret>(withAppliedHash(secret));
      created.push(secret.metadata.name);
      return decode(made.data?.[key]);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
      // Another writer won the race: use theirs, if it is ours to use.
      const winner = await this.#client.get<Secret>(secretRef(secret.metadata.namespace ?? '', secret.metadata.name));
      const conflict = ownershipConflict(cr, winner);
      if (conflict) throw new Blocked('ownership', conflict);
      return decode(winner?.data?.[key]);
    }
  }

  async #applyComposed(secret: KubeObject, live: Secret | undefined): Promise<void> {
    const desired = withAppliedHash(secret);
    if (applyReason(desired, live)) await this.#client.apply(live?.metadata.uid ? withUid(desired, live.metadata.uid) : desired);
  }
}

/** The port a postgresql:// URL connects to (5432 when it names none or cannot be parsed). */
export function portOfDatabaseUrl(url: string): number {
  try {
    const port = new URL(url.replace(/^postgres(ql)?(\+[a-z0-9_]+)?:/i, 'postgresql:')).port;
    return port ? Number(port) : 5432;
  } catch {
    return 5432;
  }
}

function decode(value: string | undefined): string {
  return value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
}

function composesDatabaseUrl(cr: CodexLB): boolean {
  const pg = cr.spec.database.type === 'PostgreSQL' ? cr.spec.database.postgres : undefined;
  return Boolean(pg?.host && pg.passwordSecretRef);
}

/** Every user Secret the spec names (generated Secrets excluded), with the field naming it. */
export function secretReferences(cr: CodexLB): SecretReference[] {
  const { spec } = cr;
  const refs: SecretReference[] = [];
  if (spec.encryption.source === 'SecretRef' && spec.encryption.secretRef) {
    refs.push({ name: spec.encryption.secretRef.name, field: 'encryption.secretRef', key: spec.encryption.secretRef.key, read: true });
  }
  const pg = spec.database.type === 'PostgreSQL' ? spec.database.postgres : undefined;
  if (pg?.urlSecretRef) refs.push({ name: pg.urlSecretRef.name, field: 'database.postgres.urlSecretRef', key: pg.urlSecretRef.key, read: true });
  if (pg?.host && pg.passwordSecretRef) {
    refs.push({ name: pg.passwordSecretRef.name, field: 'database.postgres.passwordSecretRef', key: pg.passwordSecretRef.key, read: true });
  }
  for (const env of spec.env ?? []) {
    const ref = (env.valueFrom as { secretKeyRef?: { name?: string; key?: string; optional?: boolean } } | undefined)?.secretKeyRef;
    if (ref?.name) refs.push({ name: ref.name, field: `env[${env.name}].valueFrom.secretKeyRef`, key: ref.key, read: true, optional: ref.optional });
  }
  (spec.envFrom ?? []).forEach((source, i) => {
    if (source.secretRef) refs.push({ name: source.secretRef.name, field: `envFrom[${i}].secretRef`, read: true, optional: source.secretRef.optional });
  });
  (spec.image.pullSecrets ?? []).forEach((ref, i) => refs.push({ name: ref.name, field: `image.pullSecrets[${i}]`, read: false }));
  // Mounted by the kubelet, never read by the operator; the owner's consent is still required.
  for (const volume of spec.podTemplate.extraVolumes ?? []) {
    const field = `podTemplate.extraVolumes[${volume.name}]`;
    if (volume.secret) refs.push({ name: volume.secret.secretName, field: `${field}.secret`, read: false, optional: volume.secret.optional });
    for (const source of volume.projected?.sources ?? []) {
      if (source.secret) refs.push({ name: source.secret.name, field: `${field}.projected`, read: false, optional: source.secret.optional });
    }
  }
  return refs;
}

/** Every Secret the spec names, whether or not it exists yet (its creation must re-trigger a reconcile). */
export function referencedSecretNames(cr: CodexLB): string[] {
  const generated = cr.spec.encryption.source === 'Generated' ? [names(cr.metadata.name).encryptionKey] : [];
  // Secrets ESO fills carry the operator's labels (copied from the ExternalSecret), so their arrival is seen.
  const provided = [encryptionKeyRef(cr), databaseUrlRef(cr)].flatMap((r) => (r?.source === 'externalSecret' ? [r.name] : []));
  return [...new Set([...generated, ...provided, ...secretReferences(cr).map((r) => r.name)])];
}
