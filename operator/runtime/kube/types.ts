/** Untyped Kubernetes object shapes used by the runtime. Typed views live with their controllers. */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMetadata {
  name: string;
  /** On create only: the server appends a random suffix. */
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  finalizers?: string[];
  managedFields?: unknown[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMetadata;
  [field: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; object: { metadata: { resourceVersion: string } } }
  | { type: 'ERROR'; object: { code?: number; reason?: string; message?: string } };

/** A Status error from the API server. Carries the server's message, never request bodies. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly causes: Array<{ field?: string; message?: string }>;
  /** The resource the Status is about (`details.kind`, e.g. "namespaces" when a create's namespace is missing). */
  readonly resource: string | undefined;

  constructor(status: number, reason: string, message: string, causes: ApiError['causes'] = [], resource?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.causes = causes;
    this.resource = resource;
  }

  static from(status: number, body: string): ApiError {
    try {
      const parsed = JSON.parse(body) as { reason?: string; message?: string; details?: { causes?: ApiError['causes']; kind?: string } };
      return new ApiError(status, parsed.reason ?? 'Unknown', parsed.message ?? `HTTP ${status}`, parsed.details?.causes ?? [], parsed.details?.kind);
    } catch {
      return new ApiError(status, 'Unknown', `HTTP ${status}: ${body.slice(0, 200)}`);
    }
  }
}

export function keyOf(obj: { metadata: { namespace?: string; name: string } }): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
