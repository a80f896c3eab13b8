/**
 * Model lists (§3.3): `/backend-api/codex/models` always answers in the Codex catalog shape;
 * `/v1/models` in the OpenAI list shape, or the Codex shape when `client_version` is given (the
 * Codex CLI configured with `openai_base_url`). Both show only the models the caller's key may use.
 */
import { Router, type Request, type Response } from 'express';
import { allowedModels, codexCatalog, openAiModelList } from '../models/catalog.ts';
import { contextOf } from '../request-context.ts';
import { sendJson } from '../send-error.ts';
import type { ProxyServices } from '../services.ts';

export function modelRoutes(services: ProxyServices): Router {
  const router = Router();
  const visible = async (res: Response) => allowedModels(await services.models.models(), contextOf(res).apiKey?.allowedModels ?? null);
  const now = (): number => Math.floor(Date.now() / 1000);
  router.get(['/backend-api/codex/models', '/backend-api/codex/models/'], async (_req: Request, res: Response) => {
    sendJson(res, 200, codexCatalog(await visible(res), now()));
  });
  router.get(['/v1/models', '/v1/models/'], async (req: Request, res: Response) => {
    const models = await visible(res);
    sendJson(res, 200, req.query.client_version !== undefined ? codexCatalog(models, now()) : openAiModelList(models, now()));
  });
  return router;
}
