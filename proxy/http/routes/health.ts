/**
 * Probes (OPERATOR-CONTRACT.md "Ports and health"): `/health` and `/health/live` answer while the
 * process serves; `/health/ready` only when the database answers, the schema is at head and the
 * replica is not draining; `/health/startup` once startup finished. Upstream health is deliberately
 * not part of readiness: a rate-limited pool must not take every replica out of the Service.
 */
import { Router, type Request, type Response } from 'express';
import { sendJson } from '../send-error.ts';
import type { HealthProbes } from '../services.ts';
import { PROCESS_HEADER } from '../../cluster/advertise-probe.ts';
import type { DrainState } from '../../cluster/drain.ts';

/** `processId`: answered on `/health/live`, so a replica can check its advertise URL reaches itself. */
export function healthRoutes(health: HealthProbes, drain: DrainState, processId: string): Router {
  const router = Router();
  const ok = (_req: Request, res: Response): void => sendJson(res, 200, { status: 'ok' });
  router.get('/health', ok);
  router.get('/health/live', (_req, res) => sendJson(res, 200, { status: 'ok' }, { [PROCESS_HEADER]: processId }));
  router.get('/health/startup', (req, res) => {
    if (health.started()) ok(req, res);
    else sendJson(res, 503, { detail: 'Service is starting' });
  });
  router.get('/health/ready', async (_req, res) => {
    if (drain.draining) return sendJson(res, 503, { detail: 'Service is draining' });
    const database = await health.database().catch(() => false);
    if (!database) return sendJson(res, 503, { detail: 'Database is unreachable', checks: { database: 'error' } });
    const schema = await health.schemaAtHead().catch(() => false);
    if (!schema) return sendJson(res, 503, { detail: 'Database schema is not at head', checks: { database: 'ok', schema: 'behind' } });
    const members = await health.ringMembers?.().catch(() => undefined);
    sendJson(res, 200, { status: 'ok', checks: { database: 'ok', schema: 'ok', ...(members === undefined ? {} : { ring_members: String(members) }) } });
  });
  return router;
}
