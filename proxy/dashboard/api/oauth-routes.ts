/**
 * `/api/oauth/*` (reference/proxy-contract.md §6): start a browser (PKCE) or device-code login, poll its status,
 * and finish a browser login from a pasted redirect URL when the browser could not reach the callback port.
 */
import { Router } from 'express';
import { AdminError } from '../../store/admin-error.ts';
import { readPastedCallback } from '../oauth/pkce.ts';
import type { DashboardServices } from '../services.ts';
import { bodyObject } from './body.ts';

function flowIdOf(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw AdminError.validation('flowId is required');
  return value;
}

export function oauthRoutes(services: DashboardServices): Router {
  const router = Router();
  router.post('/api/oauth/start', async (req, res) => {
    const { forceMethod = 'browser' } = bodyObject(req);
    if (forceMethod !== 'browser' && forceMethod !== 'device') throw AdminError.validation('forceMethod must be browser or device');
    res.json(forceMethod === 'device' ? await services.logins.startDevice() : await services.logins.startBrowser());
  });
  router.get('/api/oauth/status', async (req, res) => {
    res.json(await services.logins.status(flowIdOf(req.query.flowId)));
  });
  router.post('/api/oauth/complete', async (req, res) => {
    res.json(await services.logins.status(flowIdOf(bodyObject(req).flowId)));
  });
  router.post('/api/oauth/manual-callback', async (req, res) => {
    const { callbackUrl, flowId } = bodyObject(req);
    if (typeof callbackUrl !== 'string') throw AdminError.validation('callbackUrl is required');
    res.json(await services.logins.finishBrowser(readPastedCallback(callbackUrl), flowId === undefined ? undefined : flowIdOf(flowId)));
  });
  return router;
}
