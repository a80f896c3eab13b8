/**
 * Plans the stream of one successful-so-far turn from a validated request (pure apart from the
 * injected id source). The reply is derived from the request so tests can tell which request
 * reached which account:
 * - by default the assistant echoes the last user message: `Echo from <accountId>: <text>`;
 * - after a `function_call_output` it reports the tool result: `Echo from <accountId>: tool <call_id> returned <output>`;
 * - with function `tools`, a user message `call <tool> {json args}` (or `tool_choice` naming a tool /
 *   `required`) yields a function call instead, so Chat Completions tool-call translation (§3.2) can
 *   be exercised without scripting;
 * - an input ending in `{"type":"compaction_trigger"}` yields a compaction item (§2.1 Compact);
 * - `reasoning.effort` adds a reasoning item first (encrypted content when `include` asks for it).
 * Usage is deterministic: input tokens = ceil(chars of instructions + input text / 4); output
 * tokens = one per streamed fragment + reasoning tokens; cached tokens come from the account's
 * prompt cache (see AccountRegistry.cachePrompt).
 */
import type { PlanType } from './plans.ts';
import { rateLimitsEvent, type UsageState } from './rate-limits.ts';
import type { Step } from './scripts.ts';
import {
  buildTurn,
  chunkArguments,
  chunkText,
  failedEvent,
  numbered,
  type Ending,
  type OutputItem,
  type ResponseMeta,
  type StreamEvent,
  type Usage,
} from './transcripts.ts';

export interface StreamPlan {
  /** Every event to send, the leading `codex.rate_limits` included. */
  events: StreamEvent[];
  responseId: string;
  /** Hold everything back for `ms` (forever when undefined); SSE can commit headers first. */
  stall?: { ms?: number; afterHeaders: boolean };
  /** Pause before every event after the first. */
  delayMs?: number;
  /** Destroy the connection after this many events, before the terminal one. */
  cutAfter?: number;
  /** The response ends completed or incomplete, so its id can anchor a continuation. */
  completes: boolean;
}

export interface TurnInput {
  request: Record<string, unknown>;
  accountId: string;
  plan: PlanType;
  usage: UsageState;
  step: Step | undefined;
  nowSec: number;
  cachedTokens: number;
  newId: (prefix: string) => string;
}

/** Reasoning tokens billed per effort level; none/minimal reason without a visible item. */
const REASONING_TOKENS: Readonly<Record<string, number>> = { low: 16, medium: 64, high: 256, xhigh: 512 };

/** The default assistant text; proxy tests use it to assert which account served which request. */
export function echoText(accountId: string, said: string): string {
  return `Echo from ${accountId}: ${said}`;
}

export function estimateInputTokens(request: Record<string, unknown>): number {
  const instructions = typeof request.instructions === 'string' ? request.instructions : '';
  const items = Array.isArray(request.input) ? (request.input as unknown[]) : [];
  const chars = instructions.length + items.reduce<number>((n, item) => n + itemText(item).length, 0);
  return Math.ceil(chars / 4);
}

export function planStream(input: TurnInput): StreamPlan {
  const { request, step } = input;
  const meta: ResponseMeta = {
    id: input.newId('resp'),
    model: String(request.model),
    createdAt: input.nowSec,
    serviceTier: request.service_tier === 'priority' || request.service_tier === 'flex' ? request.service_tier : 'default',
  };
  const items = [...reasoningItems(request, input.newId), replyItem(input)];
  const ending: Ending = step?.kind === 'incomplete' ? { type: 'incomplete', reason: step.reason ?? 'max_output_tokens' } : { type: 'completed' };
  const turn = buildTurn({ meta, items, usage: usageFor(request, items, input.cachedTokens), ending });
  const plan: StreamPlan = { events: [rateLimitsEvent(input.usage, input.plan), ...turn], responseId: meta.id, completes: true };
  switch (step?.kind) {
    case 'stall':
      plan.stall = { ms: step.ms, afterHeaders: step.afterHeaders ?? false };
      break;
    case 'slow':
      plan.delayMs = step.delayMs;
      break;
    case 'disconnect':
      plan.cutAfter = clamp(step.afterEvents, 0, plan.events.length - 1);
      plan.completes = false;
      break;
    case 'response_failed': {
      const kept = clamp(step.afterEvents ?? 2, 0, plan.events.length - 1);
      const error = {
        code: step.code ?? 'server_error',
        message: step.message ?? 'An error occurred while processing your request. You can retry your request.',
      };
      plan.events = numbered([...plan.events.slice(0, kept), failedEvent(meta, error)]);
      plan.completes = false;
      break;
    }
  }
  return plan;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(Math.trunc(n), min), max);
}

