import { describe, expect, it } from 'vitest';
import { REDACTED, redactField, redactText, redactValue } from './redact.ts';

describe('redactText', () => {
  it.each([
    ['Authorization: Bearer eyJabc.def.ghi failed', `Authorization: Bearer ${REDACTED} failed`],
    ['key sk-clb-AbC_123-xyz rejected', `key sk-clb-${REDACTED} rejected`],
    ['token eyJhbGciOi.eyJzdWIi.sig-nature in message', `token ${REDACTED} in message`],
    ['postgresql://codex:hunter2@db:5432/lb', `postgresql://codex:${REDACTED}@db:5432/lb`],
  ])('%s', (input, output) => {
    expect(redactText(input)).toBe(output);
  });

  it('leaves ordinary text alone', () => {
    expect(redactText('upstream answered HTTP 429 usage_limit_reached')).toBe('upstream answered HTTP 429 usage_limit_reached');
  });
});

describe('redactValue', () => {
  it('masks secret-named fields at any depth and secret-shaped strings anywhere', () => {
    expect(
      redactValue({ accessToken: 'x', nested: { refresh_token: 'y', ok: 1, note: 'Bearer zzz' }, list: [{ apiKey: 'k' }], flag: { password: true } }),
    ).toEqual({ accessToken: REDACTED, nested: { refresh_token: REDACTED, ok: 1, note: `Bearer ${REDACTED}` }, list: [{ apiKey: REDACTED }], flag: { password: true } });
  });

  it('keeps an error readable without its secrets', () => {
    expect(redactValue(new Error('refresh failed for Bearer abc'))).toMatchObject({ name: 'Error', message: `refresh failed for Bearer ${REDACTED}` });
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactValue(a)).toEqual({ name: 'a', self: '[Truncated]' });
  });
});

describe('redactField', () => {
  it('masks by field name, else by content', () => {
    expect(redactField('authorization', 'anything')).toBe(REDACTED);
    expect(redactField('detail', 'sk-clb-abc')).toBe(`sk-clb-${REDACTED}`);
  });
});
