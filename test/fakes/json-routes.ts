/**
 * The backend's JSON reads: `GET /wham/usage` (§8.1) and `GET /codex/models` (§2.1, §3.3). Both
 * authorise like every backend route and honour the error, 401 and stall scripts of their endpoint,
 * so the usage poller's refresh-on-401 and deactivation paths can be driven.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closedSignal, sendFailure, sendJson } from './http-io.ts';
import { modelsPayload } from './models.ts';
import { pause } from './playback.ts';
import { usagePayload } from './rate-limits.ts';
import type { Endpoint } from './scripts.ts';
import { failureForStep } from './step-failures.ts';
import type { UpstreamState } from './upstream-state.ts';

interface JsonReply {
  body: unknown;
  headers?: Record<string, string>;
}

export function serveUsage(state: UpstreamState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  return serveBackendJson(state, req, res, url, 'usage', (accountId) => {
    const credentials = state.accounts.credentials(accountId);
    return { body: usagePayload(credentials, state.accounts.usage(accountId), state.nowSec()) };
  });
}

export function serveModels(state: UpstreamState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  return serveBackendJson(state, req, res, url, 'models', (accountId) => {
    const { body, etag } = modelsPayload(state.accounts.plan(accountId));
    return { body, headers: { etag } };
  });
}

async function serveBackendJson(
  state: UpstreamState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  endpoint: Endpoint,
  reply: (accountId: string) => JsonReply,
): Promise<void> {
  const auth = state.authorize(req.headers);
  state.record(req, url, { endpoint, body: undefined, accountId: auth.accountId });
  if (!auth.ok) {
    sendFailure(res, auth.failure);
    return;
  }
  const step = state.takeStep(auth.accountId, endpoint);
  if (step?.kind === 'stall') await pause(step.ms, AbortSignal.any([state.signal, closedSignal(res)]));
  const headers = state.rateLimitHeaders(auth.accountId, step);
  const failure = failureForStep(step, state.accounts.plan(auth.accountId), state.nowSec());
  if (failure) {
    sendFailure(res, failure, headers);
    return;
  }
  const { body, headers: extra } = reply(auth.accountId);
  sendJson(res, 200, body, { ...headers, ...extra });
}
