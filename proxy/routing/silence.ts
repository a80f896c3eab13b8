/**
 * The limits on an upstream attempt's silence before its first real event (README "Stalled
 * upstreams"): the request budget, the first-event deadline and the idle timeout. Pure, so the
 * order in which they win is a table, not a race.
 */
import { streamIdleTimeout, upstreamRequestTimeout, upstreamStalled, type ProxyError } from '../errors/catalogue.ts';

/** Epoch ms. */
export interface SilenceBounds {
  firstEventBy: number;
  deadline: number;
  idleBy(lastActivity: number): number;
  /** The first-event deadline as configured (named in the stall error). */
  firstEventTimeoutMs: number;
}

export function silenceBounds(
  request: { firstEventTimeoutMs: number; idleTimeoutMs: number; deadline: number },
  started: number,
): SilenceBounds {
  const { idleTimeoutMs } = request;
  return {
    firstEventBy: started + request.firstEventTimeoutMs,
    deadline: request.deadline,
    idleBy: (lastActivity) => lastActivity + idleTimeoutMs,
    firstEventTimeoutMs: request.firstEventTimeoutMs,
  };
}

/** When the attempt next has to be looked at, given its last sign of life. */
export function nextSilenceCheck(bounds: SilenceBounds, lastActivity: number): number {
  return Math.min(bounds.firstEventBy, bounds.idleBy(lastActivity), bounds.deadline);
}

/**
 * Which limit the silence ran into, if any: the budget (the whole request is over; neutral), the
 * first-event deadline (a stall: the account's fault), or the idle timeout (neutral) — in that order
 * when several fall together.
 */
export function silenceVerdict(bounds: SilenceBounds, now: number, lastActivity: number): ProxyError | undefined {
  if (now >= bounds.deadline) return upstreamRequestTimeout();
  if (now >= bounds.firstEventBy) return upstreamStalled(bounds.firstEventTimeoutMs);
  if (now >= bounds.idleBy(lastActivity)) return streamIdleTimeout();
  return undefined;
}
