/**
 * The redacted `Account` of OPERATOR-CONTRACT.md, built from a snapshot (pure). No token material exists on a
 * snapshot, so none can leak through here. Instants are ISO-8601 strings.
 */
import type { AccountStatus, RoutingPolicy } from '../store/entities/account.ts';
import type { AccountSnapshot } from './account-repository.ts';
import { effectiveStatus } from './status.ts';

export interface UsageWindowView {
  readonly usedPercent: number;
  readonly windowMinutes: number | null;
  readonly resetAt: string | null;
}

export interface AccountView {
  readonly id: string;
  readonly chatgptAccountId: string | null;
  readonly email: string;
  readonly planType: string;
  readonly status: AccountStatus;
  /** Why the account is not usable (reauth_required, deactivated, paused), for admins; never token material. */
  readonly statusReason: string | null;
  /** When a rate_limited / quota_exceeded account becomes routable again; null in any other status. */
  readonly blockedUntil: string | null;
  readonly alias: string | null;
  readonly routingPolicy: RoutingPolicy;
  /** The resource managing this account (`ChatGPTAccount <ns>/<name>`), or null when it was added by hand. */
  readonly managedBy: string | null;
  readonly usage: { readonly primary: UsageWindowView | null; readonly secondary: UsageWindowView | null };
  readonly lastRefreshAt: string | null;
}

export function accountView(account: AccountSnapshot, now: Date): AccountView {
  const status = effectiveStatus(account, now);
  return {
    id: account.id,
    chatgptAccountId: account.chatgptAccountId,
    email: account.email,
    planType: account.planType,
    status,
    statusReason: status === 'active' ? null : account.statusReason,
    blockedUntil: status === 'rate_limited' || status === 'quota_exceeded' ? (account.resetAt?.toISOString() ?? null) : null,
    alias: account.alias,
    routingPolicy: account.routingPolicy,
    managedBy: account.managedBy,
    usage: {
      primary: windowView(account.primaryUsedPercent, account.primaryWindowMinutes, account.primaryResetAt),
      secondary: windowView(account.secondaryUsedPercent, account.secondaryWindowMinutes, account.secondaryResetAt),
    },
    lastRefreshAt: account.lastRefreshAt?.toISOString() ?? null,
  };
}

function windowView(usedPercent: number | null, windowMinutes: number | null, resetAt: Date | null): UsageWindowView | null {
  if (usedPercent === null) return null;
  return { usedPercent, windowMinutes, resetAt: resetAt?.toISOString() ?? null };
}
