/**
 * The drain barrier (§11.7): counts in-flight requests, and once draining refuses new ones with 503
 * "Server is draining" — except liveness and the drain endpoints, which the preStop hook needs, and
 * turns other replicas forward (the bridge route serves sessions this replica still holds, and refuses
 * new ones itself, so the sender can serve them elsewhere).
 */
import type { NextFunction, Request, Response } from 'express';
import type { DrainState } from '../../cluster/drain.ts';
import { DRAINING_BODY } from '../../errors/catalogue.ts';
import { sendJson } from '../send-error.ts';
import { whenClosed } from '../when-closed.ts';

const UNCOUNTED = ['/health', '/internal/drain/'];
const ALLOWED_WHILE_DRAINING = ['/health/live', '/health', '/internal/drain/', '/internal/bridge/'];

function matches(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p || path.startsWith(`${p}/`)));
}

export function drainGate(drain: DrainState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const path = req.path;
    if (drain.draining && !matches(path, ALLOWED_WHILE_DRAINING)) {
      sendJson(res, 503, DRAINING_BODY);
      return;
    }
    if (!matches(path, UNCOUNTED)) {
      const leave = drain.enter();
      whenClosed(res, leave);
    }
    next();
  };
}
