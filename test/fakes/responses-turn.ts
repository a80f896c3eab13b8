/**
 * One `/codex/responses` turn for an authorised account, transport-neutral: validate the body,
 * consume the scripted step, and either reject (HTTP error / WebSocket error frame) or plan the
 * stream. Rejections carry the `x-codex-*` headers too: the proxy ingests them from 429s (§2.5).
 */
import { checkResponsesRequest, type Transport } from './request-rules.ts';
import { failureForStep } from './step-failures.ts';
import { estimateInputTokens, planStream, type StreamPlan } from './turns.ts';
import type { HttpFailure } from './upstream-errors.ts';
import type { UpstreamState } from './upstream-state.ts';

export type TurnOutcome =
  | { kind: 'reject'; failure: HttpFailure; headers: Record<string, string> }
  | { kind: 'stream'; plan: StreamPlan; headers: Record<string, string> };

export function startTurn(
  state: UpstreamState,
  accountId: string,
  body: unknown,
  transport: Transport,
  knownResponseIds?: ReadonlySet<string>,
): TurnOutcome {
  const plan = state.accounts.plan(accountId);
  const invalid = checkResponsesRequest(body, { transport, plan, knownResponseIds });
  if (invalid) return { kind: 'reject', failure: invalid, headers: state.rateLimitHeaders(accountId) };

  const step = state.takeStep(accountId, 'responses');
  const headers = state.rateLimitHeaders(accountId, step);
  const failure = failureForStep(step, plan, state.nowSec());
  if (failure) return { kind: 'reject', failure, headers };

  const request = body as Record<string, unknown>;
  const promptCacheKey = typeof request.prompt_cache_key === 'string' ? request.prompt_cache_key : undefined;
  const cachedTokens = state.accounts.cachePrompt(accountId, promptCacheKey, estimateInputTokens(request));
  const stream = planStream({
    request,
    accountId,
    plan,
    usage: state.accounts.usage(accountId),
    step,
    nowSec: state.nowSec(),
    cachedTokens,
    newId: (prefix) => state.newId(prefix),
  });
  return { kind: 'stream', plan: stream, headers };
}
