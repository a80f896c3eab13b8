/**
 * Reading a ChatGPTAccount's import seed: the Codex CLI auth.json in its Secret. The Secret must carry
 * the opt-in label before its body is read (secret-access.ts). The content leaves this module only as
 * the parsed document sent to the admin API, and as a hash; problems name the Secret and key, never a
 * value. Deeper validation (tokens present, id token decodable) is the proxy's: it derives identities
 * and answers 400 invalid_auth_json with a message that names the field.
 */
import { createHash } from 'node:crypto';
import type { ChatGPTAccount } from '../../api/crds.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import { PoolBlocked, PoolReason } from '../conditions.ts';
import { accessGranted, accessNotGrantedMessage } from '../secret-access.ts';

export interface Seed {
  /** The parsed auth.json document. */
  document: Record<string, unknown>;
  /** `sha256:` + 16 hex digits of the raw value: tells a changed Secret apart, reveals nothing. */
  hash: string;
}

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

const FIELD = 'credentials.secretRef';

export function seedHash(raw: string): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

/** The auth.json document in `raw`, or the problem with it. Pure. */
export function parseSeed(raw: string, secret: string, key: string): Seed {
  const where = `key "${key}" of Secret "${secret}"`;
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch {
    throw new PoolBlocked({ reason: PoolReason.InvalidAuthJSON, message: `${where} is not valid JSON (expected a Codex CLI auth.json)` });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new PoolBlocked({ reason: PoolReason.InvalidAuthJSON, message: `${where} is not a JSON object (expected a Codex CLI auth.json)` });
  }
  return { document: document as Record<string, unknown>, hash: seedHash(raw) };
}

export async function readSeed(client: KubeClient, cr: ChatGPTAccount): Promise<Seed> {
  const namespace = cr.metadata.namespace ?? 'default';
  const { secretRef, key } = cr.spec.credentials;
  const ref = { apiVersion: 'v1', kind: 'Secret', namespace, name: secretRef.name };
  const notGranted = new PoolBlocked({
    reason: PoolReason.SecretAccessNotGranted,
    message: accessNotGrantedMessage(secretRef.name, FIELD, namespace, 'ChatGPTAccounts'),
  });
  const meta = await client.get(ref, { metadataOnly: true });
  if (!meta) throw new PoolBlocked({ reason: PoolReason.SecretNotFound, message: `Secret "${secretRef.name}" (${FIELD}) not found` });
  if (!accessGranted(meta)) throw notGranted;
  const secret = await client.get<Secret>(ref);
  if (!secret) throw new PoolBlocked({ reason: PoolReason.SecretNotFound, message: `Secret "${secretRef.name}" (${FIELD}) not found` });
  if (!accessGranted(secret)) throw notGranted;
  const encoded = secret.data?.[key];
  if (encoded === undefined) {
    throw new PoolBlocked({ reason: PoolReason.SecretKeyNotFound, message: `Secret "${secretRef.name}" (${FIELD}) has no key "${key}"` });
  }
  return parseSeed(Buffer.from(encoded, 'base64').toString('utf8'), secretRef.name, key);
}
