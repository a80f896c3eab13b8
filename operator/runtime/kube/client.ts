/**
 * A thin Kubernetes REST client: JSON in, JSON out, over one pooled undici connection.
 *
 * Why not client-node's typed APIs: their model serializers drop any key the generated models do not
 * know (e.g. `enum` in schemas, fields newer than the client), which is unsafe for server-side apply
 * of arbitrary objects. client-node still loads kubeconfigs and applies credentials.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions as HttpsOptions } from 'node:https';
import { Discovery, type ResourceInfo } from './discovery.ts';
import { jsonLines } from './json-lines.ts';
import { requestSignal } from './request-scope.ts';
import { ApiError, type KubeObject, type ListResult, type ObjectRef, type WatchEvent } from './types.ts';

export const FIELD_MANAGER = 'codex-lb-operator';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  /** Ask for PartialObjectMetadata: names, labels and resourceVersions without the (possibly large) bodies. */
  metadataOnly?: boolean;
  /** Aborts the request (e.g. an informer being stopped). */
  signal?: AbortSignal;
}

export interface WatchOptions extends ListOptions {
  resourceVersion: string;
  timeoutSeconds?: number;
}

/** Per-request options for single-object calls. */
export interface RequestOptions {
  /** Aborts the request (e.g. a leader's renew deadline). */
  signal?: AbortSignal;
}

/** Observes every request, e.g. to count API calls per verb in metrics and tests. */
export type RequestObserver = (method: string, resource: string, status: number) => void;

const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA_OBJECT_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
const METADATA_WATCH_ACCEPT = METADATA_OBJECT_ACCEPT;

export class KubeClient {
  readonly discovery: Discovery;
  readonly #server: string;
  readonly #dispatcher: Dispatcher;
  readonly #auth: () => Promise<Record<string, string>>;
  readonly #observers: RequestObserver[] = [];

  private constructor(server: string, dispatcher: Dispatcher, auth: () => Promise<Record<string, string>>) {
    this.#server = server.replace(/\/$/, '');
    this.#dispatcher = dispatcher;
    this.#auth = auth;
    this.discovery = new Discovery((path) => this.#json('GET', path, 'discovery'));
  }

  static async fromKubeConfig(kc: KubeConfig): Promise<KubeClient> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const tls: HttpsOptions = {};
    await kc.applyToHTTPSOptions(tls);
    const dispatcher = new Agent({
      connect: {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
        servername: tls.servername,
      },
      keepAliveTimeout: 30_000,
      connections: 32,
    });
    // Credentials are re-read per request: in-cluster ServiceAccount tokens rotate on disk.
    const auth = async (): Promise<Record<string, string>> => {
      const opts: HttpsOptions = {};
      await kc.applyToHTTPSOptions(opts);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
      return headers;
    };
    return new KubeClient(cluster.server, dispatcher, auth);
  }

