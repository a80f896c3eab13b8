/**
 * The express application: middleware order is the contract's (§1.1) — alias rewrite, request id,
 * metrics, drain barrier, browser-origin check; then health and drain (no auth, no firewall), the
 * admin API (its own token), forwarded session turns from other replicas (their HMAC signature), the proxy
 * routes behind the concurrency cap (backpressure), the memory gate, the firewall and API-key auth, and the
 * dashboard (its session cookie and CSRF token; proxy/dashboard/router.ts). Bodies are read only after a caller
 * is admitted (body/read-json.ts). Each group of middleware is one Express layer (middleware/series.ts): the
 * router's work per layer cost a proxied turn more than most of the middleware themselves.
 */
import express, { type Express, type RequestHandler } from 'express';
import { jsonBody } from './body/read-json.ts';
import { codexV1Alias } from './middleware/codex-alias.ts';
import { apiKeyAuth } from './middleware/api-key-auth.ts';
import { backpressure } from './middleware/backpressure.ts';
import { requestSpans } from './middleware/tracing.ts';
import { drainGate } from './middleware/drain-gate.ts';
import { errorHandler, notFoundHandler } from './middleware/errors.ts';
import { firewall } from './middleware/firewall.ts';
import { originGuard } from './middleware/origin-guard.ts';
import { requestMetrics } from './middleware/metrics.ts';
import { requestContext } from './middleware/request-id.ts';
import { series } from './middleware/series.ts';
import { adminRoutes } from './routes/admin.ts';
import { bridgeRoutes } from './routes/bridge.ts';
import { chatRoutes } from './routes/chat.ts';
import { drainRoutes } from './routes/drain.ts';
import { healthRoutes } from './routes/health.ts';
import { modelRoutes } from './routes/models.ts';
import { responsesRoutes } from './routes/responses.ts';
import { dashboardRoutes } from '../dashboard/router.ts';
import { PROXY_PREFIXES } from './paths.ts';
import type { ProxyServices } from './services.ts';

/** Under a proxy prefix; case-insensitive, as Express matches mount paths. */
const RESPONSES_PATH = /^\/responses(?:\/|$)/i;
/** Admin bodies are small JSON documents (an auth.json, an API-key spec). */
const ADMIN_BODY_BYTES = 1024 * 1024;

/**
 * `router` only for paths starting with `prefix`; every other request skips its route matching (a proxied
 * turn used to be matched against each health, drain, admin and bridge route first). Paths inside stay whole.
 */
function under(prefix: string, router: RequestHandler): RequestHandler {
  return (req, res, next) => {
    // Case-insensitive, as Express matches routes.
    if (req.path.slice(0, prefix.length).toLowerCase() === prefix) return router(req, res, next);
    next();
  };
}

/**
 * The body reader of the proxy routes, mounted under a proxy prefix (so the path is what follows it): the
 * Responses routes, `/v1/responses` and `/backend-api/codex/responses` with what is under them, take the
 * larger cap (a Codex turn carries the whole conversation).
 */
function proxyBody(services: ProxyServices): RequestHandler {
  const responses = jsonBody(services.settings.maxResponsesBodyBytes, services.memory);
  const other = jsonBody(services.settings.maxBodyBytes, services.memory);
  return (req, res, next) => (RESPONSES_PATH.test(req.path) ? responses : other)(req, res, next);
}

export function createApp(services: ProxyServices): Express {
  const { settings } = services;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use(series(codexV1Alias, requestContext(settings.trust), requestMetrics(services.metrics), drainGate(services.drain), originGuard(settings.origins)));

  app.use(under('/health', healthRoutes(services.health, services.drain, services.processId)));
  app.use(
    under(
      '/internal/',
      series(
        drainRoutes(services.drain),
        adminRoutes(services.admin, jsonBody(ADMIN_BODY_BYTES, services.memory)),
        // Replica to replica: signed forwards of session turns, not client traffic (no API key, no allow-list).
        bridgeRoutes(services),
      ),
    ),
  );

  const checkPressure = (_req: unknown, _res: unknown, next: () => void): void => {
    services.memory.checkPressure();
    next();
  };
  const spans = services.tracer ? [requestSpans(services.tracer)] : [];
  app.use(
    PROXY_PREFIXES,
    series(...spans, backpressure(settings.maxConcurrentRequests), checkPressure, firewall(services.firewall), apiKeyAuth(services.apiKeys, settings), proxyBody(services)),
  );
  app.use(responsesRoutes(services));
  app.use(chatRoutes(services));
  app.use(modelRoutes(services));
  if (services.dashboard) app.use(dashboardRoutes(services.dashboard, jsonBody(ADMIN_BODY_BYTES, services.memory)));

  app.use(notFoundHandler);
  app.use(errorHandler(services.logger));
  return app;
}
