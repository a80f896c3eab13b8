/**
 * `/api/api-keys*` (reference/proxy-contract.md §1.4, §9): list with limits and the last 7 days' usage, create (the
 * plaintext key is in that one answer only), update limits/name/active, revoke (delete: the key answers 401 from
 * then on). Cost limits are micro-dollars on the wire, as upstream stores them; the UI converts.
 */
import { Router } from 'express';
import { apiKeyUsage, NO_USAGE, USAGE_DAYS } from '../queries/api-key-usage.ts';
import type { DashboardServices } from '../services.ts';
import { bodyObject, param } from './body.ts';

export function apiKeysRoutes(services: DashboardServices): Router {
  const router = Router();
  const now = services.now ?? (() => new Date());

  router.get('/api/api-keys', async (_req, res) => {
    const [keys, usage] = await Promise.all([services.apiKeys.list(), apiKeyUsage(services.dataSource, now())]);
    res.json({ usageDays: USAGE_DAYS, apiKeys: keys.map((key) => ({ ...key, usage: usage.get(key.id) ?? NO_USAGE })) });
  });
  router.post('/api/api-keys', async (req, res) => {
    res.status(201).json(await services.apiKeys.create(bodyObject(req)));
  });
  router.patch('/api/api-keys/:id', async (req, res) => {
    res.json({ apiKey: await services.apiKeys.update(param(req, 'id'), bodyObject(req)) });
  });
  router.delete('/api/api-keys/:id', async (req, res) => {
    await services.apiKeys.delete(param(req, 'id'));
    res.status(204).end();
  });
  return router;
}
