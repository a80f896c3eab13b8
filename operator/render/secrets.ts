/**
 * Secrets the operator generates. Their values come from the controller (random or composed from
 * referenced Secrets); these functions only shape the objects, so `render` can show them offline.
 */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { childMeta } from './meta.ts';
import { DATABASE_URL_KEY, ENCRYPTION_KEY_KEY } from './credentials.ts';
import { names } from './names.ts';

// `data`, not `stringData`: the API server returns `data`, so drift checks can compare like with like.
function base64(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
}

export const ANNOTATION_RETAIN = 'codexlb.io/retain';

function secret(cr: CodexLB, name: string, data: Record<string, string>, owned = true, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: childMeta(cr, name, 'credentials', { owned, annotations }),
    type: 'Opaque',
    data: base64(data),
  };
}

/**
 * The Fernet key. No ownerReference: deleting the CodexLB must not destroy the only key that can
 * decrypt the stored account tokens (the database may outlive the CodexLB). Created once, never updated.
 */
export function renderEncryptionKeySecret(cr: CodexLB, fernetKey: string): KubeObject {
  return secret(cr, names(cr.metadata.name).encryptionKey, { [ENCRYPTION_KEY_KEY]: fernetKey }, false, { [ANNOTATION_RETAIN]: 'true' });
}

/** Bearer token for the proxy's /internal/admin API; owned, so it goes with the CodexLB. */
export function renderAdminTokenSecret(cr: CodexLB, token: string): KubeObject {
  return secret(cr, names(cr.metadata.name).adminToken, { token });
}

/** The PostgreSQL URL composed from host/user/database and the password Secret. */
export function renderDatabaseUrlSecret(cr: CodexLB, url: string): KubeObject {
  return secret(cr, names(cr.metadata.name).database, { [DATABASE_URL_KEY]: url });
}

/** <scheme>://user:password@host:port/db?params, every part percent-encoded (scheme: the flavor's, render/program.ts). */
export function composeDatabaseUrl(
  pg: { host?: string; port: number; database: string; user: string; parameters?: Record<string, string> },
  password: string,
  scheme = 'postgresql',
): string {
  const query = new URLSearchParams(pg.parameters ?? {}).toString();
  const host = pg.host?.includes(':') && !pg.host.startsWith('[') ? `[${pg.host}]` : pg.host;
  return (
    `${scheme}://${encodeURIComponent(pg.user)}:${encodeURIComponent(password)}@${host}:${pg.port}/` +
    `${encodeURIComponent(pg.database)}${query ? `?${query}` : ''}`
  );
}
