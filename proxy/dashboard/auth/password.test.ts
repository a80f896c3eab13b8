import { describe, expect, it } from 'vitest';
import { acceptablePassword, hashPassword, verifyPassword } from './password.ts';

describe('dashboard password hashing', () => {
  it('verifies the password it hashed and nothing else; the hash does not contain it', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsf', hash)).toBe(false);
    expect(await hashPassword('correct horse')).not.toBe(hash);
  });

  it('reads an unreadable stored hash as a mismatch, never a throw', async () => {
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$0$0$0$AA$AA')).toBe(false);
  });

  it('accepts 8 to 256 characters', () => {
    expect(acceptablePassword('1234567')).toBe(false);
    expect(acceptablePassword('12345678')).toBe(true);
    expect(acceptablePassword('x'.repeat(257))).toBe(false);
    expect(acceptablePassword(12345678)).toBe(false);
  });
});
