/**
 * Request cost in USD (reference/proxy-contract.md §8.3), pure.
 *
 * cost = (input − cached)/1e6 × input rate + cached/1e6 × cached rate + output/1e6 × output rate, with cached
 * clamped to [0, input]. The rate set depends on the effective service tier and on long context. A model is found
 * by exact name (case-insensitive), else by the longest table name it starts with (`gpt-5.4-mini-2026…` →
 * `gpt-5.4-mini`); an unknown model has no price (null).
 */

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
}

/** USD per million tokens. */
interface Rates {
  readonly input: number;
  readonly cached: number;
  readonly output: number;
}

interface ModelPricing {
  readonly standard: Rates;
  /** Explicit priority (`priority`/`fast` tier) rates; otherwise standard × priorityMultiplier. */
  readonly priority?: Rates;
  readonly priorityMultiplier?: number;
  readonly flex?: Rates;
  /** Applied when input tokens exceed LONG_CONTEXT_THRESHOLD. */
  readonly longContext?: Rates;
}

const LONG_CONTEXT_THRESHOLD = 272_000;

const rates = (input: number, cached: number, output: number): Rates => ({ input, cached, output });

/** USD / 1M tokens (input / cached input / output), from upstream codex-lb's pricing table. */
const PRICING: ReadonlyMap<string, ModelPricing> = new Map<string, ModelPricing>([
  [
    'gpt-5.6-sol',
    {
      standard: rates(5, 0.5, 30),
      priority: rates(10, 1, 60),
      flex: rates(2.5, 0.25, 15),
      longContext: rates(10, 1, 45),
    },
  ],
  ['gpt-5.6-terra', { standard: rates(2, 0.2, 12) }],
  ['gpt-5.6-luna', { standard: rates(0.2, 0.02, 1.2) }],
  ['gpt-5.5', { standard: rates(5, 0.5, 30), priority: rates(12.5, 1.25, 75) }],
  ['gpt-5.4', { standard: rates(2.5, 0.25, 15), priority: rates(5, 0.5, 30), longContext: rates(5, 0.5, 22.5) }],
  ['gpt-5.4-mini', { standard: rates(0.75, 0.075, 4.5) }],
  ['gpt-5.3-codex', { standard: rates(1.75, 0.175, 14), priority: rates(3.5, 0.35, 28) }],
  ['gpt-5.2', { standard: rates(1.75, 0.175, 14), priorityMultiplier: 2 }],
  ['gpt-5.1', { standard: rates(1.25, 0.125, 10), priorityMultiplier: 2 }],
  ['gpt-5.1-codex-mini', { standard: rates(0.25, 0.025, 2) }],
  ['gpt-5', { standard: rates(1.25, 0.125, 10), priorityMultiplier: 2 }],
  ['gpt-image-', { standard: rates(5, 2, 30) }],
]);

/** The pricing entry for a model name, or null when unknown. */
export function pricingFor(model: string): ModelPricing | null {
  const name = model.toLowerCase();
  const exact = PRICING.get(name);
  if (exact !== undefined) return exact;
  let best: string | null = null;
  for (const key of PRICING.keys()) {
    if (name.startsWith(key) && (best === null || key.length > best.length)) best = key;
  }
  return best === null ? null : (PRICING.get(best) ?? null);
}

/** USD for one request, or null when the model has no price. `serviceTier` is the effective (billed) tier. */
export function costUsd(model: string, usage: TokenUsage, serviceTier: string | null): number | null {
  const pricing = pricingFor(model);
  if (pricing === null) return null;
  const applied = ratesFor(pricing, usage.inputTokens > LONG_CONTEXT_THRESHOLD, serviceTier);
  const input = Math.max(0, usage.inputTokens);
  const cached = Math.min(Math.max(0, usage.cachedInputTokens), input);
  const output = Math.max(0, usage.outputTokens);
  return ((input - cached) * applied.input + cached * applied.cached + output * applied.output) / 1e6;
}

function ratesFor(pricing: ModelPricing, longContext: boolean, serviceTier: string | null): Rates {
  const tier = serviceTier?.toLowerCase() ?? null;
  if (tier === 'priority' || tier === 'fast') {
    if (pricing.priority !== undefined) return pricing.priority;
    const multiplier = pricing.priorityMultiplier ?? 1;
    return scale(pricing.standard, multiplier, multiplier);
  }
  if (tier === 'flex' && pricing.flex !== undefined) {
    // Long-context flex: ×2 on input and cached input, ×1.5 on output (§8.3).
    return longContext ? scale(pricing.flex, 2, 1.5) : pricing.flex;
  }
  return longContext && pricing.longContext !== undefined ? pricing.longContext : pricing.standard;
}

function scale(base: Rates, inputFactor: number, outputFactor: number): Rates {
  return rates(base.input * inputFactor, base.cached * inputFactor, base.output * outputFactor);
}