  observe(observer: RequestObserver): void {
    this.#observers.push(observer);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** The resource behind apiVersion/kind, or undefined when the cluster does not serve it. */
  resource(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    return this.discovery.resource(apiVersion, kind);
  }

  /** The object, or undefined when it does not exist. `metadataOnly` fetches PartialObjectMetadata (no body). */
  async get<T extends KubeObject>(ref: ObjectRef, opts: RequestOptions & { metadataOnly?: boolean } = {}): Promise<T | undefined> {
    const path = await this.#objectPath(ref);
    try {
      const headers = opts.metadataOnly ? { accept: METADATA_OBJECT_ACCEPT } : undefined;
      const obj = await this.#json<T>('GET', path, ref.kind, { headers, signal: opts.signal });
      return opts.metadataOnly ? { ...obj, apiVersion: ref.apiVersion, kind: ref.kind } : obj;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(apiVersion: string, kind: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    const path = await this.#collectionPath(apiVersion, kind, opts.namespace);
    const query = new URLSearchParams();
    if (opts.labelSelector) query.set('labelSelector', opts.labelSelector);
    const headers = opts.metadataOnly ? { accept: METADATA_ACCEPT } : undefined;
    const out = await this.#json<{ items: T[] | null; metadata: { resourceVersion: string } }>('GET', `${path}?${query}`, kind, {
      headers,
      signal: opts.signal,
    });
    // PartialObjectMetadata items carry no apiVersion/kind of the real type; restore them.
    const items = (out.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
    return { items, resourceVersion: out.metadata.resourceVersion };
  }

  /** A watch stream of events from `resourceVersion`; ends when the server closes it or `signal` aborts. */
  async *watch<T extends KubeObject>(apiVersion: string, kind: string, opts: WatchOptions): AsyncGenerator<WatchEvent<T>> {
    const path = await this.#collectionPath(apiVersion, kind, opts.namespace);
    const query = new URLSearchParams({
      watch: 'true',
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(opts.timeoutSeconds ?? 300),
    });
    if (opts.labelSelector) query.set('labelSelector', opts.labelSelector);
    const res = await request(`${this.#server}${path}?${query}`, {
      method: 'GET',
      dispatcher: this.#dispatcher,
      headers: { ...(await this.#auth()), accept: opts.metadataOnly ? METADATA_WATCH_ACCEPT : 'application/json' },
      signal: opts.signal,
      bodyTimeout: 0,
    });
    this.#notify('WATCH', kind, res.statusCode);
    if (res.statusCode >= 300) {
      throw ApiError.from(res.statusCode, await res.body.text());
    }
    for await (const event of jsonLines<WatchEvent<T>>(res.body)) {
      if (event.type !== 'ERROR' && event.type !== 'BOOKMARK') {
        event.object = { ...event.object, apiVersion, kind } as T;
      }
      yield event;
    }
  }

  /**
   * Server-side apply with the operator's field manager (or another one, for ownership hand-offs);
   * `force` takes ownership of conflicting fields.
   */
  async apply<T extends KubeObject>(obj: KubeObject, opts: { force?: boolean; fieldManager?: string } = {}): Promise<T> {
    const path = await this.#objectPath(refOf(obj));
    return this.#json<T>('PATCH', `${path}?${applyQuery(opts.force ?? true, opts.fieldManager)}`, obj.kind, {
      body: JSON.stringify(obj),
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** Server-side apply of the status subresource (send only apiVersion, kind, metadata name/namespace, status). */
  async applyStatus<T extends KubeObject>(obj: KubeObject, opts: { fieldManager?: string } = {}): Promise<T> {
    const path = await this.#objectPath(refOf(obj));
    return this.#json<T>('PATCH', `${path}/status?${applyQuery(true, opts.fieldManager)}`, obj.kind, {
      body: JSON.stringify(obj),
      contentType: 'application/apply-patch+yaml',
    });
  }

  /**
   * JSON merge patch. With `metadata.resourceVersion` in the body it is an optimistic update (409 when
   * the object changed), the way finalizer lists are edited.
   */
  async mergePatch<T extends KubeObject>(ref: ObjectRef, body: object): Promise<T> {
    const path = await this.#objectPath(ref);
    return this.#json<T>('PATCH', `${path}?fieldManager=${FIELD_MANAGER}`, ref.kind, {
      body: JSON.stringify(body),
      contentType: 'application/merge-patch+json',
    });
  }

  async create<T extends KubeObject>(obj: KubeObject, opts: RequestOptions = {}): Promise<T> {
    const path = await this.#collectionPath(obj.apiVersion, obj.kind, obj.metadata.namespace);
    return this.#json<T>('POST', `${path}?fieldManager=${FIELD_MANAGER}`, obj.kind, { body: JSON.stringify(obj), signal: opts.signal });
  }

  /** Replace with optimistic locking (metadata.resourceVersion must be current). */
  async replace<T extends KubeObject>(obj: KubeObject, opts: RequestOptions = {}): Promise<T> {
    const path = await this.#objectPath(refOf(obj));
    return this.#json<T>('PUT', `${path}?fieldManager=${FIELD_MANAGER}`, obj.kind, { body: JSON.stringify(obj), signal: opts.signal });
  }

  /** Deletes; a missing object is not an error. `uid` guards against deleting a newer namesake. */
  async delete(ref: ObjectRef, opts: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; uid?: string } = {}): Promise<void> {
    const path = await this.#objectPath(ref);
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: opts.propagationPolicy ?? 'Background',
      ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
    };
    try {
      await this.#json('DELETE', path, ref.kind, { body: JSON.stringify(body) });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 409)) return;
      throw err;
    }
  }

  async #objectPath(ref: ObjectRef): Promise<string> {
    return `${await this.#collectionPath(ref.apiVersion, ref.kind, ref.namespace)}/${encodeURIComponent(ref.name)}`;
  }

  async #collectionPath(apiVersion: string, kind: string, namespace: string | undefined): Promise<string> {
    const info = await this.discovery.resource(apiVersion, kind);
    if (!info) throw new ApiError(404, 'NotFound', `the server does not serve ${kind} in ${apiVersion}`);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${info.plural}`;
  }

  async #json<T>(
    method: string,
    path: string,
    resource: string,
    opts: { body?: string; contentType?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<T> {
    const res = await request(`${this.#server}${path}`, {
      method: method as Dispatcher.HttpMethod,
      dispatcher: this.#dispatcher,
      headers: {
        ...(await this.#auth()),
        accept: 'application/json',
        ...(opts.body ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.body,
      signal: requestSignal(opts.signal),
      headersTimeout: 30_000,
      bodyTimeout: 60_000,
    });
    this.#notify(method, resource, res.statusCode);
    const text = await res.body.text();
    if (res.statusCode >= 300) throw ApiError.from(res.statusCode, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  #notify(method: string, resource: string, status: number): void {
    for (const observer of this.#observers) observer(method, resource, status);
  }
}

function applyQuery(force: boolean, fieldManager = FIELD_MANAGER): string {
  return `fieldManager=${encodeURIComponent(fieldManager)}&force=${force}`;
}

export function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}
