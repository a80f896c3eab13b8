/**
 * Test doubles for code that consumes accounts (shipped beside the real thing, like controller-runtime's fakes).
 * Every value is visibly fake: unsigned JWTs (`alg: none`) and tokens prefixed `fake-`.
 */
import { randomBytes } from 'node:crypto';

const AUTH_NAMESPACE = 'https://api.openai.com/auth';

/** An unsigned JWT carrying `claims`. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.fake-signature`;
}

export interface FakeIdentity {
  readonly email?: string;
  readonly chatgptAccountId?: string;
  readonly planType?: string;
  readonly chatgptUserId?: string;
}

/** An id_token with the claims the Codex CLI's tokens carry. */
export function fakeIdToken(identity: FakeIdentity = {}): string {
  return fakeJwt({
    email: identity.email ?? 'someone@example.test',
    sub: 'fake-subject',
    [AUTH_NAMESPACE]: {
      chatgpt_account_id: identity.chatgptAccountId ?? 'fake-account-1',
      chatgpt_plan_type: identity.planType ?? 'plus',
      chatgpt_user_id: identity.chatgptUserId ?? 'fake-user-1',
    },
  });
}

/** A Codex CLI auth.json document with fresh fake tokens. */
export function fakeAuthJson(identity: FakeIdentity = {}, lastRefresh = '2026-05-01T10:00:00Z'): Record<string, unknown> {
  return {
    OPENAI_API_KEY: null,
    tokens: {
      id_token: fakeIdToken(identity),
      access_token: `fake-access-${randomBytes(6).toString('hex')}`,
      refresh_token: `fake-refresh-${randomBytes(6).toString('hex')}`,
      account_id: identity.chatgptAccountId ?? 'fake-account-1',
    },
    last_refresh: lastRefresh,
  };
}

/** The three secret values of an auth.json document (not `account_id`, which is an identifier). */
export function secretTokens(document: Record<string, unknown>): string[] {
  const tokens = document.tokens as Record<string, string>;
  return [tokens.id_token, tokens.access_token, tokens.refresh_token].filter((value): value is string => typeof value === 'string');
}
