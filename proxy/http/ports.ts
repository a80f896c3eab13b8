/**
 * What the HTTP layer needs from the data layer besides routing (routing/ports.ts): the structural
 * slices of proxy/apikeys and proxy/usage it calls, so tests may substitute any implementation with
 * the same shape.
 */
import type { ApiKeyService } from '../apikeys/api-key-service.ts';
import type { RequestLogWriter } from '../usage/request-log.ts';

export type { VerifiedApiKey, Reservation } from '../apikeys/api-key-service.ts';
export type { RequestLogEntry } from '../usage/request-log.ts';

export type ApiKeys = Pick<ApiKeyService, 'verify' | 'assertModelAllowed' | 'reserve' | 'settle' | 'release'>;

export type RequestLog = Pick<RequestLogWriter, 'write'>;

export interface FirewallAllowlist {
  /** Client IPs or CIDRs allowed on proxy routes; empty = allow everyone (§10). */
  allowed(): Promise<readonly string[]>;
}
