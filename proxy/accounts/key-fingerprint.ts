/**
 * Guards against starting with a different encryption key than the one the stored tokens were written with
 * (e.g. a regenerated Secret): every token would fail to decrypt and accounts would look broken one by one.
 * The first process records the key's fingerprint; later ones compare (upstream
 * `CODEX_LB_ENCRYPTION_KEY_FINGERPRINT_MODE`: enforce = refuse to start, warn = report, off = skip).
 */
import type { DataSource } from 'typeorm';
import { RuntimeSentinelEntity } from '../store/entities/coordination.ts';

const SENTINEL = 'encryption_key_fingerprint';

export class EncryptionKeyMismatchError extends Error {
  override readonly name = 'EncryptionKeyMismatchError';
  readonly code = 'encryption_key_mismatch';

  constructor() {
    super(
      'the encryption key differs from the one this database was first used with; stored tokens cannot be decrypted ' +
        '(restore the original key, or set CODEX_LB_ENCRYPTION_KEY_FINGERPRINT_MODE=warn to start anyway)',
    );
  }
}

export type FingerprintMode = 'enforce' | 'warn' | 'off';

/** Records the fingerprint if absent; returns a warning (mode warn) or throws (mode enforce) on a mismatch. */
export async function checkKeyFingerprint(
  dataSource: DataSource,
  fingerprint: string,
  mode: FingerprintMode,
  now: Date = new Date(),
): Promise<string | null> {
  if (mode === 'off') return null;
  await dataSource
    .createQueryBuilder()
    .insert()
    .into(RuntimeSentinelEntity)
    .values({ name: SENTINEL, value: fingerprint, createdAt: now })
    .orIgnore()
    .execute();
  const stored = await dataSource.getRepository(RuntimeSentinelEntity).findOneByOrFail({ name: SENTINEL });
  if (stored.value === fingerprint) return null;
  if (mode === 'enforce') throw new EncryptionKeyMismatchError();
  return new EncryptionKeyMismatchError().message;
}

/**
 * Read-only: whether `fingerprint` matches the one recorded (true when none is recorded yet). For the migration
 * Job, which checks a key before any pod uses it but leaves recording it to the first `serve`.
 */
export async function keyMatchesRecorded(dataSource: DataSource, fingerprint: string): Promise<boolean> {
  const stored = await dataSource.getRepository(RuntimeSentinelEntity).findOneBy({ name: SENTINEL });
  return stored === null || stored.value === fingerprint;
}
