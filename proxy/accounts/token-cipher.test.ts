import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFernetKey } from './fernet.ts';
import { createTokenCipher, loadEncryptionKey } from './token-cipher.ts';

describe('loadEncryptionKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codexlb-key-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates a key once, readable by its owner only, and reuses it', async () => {
    const path = join(dir, 'nested', 'encryption.key');
    const first = await loadEncryptionKey(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    const second = await loadEncryptionKey(path);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.decrypt(first.encrypt('fake-token'))).toBe('fake-token');
  });

  it('ends with one key when several processes start at once', async () => {
    const path = join(dir, 'encryption.key');
    const ciphers = await Promise.all(Array.from({ length: 8 }, () => loadEncryptionKey(path)));
    expect(new Set(ciphers.map((cipher) => cipher.fingerprint)).size).toBe(1);
  });

  it('reads a key provided by a Secret, trailing newline included', async () => {
    const key = generateFernetKey();
    const path = join(dir, 'mounted.key');
    await writeFile(path, `${key}\n`);
    expect((await loadEncryptionKey(path)).fingerprint).toBe(createTokenCipher(key).fingerprint);
  });

  it('names the file but not its content when it holds no Fernet key', async () => {
    const path = join(dir, 'broken.key');
    await writeFile(path, 'fake-not-a-key-material');
    const error = (await loadEncryptionKey(path).catch((err: unknown) => err)) as Error;
    expect(error.message).toBe(`encryption key file ${path}: not a Fernet key: expected 32 bytes in URL-safe base64`);
    expect(error.message).not.toContain('fake-not-a-key-material');
  });
});

describe('TokenCipher.deriveKey', () => {
  it('derives the same purpose key from the same Fernet key, and different keys per purpose or Fernet key', () => {
    const key = generateFernetKey();
    const a = createTokenCipher(key).deriveKey('codex-lb bridge forward v1');
    expect(a).toHaveLength(32);
    expect(createTokenCipher(key).deriveKey('codex-lb bridge forward v1').equals(a)).toBe(true);
    expect(createTokenCipher(key).deriveKey('another purpose').equals(a)).toBe(false);
    expect(createTokenCipher(generateFernetKey()).deriveKey('codex-lb bridge forward v1').equals(a)).toBe(false);
  });
});
