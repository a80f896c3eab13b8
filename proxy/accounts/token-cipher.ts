/**
 * Encrypts OAuth tokens for storage with the installation's Fernet key, and loads that key.
 *
 * The key lives in `CODEX_LB_ENCRYPTION_KEY_FILE` (a Secret volume under the operator). When the file does not
 * exist it is generated once, like upstream: written exclusively (`wx`) with mode 0600, so two processes starting
 * together cannot both write different keys: the loser reads the winner's.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fernetDecrypt, fernetEncrypt, generateFernetKey, parseFernetKey, type FernetKey } from './fernet.ts';

export interface TokenCipher {
  encrypt(plaintext: string): string;
  /** Throws FernetError when the ciphertext was made with another key or altered. */
  decrypt(ciphertext: string): string;
  /** sha256 of the raw key bytes, hex: identifies the key without revealing it. */
  readonly fingerprint: string;
  /**
   * A 32-byte key for another purpose (HKDF-SHA256 over the raw key, `purpose` as the info label): every
   * replica shares the Fernet key already, so a purpose key needs no secret of its own, and it reveals
   * nothing about the key that encrypts the tokens.
   */
  deriveKey(purpose: string): Buffer;
}

export function createTokenCipher(encodedKey: string): TokenCipher {
  const key: FernetKey = parseFernetKey(encodedKey);
  return {
    encrypt: (plaintext) => fernetEncrypt(key, plaintext),
    decrypt: (ciphertext) => fernetDecrypt(key, ciphertext).toString('utf8'),
    fingerprint: createHash('sha256').update(Buffer.concat([key.signingKey, key.encryptionKey])).digest('hex'),
    deriveKey: (purpose) => Buffer.from(hkdfSync('sha256', Buffer.concat([key.signingKey, key.encryptionKey]), 'codex-lb', purpose, 32)),
  };
}

/** Reads the key file, generating it first when it does not exist. Errors name the file, never the key. */
export async function loadEncryptionKey(path: string): Promise<TokenCipher> {
  let encoded: string;
  try {
    encoded = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    encoded = await generateKeyFile(path);
  }
  try {
    return createTokenCipher(encoded);
  } catch (err) {
    throw new Error(`encryption key file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function generateKeyFile(path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = generateFernetKey();
  try {
    await writeFile(path, `${key}\n`, { flag: 'wx', mode: 0o600 });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw err;
  }
}