function reasoningItems(request: Record<string, unknown>, newId: (prefix: string) => string): OutputItem[] {
  const reasoning = (request.reasoning ?? {}) as Record<string, unknown>;
  const effort = typeof reasoning.effort === 'string' ? reasoning.effort : undefined;
  if (effort === undefined || REASONING_TOKENS[effort] === undefined) return [];
  const wantsSummary = typeof reasoning.summary === 'string' && reasoning.summary !== 'none';
  const include = Array.isArray(request.include) ? request.include : [];
  return [
    {
      type: 'reasoning',
      id: newId('rs'),
      summary: wantsSummary ? [`Considered the request with ${effort} effort.`] : [],
      encryptedContent: include.includes('reasoning.encrypted_content') ? `gAAAAA${newId('enc')}` : undefined,
    },
  ];
}

function replyItem(input: TurnInput): OutputItem {
  const { request, step } = input;
  const items = Array.isArray(request.input) ? (request.input as unknown[]) : [];
  const last = items.at(-1) as Record<string, unknown> | undefined;
  if (last?.type === 'compaction_trigger') {
    return { type: 'compaction', id: input.newId('cmp'), encryptedContent: `gAAAAA${input.newId('cmpenc')}` };
  }
  const call = step?.kind === 'tool_call' ? scriptedCall(request, step) : requestedCall(request, last);
  if (call) return { type: 'function_call', id: input.newId('fc'), callId: input.newId('call'), ...call };
  if (step?.kind === 'text') return { type: 'message', id: input.newId('msg'), text: step.text };
  return { type: 'message', id: input.newId('msg'), text: echoText(input.accountId, describe(last)) };
}

interface PlannedCall {
  name: string;
  arguments: string;
}

function functionToolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((t: unknown) => {
    const tool = t as Record<string, unknown> | null;
    return tool?.type === 'function' && typeof tool.name === 'string' ? [tool.name] : [];
  });
}

function scriptedCall(request: Record<string, unknown>, step: Extract<Step, { kind: 'tool_call' }>): PlannedCall {
  return { name: step.name ?? functionToolNames(request.tools)[0] ?? 'tool', arguments: step.arguments ?? '{}' };
}

/** A call the request itself asks for: only in reply to a user message, never right after tool output. */
function requestedCall(request: Record<string, unknown>, last: Record<string, unknown> | undefined): PlannedCall | undefined {
  const tools = functionToolNames(request.tools);
  const choice = request.tool_choice;
  if (tools.length === 0 || choice === 'none' || last?.role !== 'user') return undefined;
  const asked = /\bcall\s+([\w.-]+)\s*(\{[\s\S]*\})?/.exec(itemText(last));
  const askedArgs = asked?.[2] ?? '{}';
  const forced = choice as Record<string, unknown> | undefined;
  if (forced?.type === 'function' && typeof forced.name === 'string' && tools.includes(forced.name)) {
    return { name: forced.name, arguments: askedArgs };
  }
  if (asked?.[1] !== undefined && tools.includes(asked[1])) return { name: asked[1], arguments: askedArgs };
  if (choice === 'required') return { name: tools[0] as string, arguments: askedArgs };
  return undefined;
}

function describe(last: Record<string, unknown> | undefined): string {
  if (last?.type === 'function_call_output') return `tool ${String(last.call_id)} returned ${itemText(last)}`;
  return last === undefined ? '(empty input)' : itemText(last);
}

/** The text a model would read from one input item. */
function itemText(item: unknown): string {
  if (typeof item !== 'object' || item === null) return '';
  const record = item as Record<string, unknown>;
  if (record.type === 'function_call_output') return typeof record.output === 'string' ? record.output : JSON.stringify(record.output ?? '');
  if (record.type === 'function_call') return typeof record.arguments === 'string' ? record.arguments : '';
  if (typeof record.content === 'string') return record.content;
  if (!Array.isArray(record.content)) return '';
  return record.content
    .map((part: unknown) => {
      const p = part as Record<string, unknown> | null;
      return typeof p?.text === 'string' ? p.text : '';
    })
    .join('');
}

function usageFor(request: Record<string, unknown>, items: OutputItem[], cachedTokens: number): Usage {
  const inputTokens = estimateInputTokens(request);
  let visible = 0;
  let reasoning = 0;
  const effort = ((request.reasoning ?? {}) as Record<string, unknown>).effort;
  for (const item of items) {
    if (item.type === 'message') visible += chunkText(item.text).length;
    if (item.type === 'function_call') visible += chunkArguments(item.arguments).length;
    if (item.type === 'compaction') visible += 1;
    if (item.type === 'reasoning') reasoning = REASONING_TOKENS[String(effort)] ?? 0;
  }
  const outputTokens = visible + reasoning;
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: cachedTokens },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: inputTokens + outputTokens,
  };
}
