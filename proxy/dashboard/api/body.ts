/** Request helpers shared by the dashboard routes. */
import type { Request, Response } from 'express';
import { AdminError } from '../../store/admin-error.ts';
import type { AuthedSession } from '../auth/dashboard-auth.ts';

/** The JSON body as an object (an absent body is `{}`); 422 for anything else. */
export function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw AdminError.validation('Request body must be a JSON object');
  return body as Record<string, unknown>;
}

export function param(req: Request, name: string): string {
  return String(req.params[name]);
}

/** The session the router's guard found (router.ts). */
export function sessionOf(res: Response): AuthedSession {
  const session = res.locals.dashboardSession as AuthedSession | undefined;
  if (session === undefined) throw new Error('dashboard session guard not installed');
  return session;
}
