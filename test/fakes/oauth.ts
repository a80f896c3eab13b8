/**
 * `POST /oauth/token`, the refresh grant of auth.openai.com (proxy-contract §5.1), and the authorization-code grant
 * that finishes a ChatGPT login (login.ts, §6). The proxy sends a
 * JSON body; an urlencoded form is accepted too, as OAuth servers do. The recorded request keeps the
 * body as parsed, and its `content-type` header shows which form the proxy used.
 * Rotation and reuse detection live in AccountRegistry.refresh.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACCESS_TOKEN_TTL_SECONDS, OAUTH_CLIENT_ID } from './accounts.ts';
import { closedSignal, sendFailure, sendJson } from './http-io.ts';
import { pause } from './playback.ts';
import { failureForStep } from './step-failures.ts';
import { oauthFailure, refreshFailure } from './upstream-errors.ts';
import type { UpstreamState } from './upstream-state.ts';

export async function serveToken(state: UpstreamState, req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): Promise<void> {
  const form = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const refreshToken = typeof form.refresh_token === 'string' ? form.refresh_token : undefined;
  const accountId = refreshToken === undefined ? undefined : state.accounts.accountForRefreshToken(refreshToken);
  state.record(req, url, { endpoint: 'refresh', body, accountId });

  if (typeof form.grant_type !== 'string') return sendFailure(res, oauthFailure(400, 'invalid_request', 'Missing required parameter: grant_type'));
  if (form.grant_type === 'authorization_code') {
    // A ChatGPT login finishing (login.ts): the browser's code, or the code a device approval produced.
    const answer = state.logins.exchange(form);
    if (!answer.ok) return sendFailure(res, answer.failure);
    return sendJson(res, 200, { ...answer.tokens, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS, scope: 'openid profile email offline_access' });
  }
  if (form.grant_type !== 'refresh_token') {
    return sendFailure(res, oauthFailure(400, 'unsupported_grant_type', `Unsupported grant type: ${form.grant_type}`));
  }
  if (form.client_id !== OAUTH_CLIENT_ID) return sendFailure(res, oauthFailure(401, 'invalid_client', 'Unknown or missing client_id'));
  if (refreshToken === undefined) return sendFailure(res, oauthFailure(400, 'invalid_request', 'Missing required parameter: refresh_token'));

  const step = state.takeStep(accountId, 'refresh');
  if (step?.kind === 'stall') await pause(step.ms, AbortSignal.any([state.signal, closedSignal(res)]));
  const scripted = failureForStep(step, accountId === undefined ? undefined : state.accounts.plan(accountId), state.nowSec());
  if (scripted) return sendFailure(res, scripted);

  const outcome = state.accounts.refresh(refreshToken);
  if (!outcome.ok) return sendFailure(res, refreshFailure(outcome.code));
  sendJson(res, 200, {
    ...outcome.tokens,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    scope: 'openid profile email offline_access',
  });
}
