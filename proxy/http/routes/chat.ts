/** `POST /v1/chat/completions` (§3): translated to a Responses turn and back, streamed or buffered. */
import { Router, type Request, type Response } from 'express';
import { normalizeResponsesRequest } from '../../upstream/request-body.ts';
import { takeBody } from '../body/read-json.ts';
import { contextOf } from '../request-context.ts';
import { sendProxyError } from '../send-error.ts';
import { httpOrigin, serveTurn } from '../serve-turn.ts';
import type { ProxyServices } from '../services.ts';
import { ChatSseSink } from '../sinks/chat-sse.ts';
import { ChatJsonSink } from '../sinks/json-answers.ts';
import { ChatChunkTranslator } from '../translate/chat-response.ts';
import { chatToResponses } from '../translate/chat-request.ts';
import { errorAnswer } from '../middleware/errors.ts';
import { turnRoute } from './turn-route.ts';

export function chatRoutes(services: ProxyServices): Router {
  const router = Router();
  const { settings } = services;
  const chatCompletions = async (req: Request, res: Response): Promise<void> => {
    // Only the answer's shape outlives this handler (the sink closures): the bodies go with the turn, which
    // releases them once the upstream accepted (serve-turn.ts), so serveTurn's promise is returned, not awaited.
    const { body: translated, stream, model, includeUsage } = chatToResponses(takeBody(req));
    const body = normalizeResponsesRequest(translated, { route: 'openai', deriveCacheKey: settings.deriveCacheKey, apiKeyId: contextOf(res).apiKey?.id });
    const created = Math.floor(Date.now() / 1000);
    return serveTurn(services, httpOrigin(contextOf(res), req.headers, res), {
      route: '/v1/chat/completions',
      affinityRoute: 'openai',
      body,
      streaming: stream,
      budgetMs: stream ? settings.streamBudgetMs : settings.unaryBudgetMs,
      turnState: false,
      sink: (headers) =>
        stream
          ? new ChatSseSink(res, new ChatChunkTranslator({ model, created, includeUsage }), headers)
          : new ChatJsonSink(res, headers, { model, created }),
      reject: (error, headers) => sendProxyError(res, error, headers),
    });
  };
  router.post('/v1/chat/completions', turnRoute(chatCompletions, errorAnswer(services.logger)));
  return router;
}
