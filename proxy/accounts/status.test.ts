import { describe, expect, it } from 'vitest';
import type { UsageSnapshot } from '../usage/usage-snapshot.ts';
import {
  applyEvent,
  DEFAULT_QUOTA_BLOCK_MS,
  effectiveStatus,
  isRoutable,
  MIN_BLOCK_MS,
  permanentFailureFor,
  type StatusState,
} from './status.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const at = (offsetMs: number): Date => new Date(NOW.getTime() + offsetMs);

const state = (overrides: Partial<StatusState> = {}): StatusState => ({
  status: 'active',
  statusReason: null,
  resetAt: null,
  blockedAt: null,
  lastErrorCode: null,
  lastErrorAt: null,
  ...overrides,
});

const usage = (primary: number | null, secondary: number | null, extra: Partial<UsageSnapshot> = {}): UsageSnapshot => ({
  primary: primary === null ? null : { usedPercent: primary, windowMinutes: 300, resetAt: at(3_600_000) },
  secondary: secondary === null ? null : { usedPercent: secondary, windowMinutes: 10_080, resetAt: at(86_400_000) },
  monthly: null,
  credits: null,
  ...extra,
});

describe('permanentFailureFor (§5.3)', () => {
  it.each([
    'refresh_token_expired',
    'refresh_token_reused',
    'refresh_token_invalidated',
    'invalid_grant',
    'token_invalidated',
    'token_expired',
    'app_session_terminated',
    'account_session_expired',
    'account_auth_invalidated',
  ])('sends %s to reauth_required', (code) => {
    expect(permanentFailureFor(code)?.status).toBe('reauth_required');
  });

  it.each(['account_deactivated', 'account_suspended', 'account_deleted'])('sends %s to deactivated', (code) => {
    expect(permanentFailureFor(code)?.status).toBe('deactivated');
  });

  it.each(['transport_error', 'http_500', 'invalid_response', 'refresh_claim_timeout'])('treats %s as transient', (code) => {
    expect(permanentFailureFor(code)).toBeNull();
  });

  it('gives invalid_grant its fixed reason', () => {
    expect(permanentFailureFor('invalid_grant')?.reason).toBe('Refresh token grant invalid - re-login required');
  });
});

