/**
 * Drain control for the preStop hook (§11.7, OPERATOR-CONTRACT.md): loopback callers only. Values
 * in `checks` are strings, as upstream codex-lb reports them.
 */
import { Router, type Request, type Response } from 'express';
import { isLoopback, normalizeIp } from '../client-ip.ts';
import { sendJson } from '../send-error.ts';
import type { DrainState } from '../../cluster/drain.ts';

const DEADLINE_HEADER = 'x-codex-lb-drain-deadline-monotonic';

function loopbackOnly(req: Request, res: Response): boolean {
  if (isLoopback(normalizeIp(req.socket.remoteAddress))) return true;
  sendJson(res, 403, { detail: 'Drain endpoints accept loopback callers only' });
  return false;
}

export function drainRoutes(drain: DrainState): Router {
  const router = Router();
  router.post('/internal/drain/start', (req, res) => {
    if (!loopbackOnly(req, res)) return;
    const raw = req.headers[DEADLINE_HEADER];
    let deadline: number | undefined;
    if (typeof raw === 'string') {
      deadline = Number(raw);
      if (!Number.isFinite(deadline)) return sendJson(res, 400, { detail: `${DEADLINE_HEADER} must be a finite number` });
    }
    drain.start({ deadlineMonotonic: deadline, shutdown: true });
    sendJson(res, 200, {
      status: 'ok',
      checks: {
        draining: String(drain.draining),
        shutdown_committed: String(drain.shutdownCommitted),
        deadline_monotonic: drain.deadlineMonotonic === undefined ? '' : String(drain.deadlineMonotonic),
      },
    });
  });
  router.post('/internal/drain/stop', (req, res) => {
    if (!loopbackOnly(req, res)) return;
    if (!drain.stop()) return sendJson(res, 409, { detail: 'Shutdown already committed' });
    sendJson(res, 200, { status: 'ok', checks: { draining: 'false' } });
  });
  router.get('/internal/drain/status', (req, res) => {
    if (!loopbackOnly(req, res)) return;
    sendJson(res, 200, {
      status: 'ok',
      checks: { draining: String(drain.draining), shutdown_committed: String(drain.shutdownCommitted), in_flight: String(drain.inFlight) },
    });
  });
  return router;
}
