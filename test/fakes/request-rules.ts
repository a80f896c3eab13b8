/**
 * What the Codex backend refuses in a `/codex/responses` body (pure). These are the rules behind
 * proxy-contract §2.3 and §15.4: the proxy must normalise every client body so none of them fires.
 * Messages are the live backend's `{"detail": ...}` texts. Checks run in the order below and the
 * first failure wins; the backend's own order is only partly known.
 */
import { isModelAvailable } from './models.ts';
import type { PlanType } from './plans.ts';
import { detailFailure, missingRequiredParameter, previousResponseNotFound, type HttpFailure } from './upstream-errors.ts';

export type Transport = 'http' | 'ws';

/** Parameters rejected by name ("Unsupported parameter: X"): the §2.3 strip list plus observed rejections. */
const UNSUPPORTED_PARAMETERS = [
  'temperature', 'top_p', 'max_output_tokens', 'max_tokens', 'metadata', 'truncation', 'user', 'safety_identifier',
  'prompt_cache_retention', 'presence_penalty', 'frequency_penalty', 'seed', 'top_logprobs', 'context_management',
];

/**
 * Over HTTP the backend keeps no responses (store=false), so a continuation anchor is unsupported.
 * Over WebSocket `stream`/`background` must be absent from `response.create` (§2.3 "WS only"); the
 * real rejection text for those two is not known, this mirrors the unsupported-parameter wording.
 */
const TRANSPORT_UNSUPPORTED: Record<Transport, readonly string[]> = {
  http: ['previous_response_id'],
  ws: ['stream', 'background'],
};

export interface RuleContext {
  transport: Transport;
  plan: PlanType;
  /** WebSocket only: response ids completed earlier on this connection (its continuation cache). */
  knownResponseIds?: ReadonlySet<string>;
}

export function checkResponsesRequest(body: unknown, ctx: RuleContext): HttpFailure | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return detailFailure(400, 'Request body must be a JSON object');
  const request = body as Record<string, unknown>;

  const unsupported = Object.keys(request).find(
    (key) => UNSUPPORTED_PARAMETERS.includes(key) || TRANSPORT_UNSUPPORTED[ctx.transport].includes(key),
  );
  if (unsupported !== undefined) return detailFailure(400, `Unsupported parameter: ${unsupported}`);
  if (typeof request.instructions !== 'string') return detailFailure(400, 'Instructions are required');
  if (!Array.isArray(request.input)) return detailFailure(400, 'Input must be a list');
  if (ctx.transport === 'http' && request.stream !== true) return detailFailure(400, 'Stream must be set to true');
  // HTTP needs an explicit false (a missing store is refused too); the socket only refuses true.
  if (ctx.transport === 'http' ? request.store !== false : request.store === true) return detailFailure(400, 'Store must be set to false');
  if (!isModelAvailable(request.model, ctx.plan)) {
    return detailFailure(400, `The '${String(request.model ?? '')}' model is not supported when using Codex with a ChatGPT account.`);
  }
  const toolProblem = checkTools(request.tools);
  if (toolProblem) return toolProblem;
  const anchor = request.previous_response_id;
  if (ctx.transport === 'ws' && typeof anchor === 'string' && !ctx.knownResponseIds?.has(anchor)) {
    return previousResponseNotFound(anchor);
  }
  return undefined;
}

/** Responses-style function tools are flat (`{type, name, parameters}`); the Chat Completions nesting lacks `name`. */
function checkTools(tools: unknown): HttpFailure | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) return detailFailure(400, 'Tools must be a list');
  const index = tools.findIndex((tool: unknown) => {
    const t = tool as Record<string, unknown> | null;
    return t?.type === 'function' && typeof t.name !== 'string';
  });
  return index === -1 ? undefined : missingRequiredParameter(`tools[${index}].name`);
}
