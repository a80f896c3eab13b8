import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bodyDigest, ForwardSigner, type ForwardClaims } from './bridge-auth.ts';

const key = randomBytes(32);
const claims = (overrides: Partial<ForwardClaims> = {}): ForwardClaims => ({
  origin: 'pod-0',
  target: 'pod-1',
  timestamp: 1_000_000,
  nonce: randomBytes(8).toString('hex'),
  sessionKey: 'a'.repeat(64),
  context: '{"route":"codex"}',
  bodyDigest: bodyDigest('{"model":"gpt-5.4"}'),
  ...overrides,
});

describe('ForwardSigner', () => {
  it('accepts a forward signed with the shared key, addressed to itself, once', () => {
    const signed = claims();
    const signature = new ForwardSigner(key).sign(signed);
    const owner = new ForwardSigner(key);
    expect(owner.verify(signed, signature, 'pod-1', 1_000_500)).toEqual({ ok: true });
    expect(owner.verify(signed, signature, 'pod-1', 1_000_600)).toEqual({ ok: false, reason: 'replayed' });
  });

  it('refuses a forward whose body, context or session was changed after signing', () => {
    const signed = claims();
    const signature = new ForwardSigner(key).sign(signed);
    const owner = new ForwardSigner(key);
    for (const changed of [{ bodyDigest: bodyDigest('{}') }, { context: '{"route":"openai"}' }, { sessionKey: 'b'.repeat(64) }, { origin: 'pod-2' }]) {
      expect(owner.verify({ ...signed, ...changed }, signature, 'pod-1', 1_000_000)).toEqual({ ok: false, reason: 'signature' });
    }
  });

  it('refuses a signature made with another key, and garbage', () => {
    const signed = claims();
    const owner = new ForwardSigner(key);
    expect(owner.verify(signed, new ForwardSigner(randomBytes(32)).sign(signed), 'pod-1', 1_000_000).ok).toBe(false);
    expect(owner.verify(signed, 'not-a-signature', 'pod-1', 1_000_000)).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses a forward meant for another replica, or signed too long ago or in the future', () => {
    const signer = new ForwardSigner(key, { maxAgeMs: 60_000 });
    const stale = claims();
    expect(signer.verify(stale, signer.sign(stale), 'pod-2', 1_000_000)).toEqual({ ok: false, reason: 'target' });
    expect(signer.verify(stale, signer.sign(stale), 'pod-1', 1_060_001)).toEqual({ ok: false, reason: 'expired' });
    expect(signer.verify(stale, signer.sign(stale), 'pod-1', 939_999)).toEqual({ ok: false, reason: 'expired' });
  });

  it('remembers a bounded number of nonces', () => {
    const owner = new ForwardSigner(key, { maxRemembered: 2 });
    for (let i = 0; i < 5; i++) {
      const signed = claims();
      expect(owner.verify(signed, owner.sign(signed), 'pod-1', 1_000_000).ok).toBe(true);
    }
  });
});
