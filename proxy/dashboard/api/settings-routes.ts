/** `/api/settings` (run-time routing settings) and `/api/firewall/ips` (the proxy routes' client allow-list). */
import { Router } from 'express';
import type { DashboardServices } from '../services.ts';
import { bodyObject, param } from './body.ts';

export function settingsRoutes(services: DashboardServices): Router {
  const router = Router();
  router.get('/api/settings', async (_req, res) => {
    res.json(await services.settings.refresh());
  });
  router.put('/api/settings', async (req, res) => {
    res.json(await services.settings.update(bodyObject(req)));
  });
  router.get('/api/firewall/ips', async (_req, res) => {
    res.json(await services.firewall.view());
  });
  router.post('/api/firewall/ips', async (req, res) => {
    res.json(await services.firewall.add(bodyObject(req).ipAddress));
  });
  router.delete('/api/firewall/ips/:ip', async (req, res) => {
    res.json(await services.firewall.remove(param(req, 'ip')));
  });
  return router;
}
