/**
 * The model catalog behind `GET /backend-api/codex/models` (proxy-contract §2.1, §3.3). Slugs are the
 * contract's bootstrap catalog; capability values are illustrative. The catalog is filtered by the
 * caller's plan, which is why codex-lb refreshes it per plan type, and the same filter decides
 * which models `/codex/responses` accepts.
 */
import { createHash } from 'node:crypto';
import { PLAN_TYPES, type PlanType } from './plans.ts';

const PAID_PLANS: readonly PlanType[] = PLAN_TYPES.filter((p) => p !== 'free');

const REASONING_LEVELS = [
  { effort: 'low', description: 'Fast responses with lighter reasoning' },
  { effort: 'medium', description: 'Balances speed and reasoning depth for everyday tasks' },
  { effort: 'high', description: 'Greater reasoning depth for complex problems' },
  { effort: 'xhigh', description: 'Extra high reasoning depth for complex problems' },
];

interface ModelSpec {
  slug: string;
  displayName: string;
  contextWindow: number;
  plans: readonly PlanType[];
  preferWebsockets: boolean;
  priority: number;
  inputModalities?: readonly string[];
}

const SPECS: readonly ModelSpec[] = [
  { slug: 'gpt-5.6-sol', displayName: 'GPT-5.6 Sol', contextWindow: 400_000, plans: PAID_PLANS, preferWebsockets: true, priority: 1 },
  { slug: 'gpt-5.6-terra', displayName: 'GPT-5.6 Terra', contextWindow: 400_000, plans: PLAN_TYPES, preferWebsockets: true, priority: 2 },
  { slug: 'gpt-5.6-luna', displayName: 'GPT-5.6 Luna', contextWindow: 272_000, plans: PLAN_TYPES, preferWebsockets: true, priority: 3 },
  { slug: 'gpt-5.5', displayName: 'GPT-5.5', contextWindow: 400_000, plans: PAID_PLANS, preferWebsockets: true, priority: 4 },
  { slug: 'gpt-5.4', displayName: 'GPT-5.4', contextWindow: 272_000, plans: PLAN_TYPES, preferWebsockets: true, priority: 5 },
  { slug: 'gpt-5.4-mini', displayName: 'GPT-5.4 Mini', contextWindow: 272_000, plans: PLAN_TYPES, preferWebsockets: true, priority: 6 },
  { slug: 'gpt-5.3-codex', displayName: 'GPT-5.3 Codex', contextWindow: 272_000, plans: PAID_PLANS, preferWebsockets: false, priority: 7 },
  { slug: 'gpt-5.3-codex-spark', displayName: 'GPT-5.3 Codex Spark', contextWindow: 128_000, plans: ['pro'], preferWebsockets: false, priority: 8, inputModalities: ['text'] },
  { slug: 'gpt-5.2', displayName: 'GPT-5.2', contextWindow: 272_000, plans: PLAN_TYPES, preferWebsockets: false, priority: 9 },
];

function catalogEntry(spec: ModelSpec): Record<string, unknown> {
  return {
    slug: spec.slug,
    display_name: spec.displayName,
    description: `${spec.displayName} (fake upstream catalog entry)`,
    base_instructions: 'You are Codex, a coding agent.',
    default_reasoning_level: 'medium',
    supported_reasoning_levels: REASONING_LEVELS,
    supported_in_api: true,
    priority: spec.priority,
    minimal_client_version: '0.98.0',
    supports_reasoning_summaries: true,
    support_verbosity: true,
    default_verbosity: 'low',
    supports_parallel_tool_calls: true,
    context_window: spec.contextWindow,
    input_modalities: spec.inputModalities ?? ['text', 'image'],
    available_in_plans: spec.plans,
    prefer_websockets: spec.preferWebsockets,
    visibility: 'list',
    truncation_policy: { mode: 'tokens', limit: 10_000 },
    experimental_supported_tools: [],
  };
}

export function isModelAvailable(slug: unknown, plan: PlanType): boolean {
  return SPECS.some((spec) => spec.slug === slug && spec.plans.includes(plan));
}

/** The catalog payload for one plan, and an ETag for it (Codex CLI caches the catalog by ETag). */
export function modelsPayload(plan: PlanType): { body: { models: Record<string, unknown>[] }; etag: string } {
  const body = { models: SPECS.filter((spec) => spec.plans.includes(plan)).map(catalogEntry) };
  const etag = `W/"${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16)}"`;
  return { body, etag };
}
