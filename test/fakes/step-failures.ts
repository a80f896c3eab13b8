/**
 * Turns a scripted error step into the reply the endpoint sends (pure). Stream-shaping steps
 * (stall, slow, disconnect, ...) are not failures and yield undefined.
 */
import type { PlanType } from './plans.ts';
import type { Step } from './scripts.ts';
import {
  insufficientQuota,
  rateLimitExceeded,
  refreshFailure,
  serverError,
  tokenRejected,
  usageLimitReached,
  type HttpFailure,
} from './upstream-errors.ts';

const DEFAULT_RESET_SECONDS = 3600;

export function failureForStep(step: Step | undefined, plan: PlanType | undefined, nowSec: number): HttpFailure | undefined {
  switch (step?.kind) {
    case 'usage_limit_reached': {
      const neither = step.resetsAt === undefined && step.resetsInSeconds === undefined;
      return usageLimitReached({
        planType: plan ?? 'plus',
        resetsAt: neither ? nowSec + DEFAULT_RESET_SECONDS : step.resetsAt,
        resetsInSeconds: neither ? DEFAULT_RESET_SECONDS : step.resetsInSeconds,
      });
    }
    case 'rate_limit_exceeded':
      return rateLimitExceeded(step.tryAgainIn ?? '20s');
    case 'insufficient_quota':
      return insufficientQuota();
    case 'unauthorized':
      return tokenRejected(step.code ?? 'token_invalidated');
    case 'server_error':
      return serverError(step.status ?? 500);
    case 'http_error':
      return { status: step.status, body: step.body ?? { detail: `scripted HTTP ${step.status}` } };
    case 'refresh_error':
      return refreshFailure(step.code, step.status);
    default:
      return undefined;
  }
}

/** The reset instant a scripted `usage_limit_reached` announces, for the rate-limit headers of that reply. */
export function usageLimitResetAt(step: Step, nowSec: number): number | undefined {
  if (step.kind !== 'usage_limit_reached') return undefined;
  return step.resetsAt ?? nowSec + (step.resetsInSeconds ?? DEFAULT_RESET_SECONDS);
}
