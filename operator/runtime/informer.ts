/**
 * A self-healing list+watch cache of one resource type (client-go's reflector + store).
 *
 * - Lists, then watches from the list's resourceVersion with bookmarks.
 * - A watch that ends (server timeout) resumes from the last resourceVersion seen.
 * - 410 Gone (resourceVersion too old) relists; the diff against the store is emitted as events,
 *   so nothing that happened while disconnected is lost.
 * - Any other error retries with capped exponential backoff; a watch silent for too long is
 *   aborted and restarted (dead TCP connections never deliver a FIN).
 */
import type { KubeClient } from './kube/client.ts';
import { ApiError, keyOf, type KubeObject, type WatchEvent } from './kube/types.ts';
import type { Logger } from './logger.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { sleep } from './time.ts';

export interface InformerOptions {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
  metadataOnly?: boolean;
  /** Server-side watch timeout; the client aborts after this plus a margin without data. */
  watchTimeoutSeconds?: number;
}

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

class GoneError extends Error {}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/** What an informer needs from the API client. */
export type ListWatchClient = Pick<KubeClient, 'list' | 'watch'>;

export class Informer<T extends KubeObject = KubeObject> {
  readonly options: InformerOptions;
  readonly #client: ListWatchClient;
  readonly #log: Logger;
  readonly #metrics: RuntimeMetrics | undefined;
  readonly #store = new Map<string, T>();
  readonly #handlers: InformerHandlers<T>[] = [];
  #resourceVersion: string | undefined;
  #synced = false;
  #resolveSynced!: () => void;
  readonly synced: Promise<void>;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(client: ListWatchClient, options: InformerOptions, log: Logger, metrics?: RuntimeMetrics) {
    this.#client = client;
    this.options = options;
    this.#log = log.child({ informer: `${options.kind}.${options.apiVersion}` });
    this.#metrics = metrics;
    this.synced = new Promise((resolve) => (this.#resolveSynced = resolve));
  }

  get name(): string {
    return `${this.options.kind}.${this.options.apiVersion}`;
  }

  on(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    const all = [...this.#store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  start(): void {
    if (this.#loop) return;
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#relist(signal);
        await this.#watch(signal);
        backoff = MIN_BACKOFF_MS;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof GoneError || (err instanceof ApiError && err.status === 410)) {
          this.#log.debug('watch resourceVersion expired, relisting');
          this.#resourceVersion = undefined;
          continue;
        }
        this.#metrics?.informerRestarts.inc({ informer: this.name });
        // One failure is routine (apiserver restarts, CRD storage initialising); repeated ones are news.
        const level = backoff > MIN_BACKOFF_MS * 2 ? 'warn' : 'debug';
        this.#log.log(level, 'list/watch failed, retrying', { error: (err as Error).message, retryInMs: backoff });
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** A list the informer's stop aborts: a stop must not wait for an unresponsive API server. */
  async #relist(signal: AbortSignal): Promise<void> {
    const { items, resourceVersion } = await this.#client.list<T>(this.options.apiVersion, this.options.kind, { ...this.options, signal });
    this.#metrics?.informerRelists.inc({ informer: this.name });
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      this.#upsert(key, obj);
    }
    for (const [key, obj] of this.#store) {
      if (!seen.has(key)) {
        this.#store.delete(key);
        this.#emit((h) => h.delete?.(obj));
      }
    }
    this.#resourceVersion = resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      this.#resolveSynced();
    }
  }

  async #watch(outer: AbortSignal): Promise<void> {
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 120);
    const watchAbort = new AbortController();
    const onOuterAbort = (): void => watchAbort.abort();
    outer.addEventListener('abort', onOuterAbort, { once: true });
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => watchAbort.abort(), (timeoutSeconds + 30) * 1000);
    };
    try {
      arm();
      const events = this.#client.watch<T>(this.options.apiVersion, this.options.kind, {
        ...this.options,
        resourceVersion: this.#resourceVersion ?? '0',
        timeoutSeconds,
        signal: watchAbort.signal,
      });
      for await (const event of events) {
        arm();
        this.#handle(event);
      }
    } catch (err) {
      // Our own watchdog abort is a normal reconnect, not an error.
      if (!watchAbort.signal.aborted || outer.aborted) throw err;
    } finally {
      clearTimeout(watchdog);
      outer.removeEventListener('abort', onOuterAbort);
    }
  }

  #handle(event: WatchEvent<T>): void {
    switch (event.type) {
      case 'ERROR':
        if (event.object.code === 410) throw new GoneError(event.object.message ?? 'Gone');
        throw new Error(`watch error: ${event.object.message ?? event.object.reason ?? 'unknown'}`);
      case 'BOOKMARK':
        this.#resourceVersion = event.object.metadata.resourceVersion;
        return;
      case 'DELETED': {
        const key = keyOf(event.object);
        const known = this.#store.get(key) ?? withoutManagedFields(event.object);
        this.#store.delete(key);
        this.#resourceVersion = event.object.metadata.resourceVersion;
        this.#emit((h) => h.delete?.(known));
        return;
      }
      default:
        this.#upsert(keyOf(event.object), event.object);
        this.#resourceVersion = event.object.metadata.resourceVersion;
    }
  }

  #upsert(key: string, received: T): void {
    const obj = withoutManagedFields(received);
    const old = this.#store.get(key);
    this.#store.set(key, obj);
    if (!old) this.#emit((h) => h.add?.(obj));
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.#emit((h) => h.update?.(old, obj));
  }

  #emit(call: (h: InformerHandlers<T>) => void): void {
    for (const handler of this.#handlers) {
      try {
        call(handler);
      } catch (err) {
        this.#log.error('informer handler threw', { error: (err as Error).message });
      }
    }
  }
}

/**
 * managedFields often outweigh the rest of an object and nothing here reads them; dropping them
 * from the cache (as controller-runtime users do with a cache transform) cuts memory roughly in half.
 */
function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
