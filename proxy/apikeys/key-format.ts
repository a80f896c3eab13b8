/**
 * API key material (reference/proxy-contract.md §9.1): `sk-clb-` + 32 random bytes in base64url (43 characters),
 * stored as its sha256 hex digest with the first 15 characters kept for display. A fast hash is right here: the
 * key is 256 bits of CSPRNG output, not a guessable password, so there is nothing for a slow hash to protect.
 */
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'sk-clb-';
const DISPLAY_PREFIX_LENGTH = 15;

export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}
