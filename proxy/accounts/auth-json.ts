/**
 * Reads a Codex CLI `~/.codex/auth.json` (reference/proxy-contract.md §4.4), snake_case or camelCase:
 * `{"tokens": {"id_token", "access_token", "refresh_token", "account_id"}, "last_refresh"}`.
 *
 * Errors name the offending field and never include a value: the input is full of live credentials.
 */
import { decodeJwtPayload, identityClaims, InvalidJwtError, type IdentityClaims } from './jwt-claims.ts';

export interface OAuthTokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface ParsedAuthJson {
  readonly tokens: OAuthTokens;
  /** `tokens.account_id`, which takes precedence over the id_token's claims. */
  readonly accountId: string | null;
  readonly lastRefreshAt: Date | null;
  readonly claims: IdentityClaims;
}

export class InvalidAuthJsonError extends Error {
  override readonly name = 'InvalidAuthJsonError';
  readonly code = 'invalid_auth_json';

  constructor(message: string) {
    super(`invalid auth.json: ${message}`);
  }
}

/** Accepts the parsed JSON value (the admin API) or its text (the CLI). */
export function parseAuthJson(input: unknown): ParsedAuthJson {
  let document = input;
  if (typeof input === 'string') {
    try {
      document = JSON.parse(input);
    } catch {
      throw new InvalidAuthJsonError('not valid JSON');
    }
  }
  if (!isObject(document)) throw new InvalidAuthJsonError('expected a JSON object');
  const tokens = document.tokens;
  if (!isObject(tokens)) throw new InvalidAuthJsonError('"tokens" must be an object');

  const idToken = requiredString(tokens, 'id_token', 'idToken');
  const accessToken = requiredString(tokens, 'access_token', 'accessToken');
  const refreshToken = requiredString(tokens, 'refresh_token', 'refreshToken');
  const accountId = optionalString(tokens, 'account_id', 'accountId');

  let claims: IdentityClaims;
  try {
    claims = identityClaims(decodeJwtPayload(idToken));
  } catch (err) {
    if (err instanceof InvalidJwtError) throw new InvalidAuthJsonError(`"tokens.id_token": ${err.message}`);
    throw err;
  }

  return {
    tokens: { idToken, accessToken, refreshToken },
    accountId,
    lastRefreshAt: lastRefresh(document),
    claims,
  };
}

function lastRefresh(document: Record<string, unknown>): Date | null {
  const raw = document.last_refresh ?? document.lastRefresh ?? document.lastRefreshAt;
  if (raw === undefined || raw === null) return null;
  const parsed = typeof raw === 'string' ? new Date(raw) : null;
  if (parsed === null || Number.isNaN(parsed.getTime())) {
    throw new InvalidAuthJsonError('"last_refresh" must be an ISO-8601 date-time');
  }
  return parsed;
}

function requiredString(source: Record<string, unknown>, snake: string, camel: string): string {
  const value = optionalString(source, snake, camel);
  if (value === null) throw new InvalidAuthJsonError(`"tokens.${snake}" is missing or empty`);
  return value;
}

function optionalString(source: Record<string, unknown>, snake: string, camel: string): string | null {
  const value = source[snake] ?? source[camel];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidAuthJsonError(`"tokens.${snake}" must be a string`);
  return value.trim() === '' ? null : value.trim();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
