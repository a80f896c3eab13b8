import { describe, expect, it } from 'vitest';
import { decodeJwtPayload, identityClaims, InvalidJwtError } from './jwt-claims.ts';
import { fakeJwt } from './testing.ts';

const AUTH = 'https://api.openai.com/auth';

describe('decodeJwtPayload', () => {
  it('decodes the payload without checking the signature', () => {
    expect(decodeJwtPayload(fakeJwt({ email: 'a@example.test' }))).toEqual({ email: 'a@example.test' });
  });

  it.each([
    ['not-a-jwt', 'not a JWT (expected three dot-separated parts)'],
    ['a..c', 'not a JWT (expected three dot-separated parts)'],
    ['a.%%%.c', 'JWT payload is not base64url-encoded JSON'],
    [`a.${Buffer.from('[1]').toString('base64url')}.c`, 'JWT payload is not a JSON object'],
  ])('rejects %j', (jwt, message) => {
    expect(() => decodeJwtPayload(jwt)).toThrow(new InvalidJwtError(message));
  });
});

describe('identityClaims', () => {
  it('reads the auth namespace first, then top-level claims', () => {
    const claims = identityClaims({
      email: 'a@example.test',
      sub: 'fake-sub',
      chatgpt_account_id: 'top-level-account',
      chatgpt_plan_type: 'free',
      exp: 1_800_000_000,
      [AUTH]: { chatgpt_account_id: 'ns-account', chatgpt_plan_type: 'Pro', user_id: 'fake-user', workspace_name: 'Team A', entitlement_type: 'Seat-Business' },
    });
    expect(claims).toEqual({
      email: 'a@example.test',
      subject: 'fake-sub',
      chatgptAccountId: 'ns-account',
      chatgptUserId: 'fake-user',
      planType: 'pro',
      workspaceId: null,
      workspaceLabel: 'Team A',
      seatType: 'seat_business',
      expiresAt: 1_800_000_000,
    });
  });

  it('falls back to top-level claims and to `sub` for the user id', () => {
    const claims = identityClaims({ sub: 'fake-sub', chatgpt_account_id: 'top', chatgpt_plan_type: 'plus' });
    expect(claims.chatgptAccountId).toBe('top');
    expect(claims.planType).toBe('plus');
    expect(claims.chatgptUserId).toBe('fake-sub');
    expect(claims.email).toBeNull();
  });

  it.each(['organization_id', 'org_id', 'tenant_id', 'chatgpt_workspace_id'])('reads the workspace id alias %s', (alias) => {
    expect(identityClaims({ [AUTH]: { [alias]: 'ws-1' } }).workspaceId).toBe('ws-1');
  });
});
