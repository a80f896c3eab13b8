/**
 * How failures that are not catalogue errors reach a client (the catalogue itself is
 * proxy/errors/catalogue.ts): an API-key refusal from the data layer and a database outage become their
 * catalogue errors; anything else is a 500 that reveals nothing.
 */
import { ApiKeyError } from '../apikeys/errors.ts';
import { databaseUnavailable, internalError, ProxyError } from '../errors/catalogue.ts';
import { isDatabaseUnavailable } from '../store/errors.ts';

/** Any thrown value as a ProxyError; unknown failures become a 500 that reveals nothing. */
export function asProxyError(err: unknown): ProxyError {
  return knownProxyError(err) ?? internalError();
}

/** Like asProxyError, but undefined for values that are not a known client-facing error. */
export function knownProxyError(err: unknown): ProxyError | undefined {
  if (err instanceof ProxyError) return err;
  // The data layer's API-key refusals carry the same four fields (proxy/apikeys/errors.ts).
  if (err instanceof ApiKeyError) return new ProxyError({ status: err.status, code: err.code, type: err.type, message: err.message });
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  return undefined;
}
