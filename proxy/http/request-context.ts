/** Per-request facts established by middleware and read by handlers (kept on `res.locals`). */
import type { Response } from 'express';
import type { VerifiedApiKey } from './ports.ts';

export interface RequestContext {
  /** Inbound `x-request-id` (else `request-id`, else a new uuid); echoed on the response. */
  requestId: string;
  /** Resolved per §10; undefined when a forwarding chain could not be read. */
  clientIp: string | undefined;
  /** Epoch ms when the request arrived. */
  startedAt: number;
  /** The caller's API key, when one was presented and required. */
  apiKey: VerifiedApiKey | undefined;
}

export function contextOf(res: Response): RequestContext {
  const ctx = res.locals.ctx as RequestContext | undefined;
  if (!ctx) throw new Error('request context missing: request-id middleware not installed');
  return ctx;
}
