/**
 * API discovery: which plural and scope serve a kind, and whether a group/version exists at all
 * (Gateway API and prometheus-operator CRDs are optional). Answers are cached; absent group versions
 * are re-checked after a short time so CRDs installed later are picked up.
 */
export interface ResourceInfo {
  plural: string;
  namespaced: boolean;
  kind: string;
}

interface APIResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean }>;
}

interface Entry {
  byKind?: Map<string, ResourceInfo>;
  fetchedAt: number;
}

const ABSENT_TTL_MS = 30_000;
const PRESENT_TTL_MS = 10 * 60_000;

export class Discovery {
  readonly #fetch: (path: string) => Promise<unknown>;
  readonly #cache = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Entry>>();

  constructor(fetchJson: (path: string) => Promise<unknown>) {
    this.#fetch = fetchJson;
  }

  async resource(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let entry = await this.#entry(apiVersion);
    // A kind missing from a present group version may be a CRD installed since: refresh once.
    if (entry.byKind && !entry.byKind.has(kind) && Date.now() - entry.fetchedAt > ABSENT_TTL_MS) {
      this.#cache.delete(apiVersion);
      entry = await this.#entry(apiVersion);
    }
    return entry.byKind?.get(kind);
  }

  /** Forget everything, e.g. after installing CRDs. */
  reset(): void {
    this.#cache.clear();
  }

  async #entry(apiVersion: string): Promise<Entry> {
    const cached = this.#cache.get(apiVersion);
    const ttl = cached?.byKind ? PRESENT_TTL_MS : ABSENT_TTL_MS;
    if (cached && Date.now() - cached.fetchedAt < ttl) return cached;
    let pending = this.#inflight.get(apiVersion);
    if (!pending) {
      pending = this.#load(apiVersion).finally(() => this.#inflight.delete(apiVersion));
      this.#inflight.set(apiVersion, pending);
    }
    const entry = await pending;
    this.#cache.set(apiVersion, entry);
    return entry;
  }

  async #load(apiVersion: string): Promise<Entry> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      const list = (await this.#fetch(path)) as APIResourceList;
      const byKind = new Map<string, ResourceInfo>();
      for (const r of list.resources) {
        if (r.name.includes('/')) continue; // subresources such as statefulsets/status
        byKind.set(r.kind, { plural: r.name, namespaced: r.namespaced, kind: r.kind });
      }
      return { byKind, fetchedAt: Date.now() };
    } catch (err) {
      if ((err as { status?: number }).status === 404) return { fetchedAt: Date.now() };
      throw err;
    }
  }
}
