/** Turning what stopped an account or API-key pass into the problem its Ready condition reports. */
import { PoolBlocked, PoolReason, type PoolProblem } from '../conditions.ts';
import { AdminApiError } from './admin-http.ts';

/** The problem behind `err`, or undefined for errors that are bugs or API-server trouble (retried with backoff). */
export function problemOf(err: unknown): PoolProblem | undefined {
  if (err instanceof PoolBlocked) return err.problem;
  if (err instanceof AdminApiError) {
    if (err.kind === 'rejected') return { reason: PoolReason.AdminAPIRejected, message: `the admin API refused the request: ${err.message}` };
    const why = err.kind === 'unauthorized' ? 'refused the operator token (the pods may not have it yet)' : 'did not answer';
    return { reason: PoolReason.AdminAPIUnreachable, message: `the admin API ${why}: ${err.message}` };
  }
  return undefined;
}
