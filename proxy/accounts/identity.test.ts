import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accountIdentity, internalAccountId, UNKNOWN_EMAIL } from './identity.ts';
import type { IdentityClaims } from './jwt-claims.ts';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

const claims = (overrides: Partial<IdentityClaims> = {}): IdentityClaims => ({
  email: 'dev@example.test',
  subject: 'fake-sub',
  chatgptAccountId: 'acct-claims',
  chatgptUserId: 'fake-user',
  planType: 'plus',
  workspaceId: null,
  workspaceLabel: null,
  seatType: null,
  expiresAt: null,
  ...overrides,
});

describe('internalAccountId', () => {
  it('keys a workspace seat by account and workspace', () => {
    expect(internalAccountId('acct', 'ws-1', 'dev@example.test')).toBe(`acct_${sha('ws-1').slice(0, 8)}`);
  });

  it('keys by account and email without a workspace', () => {
    expect(internalAccountId('acct', null, 'dev@example.test')).toBe(`acct_${sha('dev@example.test').slice(0, 8)}`);
  });

  it('uses the bare account id when nothing else identifies the seat', () => {
    expect(internalAccountId('acct', null, UNKNOWN_EMAIL)).toBe('acct');
  });

  it('makes synthetic ids without an account id', () => {
    expect(internalAccountId(null, null, 'dev@example.test')).toBe(`email_${sha('dev@example.test').slice(0, 12)}`);
    expect(internalAccountId(null, null, UNKNOWN_EMAIL)).toMatch(/^local_[0-9a-f]{12}$/);
  });

  it('is stable, so re-importing the same seat finds the same row', () => {
    expect(internalAccountId('acct', 'ws', 'x@example.test')).toBe(internalAccountId('acct', 'ws', 'x@example.test'));
  });
});

describe('accountIdentity', () => {
  it('prefers auth.json tokens.account_id over the claims', () => {
    expect(accountIdentity(claims(), 'acct-explicit').chatgptAccountId).toBe('acct-explicit');
  });

  it('defaults email and plan when the token has none', () => {
    const identity = accountIdentity(claims({ email: null, planType: null }), null);
    expect(identity.email).toBe(UNKNOWN_EMAIL);
    expect(identity.planType).toBe('unknown');
    expect(identity.id).toBe('acct-claims');
  });
});
