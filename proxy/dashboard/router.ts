/**
 * Everything the dashboard serves on the API port: `/api/*` (JSON, dashboard envelope) and the built UI.
 * Order matters: the login routes are open; every other `/api/*` route sits behind the session check (401 without
 * a session, 403 `csrf_failed` for a write without the session's CSRF token), and its body is read only after that
 * check, so an anonymous upload is refused unread. Unknown `/api/*` paths are 404 in the same envelope, never the UI.
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AdminError } from '../store/admin-error.ts';
import { accountsRoutes } from './api/accounts-routes.ts';
import { apiKeysRoutes } from './api/api-keys-routes.ts';
import { openAuthRoutes, sessionAuthRoutes } from './api/auth-routes.ts';
import { insightsRoutes } from './api/insights-routes.ts';
import { oauthRoutes } from './api/oauth-routes.ts';
import { settingsRoutes } from './api/settings-routes.ts';
import { sendDashboardError } from './send-error.ts';
import type { DashboardServices } from './services.ts';
import { uiRoutes } from './static.ts';

export function dashboardRoutes(services: DashboardServices, readBody: RequestHandler): Router {
  const router = Router();
  router.use('/api', (_req: Request, res: Response, next: NextFunction) => {
    // Answers carry account names, usage and one-time keys: never cached by the browser or a proxy between.
    res.setHeader('cache-control', 'no-store');
    next();
  });
  router.use(openAuthRoutes(services, readBody));
  router.use('/api', async (req: Request, res: Response, next: NextFunction) => {
    res.locals.dashboardSession = await services.auth.require(req, res);
    next();
  });
  router.use('/api', readBody);
  router.use(sessionAuthRoutes(services));
  router.use(accountsRoutes(services));
  router.use(apiKeysRoutes(services));
  router.use(insightsRoutes(services));
  router.use(settingsRoutes(services));
  router.use(oauthRoutes(services));
  router.use('/api', (req: Request) => {
    throw new AdminError(404, 'not_found', `No route for ${req.method} ${req.path}`);
  });
  router.use('/api', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!sendDashboardError(res, err)) next(err);
  });
  router.use(uiRoutes(services.staticDir));
  return router;
}
