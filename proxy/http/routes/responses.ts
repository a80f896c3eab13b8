/**
 * Responses routes (reference/proxy-contract.md §1.2):
 * - `POST /backend-api/codex/responses` — Codex-native SSE (verbatim events), or the public SSE
 *   contract when the caller looks like an OpenAI SDK;
 * - `POST /v1/responses` — OpenAI Responses, streamed (`stream: true`) or buffered;
 * - `POST {/backend-api/codex,/v1}/responses/compact` — compaction, one JSON answer.
 */
import { Router, type Request, type Response } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import { isObject, type JsonObject } from '../../upstream/events.ts';
import { isNativeCodexClient } from '../../upstream/headers.ts';
import { normalizeResponsesRequest, type RequestRoute } from '../../upstream/request-body.ts';
import { invalidRequest } from '../../errors/catalogue.ts';
import { takeBody } from '../body/read-json.ts';
import { contextOf } from '../request-context.ts';
import { sendProxyError } from '../send-error.ts';
import { httpOrigin, serveTurn } from '../serve-turn.ts';
import type { ProxyServices } from '../services.ts';
import { CompactJsonSink, ResponsesJsonSink } from '../sinks/json-answers.ts';
import { ResponsesSseSink } from '../sinks/responses-sse.ts';
import { errorAnswer } from '../middleware/errors.ts';
import { turnRoute } from './turn-route.ts';
import { messagesToInput } from '../translate/chat-request.ts';

/** An OpenAI SDK (stainless headers or an `openai` user agent) on the Codex route gets the public stream contract. */
function looksLikeOpenAiSdk(headers: IncomingHttpHeaders): boolean {
  if (isNativeCodexClient(headers)) return false;
  if (Object.keys(headers).some((name) => name.startsWith('x-stainless-'))) return true;
  return /openai/i.test(headers['user-agent'] ?? '');
}

/** `/v1/responses` also accepts chat-shaped `messages` instead of `input`. */
function withChatMessages(raw: unknown): unknown {
  if (!isObject(raw) || raw.input !== undefined || raw.messages === undefined) return raw;
  return { ...raw, input: messagesToInput(raw.messages) };
}

function normalize(services: ProxyServices, res: Response, raw: unknown, route: RequestRoute): JsonObject {
  return normalizeResponsesRequest(route === 'openai' ? withChatMessages(raw) : raw, {
    route,
    deriveCacheKey: route === 'openai' && services.settings.deriveCacheKey,
    apiKeyId: contextOf(res).apiKey?.id,
  });
}

export function responsesRoutes(services: ProxyServices): Router {
  const router = Router();
  const { settings } = services;
  const now = (): number => Math.floor(Date.now() / 1000);

  // Each handler returns serveTurn's promise rather than awaiting it: a suspended handler would keep the
  // normalized body alive for the whole stream (serve-turn.ts releases it once the upstream accepted).
  const codexResponses = async (req: Request, res: Response): Promise<void> => {
    const body = normalize(services, res, takeBody(req), 'codex');
    const mode = looksLikeOpenAiSdk(req.headers) ? 'public' : 'native';
    const requestId = contextOf(res).requestId;
    return serveTurn(services, httpOrigin(contextOf(res), req.headers, res), {
      route: '/backend-api/codex/responses',
      affinityRoute: 'codex',
      body,
      streaming: true,
      budgetMs: settings.streamBudgetMs,
      turnState: true,
      bridgeable: true,
      sink: (headers) => new ResponsesSseSink(res, { mode, requestId, createdAt: now(), headers }),
      reject: (error, headers) => sendProxyError(res, error, headers),
    });
  };

  const v1Responses = async (req: Request, res: Response): Promise<void> => {
    const raw = takeBody(req);
    const streaming = isObject(raw) && raw.stream === true;
    const body = normalize(services, res, raw, 'openai');
    const requestId = contextOf(res).requestId;
    return serveTurn(services, httpOrigin(contextOf(res), req.headers, res), {
      route: '/v1/responses',
      affinityRoute: 'openai',
      body,
      streaming,
      budgetMs: streaming ? settings.streamBudgetMs : settings.unaryBudgetMs,
      turnState: streaming,
      bridgeable: true,
      sink: (headers) =>
        streaming ? new ResponsesSseSink(res, { mode: 'public', requestId, createdAt: now(), headers }) : new ResponsesJsonSink(res, headers),
      reject: (error, headers) => sendProxyError(res, error, headers),
    });
  };

  const compact = (route: RequestRoute, template: string) => async (req: Request, res: Response): Promise<void> => {
    const body = normalize(services, res, takeBody(req), route);
    const input = body.input as unknown[];
    if (input.length === 0) throw invalidRequest('Nothing to compact: input is empty', 'input');
    return serveTurn(services, httpOrigin(contextOf(res), req.headers, res), {
      route: template,
      affinityRoute: route,
      body: { ...body, input: [...input, { type: 'compaction_trigger' }] },
      streaming: false,
      budgetMs: settings.compactBudgetMs,
      turnState: false,
      compact: true,
      sink: (headers) => new CompactJsonSink(res, headers),
      reject: (error, headers) => sendProxyError(res, error, headers),
    });
  };

  const answerError = errorAnswer(services.logger);
  router.post(['/backend-api/codex/responses', '/backend-api/codex/responses/'], turnRoute(codexResponses, answerError));
  router.post(['/v1/responses', '/v1/responses/'], turnRoute(v1Responses, answerError));
  router.post('/backend-api/codex/responses/compact', turnRoute(compact('codex', '/backend-api/codex/responses/compact'), answerError));
  router.post('/v1/responses/compact', turnRoute(compact('openai', '/v1/responses/compact'), answerError));
  return router;
}
