/**
 * When a ChatGPTAccount imports its Secret, and how (pure).
 *
 * After an import the proxy's store is the source of truth: it rotates the refresh token, and the
 * Secret's copy goes stale. So an import happens only when the Secret's content differs from what was
 * last imported (`importedSecretHash`), never because a period passed. When the operator cannot tell
 * whether the pool's tokens are newer than the Secret's (first sight of the account, or a status that
 * was lost), it asks the proxy to keep whichever was refreshed last (`keepNewer`).
 */
import type { ChatGPTAccountSpec } from '../../api/chatgptaccount.ts';
import { PoolReason, type PoolProblem } from '../conditions.ts';
import type { ImportPolicy } from '../pool/admin-types.ts';

export interface ImportInputs {
  importPolicy: ChatGPTAccountSpec['credentials']['importPolicy'];
  seedHash: string;
  /** status.importedSecretHash: the Secret content last imported or adopted. */
  importedHash: string | undefined;
  /** Whether status.accountId is in the pool now. */
  inPool: boolean;
}

export type ImportStep =
  | { kind: 'none' }
  | { kind: 'import'; policy: ImportPolicy; why: ImportWhy }
  | { kind: 'problem'; problem: PoolProblem };

/** first: never imported; changed: the Secret changed; missing: the account left the pool; lookup: Never. */
export type ImportWhy = 'first' | 'changed' | 'missing' | 'lookup';

const KEEP_NEWER: ImportPolicy = { onExisting: 'keepNewer', createMissing: true };
const REPLACE: ImportPolicy = { onExisting: 'replace', createMissing: true };
const LOOKUP: ImportPolicy = { onExisting: 'keep', createMissing: false };

export function planImport(i: ImportInputs): ImportStep {
  const changed = i.importedHash !== undefined && i.importedHash !== i.seedHash;
  switch (i.importPolicy) {
    case 'Never':
      // Identify the account (again when the Secret changed); never write tokens.
      return i.inPool && !changed && i.importedHash !== undefined ? { kind: 'none' } : { kind: 'import', policy: LOOKUP, why: 'lookup' };
    case 'Once':
      if (i.importedHash === undefined) return { kind: 'import', policy: KEEP_NEWER, why: 'first' };
      if (i.inPool) return { kind: 'none' };
      return {
        kind: 'problem',
        problem: { reason: PoolReason.AccountNotInPool, message: 'the account was removed from the pool; importPolicy Once does not import it again' },
      };
    case 'OnSecretChange':
      if (i.importedHash === undefined) return { kind: 'import', policy: KEEP_NEWER, why: 'first' };
      if (changed) return { kind: 'import', policy: REPLACE, why: 'changed' };
      return i.inPool ? { kind: 'none' } : { kind: 'import', policy: KEEP_NEWER, why: 'missing' };
  }
}
