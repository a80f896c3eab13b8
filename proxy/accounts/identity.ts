/**
 * Who an imported account is, and its stable internal id (reference/proxy-contract.md §4.4).
 *
 * The id is derived from the identity, so importing the same seat again lands on the same row (re-import repairs
 * tokens) while two seats of one ChatGPT workspace stay distinct.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IdentityClaims } from './jwt-claims.ts';

export const UNKNOWN_EMAIL = 'unknown@example.com';

export interface AccountIdentity {
  readonly id: string;
  readonly chatgptAccountId: string | null;
  readonly chatgptUserId: string | null;
  readonly email: string;
  readonly planType: string;
  readonly workspaceId: string | null;
  readonly workspaceLabel: string | null;
  readonly seatType: string | null;
}

/** `explicitAccountId` is auth.json `tokens.account_id`, which wins over the token's claims. */
export function accountIdentity(claims: IdentityClaims, explicitAccountId: string | null): AccountIdentity {
  const chatgptAccountId = explicitAccountId ?? claims.chatgptAccountId;
  const email = claims.email ?? UNKNOWN_EMAIL;
  return {
    id: internalAccountId(chatgptAccountId, claims.workspaceId ?? claims.workspaceLabel, email),
    chatgptAccountId,
    chatgptUserId: claims.chatgptUserId,
    email,
    planType: claims.planType ?? 'unknown',
    workspaceId: claims.workspaceId,
    workspaceLabel: claims.workspaceLabel,
    seatType: claims.seatType,
  };
}

/**
 * `<account>_<sha256(workspace)[:8]>`, else `<account>_<sha256(email)[:8]>`, else `<account>`; without an account
 * id `email_<sha256(email)[:12]>`, else a random `local_…`. `email_`/`local_` ids are synthetic: no
 * `chatgpt-account-id` header is sent upstream for them.
 */
export function internalAccountId(chatgptAccountId: string | null, workspaceKey: string | null, email: string): string {
  const realEmail = email !== UNKNOWN_EMAIL;
  if (chatgptAccountId !== null) {
    if (workspaceKey !== null) return `${chatgptAccountId}_${sha256(workspaceKey).slice(0, 8)}`;
    if (realEmail) return `${chatgptAccountId}_${sha256(email).slice(0, 8)}`;
    return chatgptAccountId;
  }
  if (realEmail) return `email_${sha256(email).slice(0, 12)}`;
  return `local_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
