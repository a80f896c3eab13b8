/**
 * Fernet (https://github.com/fernet/spec, version 0x80), byte-compatible with Python `cryptography.fernet`, which is
 * what upstream codex-lb uses for stored OAuth tokens.
 *
 * Implemented on node:crypto rather than the npm `fernet` package. Run against the spec's own test vectors
 * (fernet-vectors.json) that package accepts 6 of the 10 invalid tokens: it checks neither the CBC padding nor the
 * ciphertext block size, ignores trailing data and characters outside base64url, and its decode has no way to
 * take "now", so the far-future/TTL vectors cannot be checked either. It also depends on crypto-js 3.1 (no longer
 * maintained), patches `String.prototype`, returns plaintext as a UTF-8 string rather than bytes, and rejects every
 * token older than 60 s unless told `ttl: 0`. The format is small enough that owning it is the safer choice.
 *
 * Token = base64url(0x80 ‖ timestamp u64 BE ‖ IV[16] ‖ AES-128-CBC(PKCS#7) ciphertext ‖ HMAC-SHA256[32]), with the
 * HMAC over everything before it. Key = base64url(signing key[16] ‖ encryption key[16]).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 0x80;
const HEADER = 1 + 8 + 16;
const HMAC_LENGTH = 32;
const BLOCK = 16;
/** Python's `_MAX_CLOCK_SKEW`: a token may claim to be at most this far in the future (checked with a TTL). */
const MAX_CLOCK_SKEW_SECONDS = 60;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

export interface FernetKey {
  readonly signingKey: Buffer;
  readonly encryptionKey: Buffer;
}

/** Why a token was refused. The message never contains the token. */
export class FernetError extends Error {
  override readonly name = 'FernetError';
  readonly code = 'invalid_fernet_token';

  constructor(reason: string) {
    super(`invalid Fernet token: ${reason}`);
  }
}

/** A fresh random key in Python's `Fernet.generate_key()` form (44 characters, padded base64url). */
export function generateFernetKey(): string {
  return toPaddedBase64url(randomBytes(32));
}

/** Parses a key; the error message never contains the key. */
export function parseFernetKey(encoded: string): FernetKey {
  const raw = decodeBase64url(encoded.trim());
  if (raw === null || raw.length !== 32) {
    throw new Error('not a Fernet key: expected 32 bytes in URL-safe base64');
  }
  return { signingKey: raw.subarray(0, 16), encryptionKey: raw.subarray(16) };
}

export interface EncryptOptions {
  /** @default new Date() */
  readonly now?: Date;
  /** Only for reproducing test vectors; a random IV is drawn otherwise. */
  readonly iv?: Uint8Array;
}

export function fernetEncrypt(key: FernetKey, plaintext: Uint8Array | string, options: EncryptOptions = {}): string {
  const iv = options.iv === undefined ? randomBytes(BLOCK) : Buffer.from(options.iv);
  if (iv.length !== BLOCK) throw new Error('Fernet IV must be 16 bytes');
  const header = Buffer.alloc(HEADER);
  header.writeUInt8(VERSION, 0);
  header.writeBigUInt64BE(BigInt(Math.floor((options.now ?? new Date()).getTime() / 1000)), 1);
  iv.copy(header, 9);
  const cipher = createCipheriv('aes-128-cbc', key.encryptionKey, iv);
  const body = Buffer.concat([header, cipher.update(plaintext), cipher.final()]);
  const mac = createHmac('sha256', key.signingKey).update(body).digest();
  return toPaddedBase64url(Buffer.concat([body, mac]));
}

export interface DecryptOptions {
  /** Maximum token age; omitted = any age (how stored tokens are read). */
  readonly ttlSeconds?: number;
  /** @default new Date() */
  readonly now?: Date;
}

export function fernetDecrypt(key: FernetKey, token: string, options: DecryptOptions = {}): Buffer {
  const data = decodeBase64url(token);
  if (data === null) throw new FernetError('not base64url');
  if (data.length < HEADER + BLOCK + HMAC_LENGTH || (data.length - HEADER - HMAC_LENGTH) % BLOCK !== 0) {
    throw new FernetError('wrong length');
  }
  if (data[0] !== VERSION) throw new FernetError('unknown version');
  if (options.ttlSeconds !== undefined) {
    const issued = Number(data.readBigUInt64BE(1));
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    if (issued + options.ttlSeconds < now) throw new FernetError('expired');
    if (now + MAX_CLOCK_SKEW_SECONDS < issued) throw new FernetError('timestamp in the future');
  }
  const body = data.subarray(0, data.length - HMAC_LENGTH);
  const expected = createHmac('sha256', key.signingKey).update(body).digest();
  if (!timingSafeEqual(expected, data.subarray(data.length - HMAC_LENGTH))) {
    throw new FernetError('HMAC mismatch (wrong key or altered token)');
  }
  const decipher = createDecipheriv('aes-128-cbc', key.encryptionKey, data.subarray(9, HEADER));
  try {
    return Buffer.concat([decipher.update(body.subarray(HEADER)), decipher.final()]);
  } catch {
    throw new FernetError('bad padding');
  }
}

/** Strict base64url: only the URL-safe alphabet, optional correct padding, nothing after it. */
function decodeBase64url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return null;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return null;
  return Buffer.from(unpadded, 'base64url');
}

function toPaddedBase64url(bytes: Buffer): string {
  const encoded = bytes.toString('base64url');
  return encoded + '='.repeat((4 - (encoded.length % 4)) % 4);
}
