/**
 * Just enough JWT for the fake's tokens. The proxy reads claims without verifying signatures
 * (proxy-contract §4.4), so tokens are HS256-signed with a key drawn at random per fake instance:
 * structurally real, worthless outside the test that minted them.
 */
import { createHmac, randomBytes } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

export interface JwtSigner {
  sign(claims: JwtClaims): string;
}

export function createJwtSigner(key: Buffer = randomBytes(32)): JwtSigner {
  return {
    sign(claims: JwtClaims): string {
      const signingInput = `${encodeSegment({ alg: 'HS256', typ: 'JWT' })}.${encodeSegment(claims)}`;
      const signature = createHmac('sha256', key).update(signingInput).digest('base64url');
      return `${signingInput}.${signature}`;
    },
  };
}

/** The payload of a JWT, or undefined when `token` is not one. Never checks the signature. */
export function decodeJwtClaims(token: string): JwtClaims | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as JwtClaims) : undefined;
  } catch {
    return undefined;
  }
}

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
