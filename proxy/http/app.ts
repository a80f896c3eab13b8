/**
 * The express application: middleware order is the contract's (§1.1) — alias rewrite, request id,
 * metrics, drain barrier; then health and drain (no auth, no firewall), the admin API (its own
 * token), and the proxy routes behind the firewall and API-key auth. Bodies are parsed only after
 * a caller is admitted.
 */
import express, { type Express } from 'express';
import { codexV1Alias } from './middleware/codex-alias.ts';
import { apiKeyAuth } from './middleware/api-key-auth.ts';
import { drainGate } from './middleware/drain-gate.ts';
import { errorHandler, notFoundHandler } from './middleware/errors.ts';
import { firewall } from './middleware/firewall.ts';
import { requestMetrics } from './middleware/metrics.ts';
import { requestContext } from './middleware/request-id.ts';
import { adminRoutes } from './routes/admin.ts';
import { chatRoutes } from './routes/chat.ts';
import { drainRoutes } from './routes/drain.ts';
import { healthRoutes } from './routes/health.ts';
import { modelRoutes } from './routes/models.ts';
import { responsesRoutes } from './routes/responses.ts';
import type { ProxyServices } from './services.ts';

const PROXY_PREFIXES = ['/v1', '/backend-api/codex'];
const RESPONSES_PATHS = ['/v1/responses', '/backend-api/codex/responses'];

export function createApp(services: ProxyServices): Express {
  const { settings } = services;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  app.use(codexV1Alias);
  app.use(requestContext(settings.trust));
  app.use(requestMetrics(services.metrics));
  app.use(drainGate(services.drain));

  app.use(healthRoutes(services.health, services.drain));
  app.use(drainRoutes(services.drain));
  app.use('/internal/admin', express.json({ limit: '1mb' }));
  app.use(adminRoutes(services.admin));

  app.use(PROXY_PREFIXES, firewall(services.firewall), apiKeyAuth(services.apiKeys, settings));
  app.use(RESPONSES_PATHS, express.json({ limit: settings.maxResponsesBodyBytes }));
  app.use(PROXY_PREFIXES, express.json({ limit: settings.maxBodyBytes }));
  app.use(responsesRoutes(services));
  app.use(chatRoutes(services));
  app.use(modelRoutes(services));

  app.use(notFoundHandler);
  app.use(errorHandler(services.logger));
  return app;
}
