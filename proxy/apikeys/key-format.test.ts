import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { displayPrefix, generateApiKey, hashApiKey } from './key-format.ts';

describe('API key material (§9.1)', () => {
  it('is sk-clb- followed by 43 base64url characters (32 random bytes)', () => {
    expect(generateApiKey()).toMatch(/^sk-clb-[A-Za-z0-9_-]{43}$/);
  });

  it('never repeats', () => {
    expect(new Set(Array.from({ length: 100 }, generateApiKey)).size).toBe(100);
  });

  it('is stored as the sha256 hex digest of the whole key', () => {
    const key = 'sk-clb-fakefakefakefakefakefakefakefakefakefakefak';
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
  });

  it('keeps the first 15 characters for display', () => {
    expect(displayPrefix('sk-clb-abcdefghijklmnop')).toBe('sk-clb-abcdefgh');
  });
});
