/**
 * The model catalog (reference/proxy-contract.md §3.3): fetched from the upstream's
 * `/codex/models?client_version=` with one representative account per plan type (the upstream
 * filters by plan), merged, cached for five minutes, and replaced by a bootstrap catalog while the
 * upstream cannot be asked. Shapes for clients are built by pure functions below.
 */
import type { Logger } from '../../observability/logger.ts';
import type { AccountPool } from '../../routing/ports.ts';
import type { UpstreamClient } from '../../upstream/client.ts';
import { isObject, type JsonObject } from '../../upstream/events.ts';
import { buildUpstreamHeaders } from '../../upstream/headers.ts';

const REFRESH_MS = 300_000;
const FETCH_TIMEOUT_MS = 15_000;
/** Output caps the upstream catalog does not carry (§3.3 "max_output overrides"). */
const MAX_OUTPUT_TOKENS: Readonly<Record<string, number>> = { 'gpt-5.5': 128_000, 'gpt-5.4': 128_000, 'gpt-5.4-mini': 128_000, 'gpt-5.3-codex': 128_000 };

// Source: codex-lb bootstrap catalog (§3.3), used until the upstream answers.
const BOOTSTRAP: readonly JsonObject[] = ['gpt-5.6-sol', 'gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.5', 'gpt-5.4', 'gpt-5.4-mini', 'gpt-5.3-codex', 'gpt-5.2'].map(
  (slug, i) => ({
    slug,
    display_name: slug,
    description: slug,
    default_reasoning_level: 'medium',
    supported_reasoning_levels: [],
    supported_in_api: true,
    priority: i + 1,
    supports_reasoning_summaries: true,
    support_verbosity: true,
    supports_parallel_tool_calls: true,
    context_window: 272_000,
    input_modalities: ['text', 'image'],
    prefer_websockets: slug.startsWith('gpt-5.6') || slug.startsWith('gpt-5.5') || slug.startsWith('gpt-5.4'),
    visibility: 'list',
  }),
);

export class ModelCatalog {
  readonly #client: UpstreamClient;
  readonly #pool: AccountPool;
  readonly #clientVersion: string;
  readonly #logger: Logger;
  #models: readonly JsonObject[] = BOOTSTRAP;
  #fetchedAt = 0;
  #refreshing: Promise<void> | undefined;

  constructor(options: { client: UpstreamClient; pool: AccountPool; clientVersion: string; logger: Logger }) {
    this.#client = options.client;
    this.#pool = options.pool;
    this.#clientVersion = options.clientVersion;
    this.#logger = options.logger;
  }

  /** Codex catalog entries; refreshed when older than five minutes (single-flight). */
  async models(): Promise<readonly JsonObject[]> {
    if (Date.now() - this.#fetchedAt > REFRESH_MS) {
      this.#refreshing ??= this.#refresh().finally(() => {
        this.#refreshing = undefined;
      });
      await this.#refreshing;
    }
    return this.#models;
  }

  async #refresh(): Promise<void> {
    const accounts = (await this.#pool.list()).filter((a) => a.status === 'active');
    const byPlan = new Map<string, string>();
    for (const account of accounts) if (!byPlan.has(account.planType)) byPlan.set(account.planType, account.id);
    const merged = new Map<string, JsonObject>();
    for (const accountId of byPlan.values()) {
      try {
        for (const model of await this.#fetch(accountId)) if (typeof model.slug === 'string' && !merged.has(model.slug)) merged.set(model.slug, model);
      } catch (err) {
        this.#logger.warn('model catalog fetch failed', { accountId, err });
      }
    }
    if (merged.size > 0) {
      this.#models = [...merged.values()].sort((a, b) => Number(a.priority ?? 0) - Number(b.priority ?? 0));
      this.#fetchedAt = Date.now();
    } else {
      // Try again on the next request rather than serving the bootstrap list for five minutes.
      this.#fetchedAt = 0;
    }
  }

  async #fetch(accountId: string): Promise<JsonObject[]> {
    const identity = await this.#pool.credentials(accountId);
    const headers = buildUpstreamHeaders({}, identity, { requestId: `models-${Date.now()}`, clientVersion: this.#clientVersion, transport: 'http' });
    headers.accept = 'application/json';
    delete headers['content-type'];
    const response = await this.#client.getModels(headers, this.#clientVersion, AbortSignal.timeout(FETCH_TIMEOUT_MS));
    if (response.status !== 200) throw new Error(`upstream answered HTTP ${response.status}`);
    const body: unknown = JSON.parse(response.body);
    const models = isObject(body) && Array.isArray(body.models) ? body.models : [];
    return models.filter(isObject);
  }
}

/** Models an API key may use; null allow-list = all. */
export function allowedModels(models: readonly JsonObject[], allowed: readonly string[] | null): JsonObject[] {
  return models.filter((m) => allowed === null || allowed.includes(String(m.slug)));
}

/** `/v1/models`: the OpenAI list shape (only models usable through the API). */
export function openAiModelList(models: readonly JsonObject[], created: number): JsonObject {
  return {
    object: 'list',
    data: models.filter((m) => m.supported_in_api !== false).map((m) => openAiModel(m, created)),
  };
}

function openAiModel(model: JsonObject, created: number): JsonObject {
  const slug = String(model.slug);
  const contextLength = typeof model.context_window === 'number' ? model.context_window : null;
  const maxOutput = MAX_OUTPUT_TOKENS[slug] ?? null;
  const modalities = Array.isArray(model.input_modalities) ? model.input_modalities : [];
  const reasoning = Array.isArray(model.supported_reasoning_levels) && model.supported_reasoning_levels.length > 0;
  return {
    id: slug,
    object: 'model',
    created,
    owned_by: 'codex-lb',
    api_types: ['chat_completions', 'responses'],
    context_length: contextLength,
    max_output_tokens: maxOutput,
    supports_reasoning: reasoning,
    supports_images: modalities.includes('image'),
  };
}

/** `/backend-api/codex/models` and `/v1/models?client_version=`: the Codex CLI catalog shape. */
export function codexCatalog(models: readonly JsonObject[], created: number): JsonObject {
  return { models, ...openAiModelList(models, created) };
}