describe('applyEvent', () => {
  it('blocks a rate-limited account until the reset upstream gave', () => {
    const next = applyEvent(state(), { type: 'rate_limited', resetAt: at(600_000) }, NOW);
    expect(next).toMatchObject({ status: 'rate_limited', resetAt: at(600_000), blockedAt: NOW });
  });

  it('never persists a block shorter than the floor', () => {
    expect(applyEvent(state(), { type: 'rate_limited', resetAt: at(1000) }, NOW).resetAt).toEqual(at(MIN_BLOCK_MS));
    expect(applyEvent(state(), { type: 'rate_limited', resetAt: null }, NOW).resetAt).toEqual(at(MIN_BLOCK_MS));
  });

  it('blocks quota exhaustion for an hour when upstream gives no reset', () => {
    expect(applyEvent(state(), { type: 'quota_exceeded', resetAt: null }, NOW)).toMatchObject({
      status: 'quota_exceeded',
      resetAt: at(DEFAULT_QUOTA_BLOCK_MS),
    });
  });

  it('moves permanent auth failures to reauth_required with the reason', () => {
    const next = applyEvent(state(), { type: 'auth_failed', code: 'refresh_token_reused' }, NOW);
    expect(next).toMatchObject({
      status: 'reauth_required',
      statusReason: 'Refresh token was already used - re-login required',
      lastErrorCode: 'refresh_token_reused',
    });
  });

  it('only records transient failures', () => {
    const next = applyEvent(state(), { type: 'auth_failed', code: 'http_503' }, NOW);
    expect(next).toMatchObject({ status: 'active', lastErrorCode: 'http_503', lastErrorAt: NOW });
  });

  it('keeps a deactivated account deactivated on later auth failures', () => {
    const deactivated = state({ status: 'deactivated', statusReason: 'Account deactivated upstream' });
    expect(applyEvent(deactivated, { type: 'auth_failed', code: 'invalid_grant' }, NOW).status).toBe('deactivated');
  });

  it('does not let a rate limit override a pause or an auth failure', () => {
    for (const status of ['paused', 'reauth_required', 'deactivated'] as const) {
      expect(applyEvent(state({ status }), { type: 'rate_limited', resetAt: null }, NOW).status).toBe(status);
    }
  });

  it('resumes only paused accounts', () => {
    expect(applyEvent(state({ status: 'paused' }), { type: 'resumed' }, NOW).status).toBe('active');
    expect(applyEvent(state({ status: 'reauth_required' }), { type: 'resumed' }, NOW).status).toBe('reauth_required');
  });

  it('lets a re-import cure auth failures and blocks but not a pause', () => {
    const reauth = state({ status: 'reauth_required', statusReason: 'x' });
    expect(applyEvent(reauth, { type: 'reimported' }, NOW)).toMatchObject({ status: 'active', statusReason: null });
    expect(applyEvent(state({ status: 'paused' }), { type: 'reimported' }, NOW).status).toBe('paused');
  });

  describe('usage observations (§7.1, §8.1)', () => {
    it('marks an exhausted weekly window quota_exceeded until its reset', () => {
      expect(applyEvent(state(), { type: 'usage_observed', usage: usage(20, 100) }, NOW)).toMatchObject({
        status: 'quota_exceeded',
        resetAt: at(86_400_000),
      });
    });

    it('lets spare credits keep an exhausted weekly window usable', () => {
      const withCredits = usage(20, 100, { credits: { hasCredits: true, unlimited: false, balance: 5 } });
      expect(applyEvent(state(), { type: 'usage_observed', usage: withCredits }, NOW).status).toBe('active');
    });

    it('marks an exhausted 5 h window rate_limited', () => {
      expect(applyEvent(state(), { type: 'usage_observed', usage: usage(100, 50) }, NOW)).toMatchObject({
        status: 'rate_limited',
        resetAt: at(3_600_000),
      });
    });

    it('lifts a block once a later observation shows room, after the floor', () => {
      const blocked = state({ status: 'rate_limited', resetAt: at(600_000), blockedAt: at(-MIN_BLOCK_MS) });
      expect(applyEvent(blocked, { type: 'usage_observed', usage: usage(10, 10) }, NOW).status).toBe('active');
      const fresh = state({ status: 'rate_limited', resetAt: at(600_000), blockedAt: at(-1000) });
      expect(applyEvent(fresh, { type: 'usage_observed', usage: usage(10, 10) }, NOW).status).toBe('rate_limited');
    });

    it('keeps the start of a block that is observed again', () => {
      const blocked = state({ status: 'quota_exceeded', resetAt: at(60_000), blockedAt: at(-5000) });
      expect(applyEvent(blocked, { type: 'usage_observed', usage: usage(0, 100) }, NOW).blockedAt).toEqual(at(-5000));
    });
  });
});

describe('isRoutable and effectiveStatus', () => {
  it('routes active accounts and blocks whose reset has passed', () => {
    expect(isRoutable(state(), NOW)).toBe(true);
    expect(isRoutable(state({ status: 'rate_limited', resetAt: at(-1) }), NOW)).toBe(true);
    expect(isRoutable(state({ status: 'quota_exceeded', resetAt: at(1000) }), NOW)).toBe(false);
    expect(isRoutable(state({ status: 'paused' }), NOW)).toBe(false);
    expect(isRoutable(state({ status: 'reauth_required' }), NOW)).toBe(false);
  });

  it('shows an expired block as active', () => {
    expect(effectiveStatus(state({ status: 'rate_limited', resetAt: at(-1) }), NOW)).toBe('active');
    expect(effectiveStatus(state({ status: 'rate_limited', resetAt: at(1) }), NOW)).toBe('rate_limited');
  });
});
