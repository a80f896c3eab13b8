import { describe, expect, it } from 'vitest';
import { InvalidAuthJsonError, parseAuthJson } from './auth-json.ts';
import { fakeAuthJson, fakeIdToken, secretTokens } from './testing.ts';

describe('parseAuthJson', () => {
  it('reads the Codex CLI snake_case form with its claims', () => {
    const document = fakeAuthJson({ email: 'dev@example.test', chatgptAccountId: 'acct-1', planType: 'team' });
    const parsed = parseAuthJson(document);
    const tokens = document.tokens as Record<string, string>;
    expect(parsed.tokens).toEqual({ idToken: tokens.id_token, accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
    expect(parsed.accountId).toBe('acct-1');
    expect(parsed.lastRefreshAt).toEqual(new Date('2026-05-01T10:00:00Z'));
    expect(parsed.claims.email).toBe('dev@example.test');
    expect(parsed.claims.planType).toBe('team');
  });

  it('reads the camelCase aliases and JSON text', () => {
    const parsed = parseAuthJson(
      JSON.stringify({
        tokens: { idToken: fakeIdToken(), accessToken: 'fake-access', refreshToken: 'fake-refresh', accountId: 'acct-2' },
        lastRefreshAt: '2026-01-02T03:04:05Z',
      }),
    );
    expect(parsed.accountId).toBe('acct-2');
    expect(parsed.tokens.refreshToken).toBe('fake-refresh');
    expect(parsed.lastRefreshAt).toEqual(new Date('2026-01-02T03:04:05Z'));
  });

  it('treats a missing last_refresh as unknown', () => {
    const { last_refresh: _omitted, ...document } = fakeAuthJson();
    expect(parseAuthJson(document).lastRefreshAt).toBeNull();
  });

  const valid = (): Record<string, unknown> => fakeAuthJson();
  const withTokens = (patch: Record<string, unknown>): Record<string, unknown> => {
    const document = valid();
    return { ...document, tokens: { ...(document.tokens as object), ...patch } };
  };

  it.each([
    ['text that is not JSON', '{"tokens": ', 'invalid auth.json: not valid JSON'],
    ['an array', [], 'invalid auth.json: expected a JSON object'],
    ['no tokens object', { OPENAI_API_KEY: 'sk-fake' }, 'invalid auth.json: "tokens" must be an object'],
    ['no refresh token', withTokens({ refresh_token: undefined }), 'invalid auth.json: "tokens.refresh_token" is missing or empty'],
    ['an empty access token', withTokens({ access_token: '  ' }), 'invalid auth.json: "tokens.access_token" is missing or empty'],
    ['a numeric id token', withTokens({ id_token: 42 }), 'invalid auth.json: "tokens.id_token" must be a string'],
    ['an id token that is no JWT', withTokens({ id_token: 'fake-opaque-id-token' }), 'invalid auth.json: "tokens.id_token": not a JWT (expected three dot-separated parts)'],
    ['a bad last_refresh', { ...valid(), last_refresh: 'yesterday' }, 'invalid auth.json: "last_refresh" must be an ISO-8601 date-time'],
  ])('rejects %s with a message naming the field', (_case, input, message) => {
    expect(() => parseAuthJson(input)).toThrow(new InvalidAuthJsonError(message.replace('invalid auth.json: ', '')));
  });

  it('never puts token values in its errors', () => {
    const document = withTokens({ id_token: 'fake-secret-id-token-value' });
    let message = '';
    try {
      parseAuthJson(document);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('tokens.id_token');
    for (const value of secretTokens(document)) expect(message).not.toContain(value);
  });
});
