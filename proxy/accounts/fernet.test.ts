import { describe, expect, it } from 'vitest';
import vectors from './fernet-vectors.json' with { type: 'json' };
import { FernetError, fernetDecrypt, fernetEncrypt, generateFernetKey, parseFernetKey } from './fernet.ts';

describe('Fernet against the fernet/spec test vectors', () => {
  it.each(vectors.generate)('generates the spec token for $src', (vector) => {
    const token = fernetEncrypt(parseFernetKey(vector.secret), vector.src, {
      now: new Date(vector.now),
      iv: Uint8Array.from(vector.iv),
    });
    expect(token).toBe(vector.token);
  });

  it.each(vectors.verify)('verifies the spec token to $src', (vector) => {
    const plaintext = fernetDecrypt(parseFernetKey(vector.secret), vector.token, {
      ttlSeconds: vector.ttl_sec,
      now: new Date(vector.now),
    });
    expect(plaintext.toString('utf8')).toBe(vector.src);
  });

  it.each(vectors.invalid)('rejects a token with $desc', (vector) => {
    const decrypt = (): Buffer =>
      fernetDecrypt(parseFernetKey(vector.secret), vector.token, { ttlSeconds: vector.ttl_sec, now: new Date(vector.now) });
    expect(decrypt).toThrow(FernetError);
  });
});

describe('Fernet in use', () => {
  const key = parseFernetKey(generateFernetKey());

  it('round-trips arbitrary bytes, not only text', () => {
    const bytes = Uint8Array.from([0, 255, 128, 10, 13]);
    expect([...fernetDecrypt(key, fernetEncrypt(key, bytes))]).toEqual([...bytes]);
  });

  it('reads stored tokens of any age when no TTL is given', () => {
    const token = fernetEncrypt(key, 'fake-refresh-token', { now: new Date('2001-01-01T00:00:00Z') });
    expect(fernetDecrypt(key, token).toString()).toBe('fake-refresh-token');
  });

  it('draws a fresh IV per token', () => {
    expect(fernetEncrypt(key, 'same')).not.toBe(fernetEncrypt(key, 'same'));
  });

  it('refuses a token made with another key without echoing the token', () => {
    const token = fernetEncrypt(parseFernetKey(generateFernetKey()), 'fake-secret-value');
    expect(() => fernetDecrypt(key, token)).toThrow('invalid Fernet token: HMAC mismatch (wrong key or altered token)');
    try {
      fernetDecrypt(key, token);
    } catch (err) {
      expect((err as Error).message).not.toContain(token);
    }
  });

  it('generates keys in the 44-character form Python produces', () => {
    expect(generateFernetKey()).toMatch(/^[A-Za-z0-9_-]{43}=$/);
  });

  it.each(['', 'short', 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=extra', '+/+/'.repeat(11)])(
    'rejects the malformed key %j',
    (encoded) => {
      expect(() => parseFernetKey(encoded)).toThrow('not a Fernet key: expected 32 bytes in URL-safe base64');
    },
  );
});
