/** `/api/dashboard/overview`, `/api/request-logs` and its filter options (reference/proxy-contract.md §1.4). */
import { Router } from 'express';
import { AdminError } from '../../store/admin-error.ts';
import { ApiKeyEntity } from '../../store/entities/api-key.ts';
import { REQUEST_STATUSES } from '../../store/entities/request-log.ts';
import { isTimeframe, overview } from '../queries/overview.ts';
import { entryView, parseFilter, requestLogPage } from '../queries/request-logs.ts';
import type { DashboardServices } from '../services.ts';

export function insightsRoutes(services: DashboardServices): Router {
  const router = Router();
  const now = services.now ?? (() => new Date());

  router.get('/api/dashboard/overview', async (req, res) => {
    const timeframe = req.query.timeframe ?? '1d';
    if (!isTimeframe(timeframe)) throw AdminError.validation('timeframe must be 1d, 7d or 30d');
    res.json(await overview(services.dataSource, await services.accounts.list(), timeframe, now()));
  });

  router.get('/api/request-logs', async (req, res) => {
    const filter = parseFilter(req.query as Record<string, unknown>);
    const [page, accounts, keys] = await Promise.all([
      requestLogPage(services.dataSource, filter),
      services.accounts.list(),
      services.dataSource.getRepository(ApiKeyEntity).find({ select: { id: true, name: true } }),
    ]);
    const names = { accounts: new Map(accounts.map((a) => [a.id, a.email])), apiKeys: new Map(keys.map((k) => [k.id, k.name])) };
    res.json({ requests: page.rows.map((row) => entryView(row, names)), total: page.total, totalExact: page.totalExact, hasMore: page.hasMore });
  });

  router.get('/api/request-logs/options', async (_req, res) => {
    const [accounts, keys, models] = await Promise.all([
      services.accounts.list(),
      services.dataSource.getRepository(ApiKeyEntity).find({ select: { id: true, name: true, keyPrefix: true }, order: { name: 'ASC' } }),
      services.dataSource.query('SELECT DISTINCT model FROM request_usage_hourly ORDER BY model') as Promise<Array<{ model: string }>>,
    ]);
    res.json({
      accounts: accounts.map((a) => ({ id: a.id, email: a.email, alias: a.alias })),
      apiKeys: keys.map((k) => ({ id: k.id, name: k.name, keyPrefix: k.keyPrefix })),
      models: models.map((m) => m.model).filter((m) => m !== ''),
      statuses: REQUEST_STATUSES,
    });
  });
  return router;
}
