/** `/api/dashboard-auth/*` (reference/proxy-contract.md §1.4): session, password login/setup/change, logout. */
import { Router, type RequestHandler } from 'express';
import type { DashboardServices } from '../services.ts';
import { bodyObject, sessionOf } from './body.ts';

/** Routes a caller without a session may use. */
export function openAuthRoutes(services: DashboardServices, readBody: RequestHandler): Router {
  const { auth } = services;
  const router = Router();
  router.get('/api/dashboard-auth/session', async (req, res) => {
    res.json(await auth.describe(req, res));
  });
  router.post('/api/dashboard-auth/password/login', readBody, async (req, res) => {
    res.json(await auth.loginWithPassword(req, res, bodyObject(req).password));
  });
  router.post('/api/dashboard-auth/password/setup', readBody, async (req, res) => {
    res.json(await auth.setupPassword(req, res, bodyObject(req)));
  });
  return router;
}

/** Routes behind the session check (and CSRF). */
export function sessionAuthRoutes(services: DashboardServices): Router {
  const { auth } = services;
  const router = Router();
  router.post('/api/dashboard-auth/password/change', async (req, res) => {
    res.json(await auth.changePassword(req, res, sessionOf(res), bodyObject(req)));
  });
  router.post('/api/dashboard-auth/logout', async (req, res) => {
    await auth.logout(req, res, sessionOf(res));
    res.status(204).end();
  });
  return router;
}
