/**
 * Authentication between replicas for owner forwarding (reference/proxy-contract.md §11.4): the
 * origin signs what it forwards with HMAC-SHA256 under a key every replica derives from the shared
 * encryption key (TokenCipher.deriveKey), and the owner checks the signature, the addressee, the age
 * and that the same forward was not seen before. The client's own credential is never what
 * authenticates one pod to another.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The HKDF label of the forwarding key. */
export const BRIDGE_KEY_PURPOSE = 'codex-lb bridge forward v1';

/** What a forward asserts; every field is covered by the signature. */
export interface ForwardClaims {
  /** Instance id of the replica that received the client's request. */
  origin: string;
  /** Instance id of the replica it is meant for. */
  target: string;
  /** Epoch ms when it was signed. */
  timestamp: number;
  /** Unique per forward: a recorded forward cannot be replayed. */
  nonce: string;
  /** The session key id (session-key.ts). */
  sessionKey: string;
  /** Serialized turn context (bridge-wire.ts). */
  context: string;
  /** sha256 hex of the exact body bytes. */
  bodyDigest: string;
}

export function bodyDigest(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

function canonical(claims: ForwardClaims): string {
  // Fixed field order; JSON escaping keeps field boundaries unambiguous.
  return JSON.stringify([
    'codex-lb-bridge-forward/1',
    claims.origin,
    claims.target,
    claims.timestamp,
    claims.nonce,
    claims.sessionKey,
    claims.context,
    claims.bodyDigest,
  ]);
}

export type Verdict = { ok: true } | { ok: false; reason: 'signature' | 'target' | 'expired' | 'replayed' };

export class ForwardSigner {
  readonly #key: Buffer;
  readonly #maxAgeMs: number;
  /** Nonces seen within the acceptance window, oldest first. */
  readonly #seen = new Map<string, number>();
  readonly #maxRemembered: number;

  constructor(key: Buffer, options: { maxAgeMs?: number; maxRemembered?: number } = {}) {
    this.#key = key;
    this.#maxAgeMs = options.maxAgeMs ?? 120_000;
    this.#maxRemembered = options.maxRemembered ?? 100_000;
  }

  /** Whether a forward signed at `timestamp` may still be accepted at `now` (checked again by verify()). */
  isFresh(timestamp: number, now: number): boolean {
    return Math.abs(now - timestamp) <= this.#maxAgeMs;
  }

  sign(claims: ForwardClaims): string {
    return createHmac('sha256', this.#key).update(canonical(claims)).digest('base64url');
  }

  /** Checks a received forward addressed to `self` at `now` (epoch ms), and remembers its nonce. */
  verify(claims: ForwardClaims, signature: string, self: string, now: number): Verdict {
    const expected = Buffer.from(this.sign(claims), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
    if (claims.target !== self) return { ok: false, reason: 'target' };
    if (!this.isFresh(claims.timestamp, now)) return { ok: false, reason: 'expired' };
    this.#forgetOld(now);
    if (this.#seen.has(claims.nonce)) return { ok: false, reason: 'replayed' };
    this.#seen.set(claims.nonce, claims.timestamp);
    return { ok: true };
  }

  #forgetOld(now: number): void {
    for (const [nonce, at] of this.#seen) {
      if (now - at <= this.#maxAgeMs && this.#seen.size < this.#maxRemembered) break;
      this.#seen.delete(nonce);
    }
  }
}
