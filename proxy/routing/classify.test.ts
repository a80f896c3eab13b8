import { describe, expect, it } from 'vitest';
import type { UpstreamFailure } from '../errors/catalogue.ts';
import { allowsFailover, classifyFailure, isServerSideFailure, retriesOnSameAccount, type FailureClass } from './classify.ts';

function failure(code: string, status?: number, message = 'x'): UpstreamFailure {
  return { code, status, type: 'server_error', message };
}

describe('classifyFailure', () => {
  const table: Array<[string, number | undefined, FailureClass]> = [
    ['usage_limit_reached', 429, 'rate_limit'],
    ['rate_limit_exceeded', undefined, 'rate_limit'],
    ['http_429', 429, 'rate_limit'],
    ['insufficient_quota', 429, 'quota'],
    ['usage_not_included', 403, 'quota'],
    ['quota_exceeded', undefined, 'quota'],
    ['token_expired', 401, 'unauthorized'],
    ['invalid_api_key', 401, 'unauthorized'],
    ['refresh_token_reused', 400, 'reauth'],
    ['account_deactivated', 401, 'deactivated'],
    ['account_suspended', 403, 'deactivated'],
    ['server_error', undefined, 'transient'],
    ['http_502', 502, 'transient'],
    ['overloaded_error', undefined, 'transient'],
    ['stream_incomplete', undefined, 'transient'],
    ['stream_idle_timeout', undefined, 'neutral'],
    ['upstream_stalled', undefined, 'transient'],
    ['invalid_request_error', 400, 'neutral'],
    ['context_length_exceeded', 400, 'neutral'],
    ['content_filter', undefined, 'fatal'],
  ];
  it.each(table)('%s (HTTP %s) is %s', (code, status, expected) => {
    expect(classifyFailure(failure(code, status))).toBe(expected);
  });

  it('treats "selected model is at capacity" as transient whatever the code', () => {
    expect(classifyFailure(failure('model_error', undefined, 'The selected model is at capacity. Please try a different model.'))).toBe('transient');
  });
});

describe('allowsFailover', () => {
  it('moves to another account for account-specific trouble only', () => {
    expect(allowsFailover('rate_limit')).toBe(true);
    expect(allowsFailover('quota')).toBe(true);
    expect(allowsFailover('transient')).toBe(true);
    expect(allowsFailover('reauth')).toBe(true);
    expect(allowsFailover('neutral')).toBe(false);
    expect(allowsFailover('fatal')).toBe(false);
  });
});

describe('a stall (no first event within the deadline)', () => {
  it('is the account’s fault, a server-side failure for its circuit, and not retried on the same account', () => {
    const stall = failure('upstream_stalled');
    expect(classifyFailure(stall)).toBe('transient');
    expect(isServerSideFailure(stall)).toBe(true);
    expect(retriesOnSameAccount(stall)).toBe(false);
    expect(retriesOnSameAccount(failure('server_error', 500))).toBe(true);
  });
});
