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
  readonly alias: string | null;
  readonly routingPolicy: RoutingPolicy;
  readonly usage: { readonly primary: UsageWindowView | null; readonly secondary: UsageWindowView | null };
  readonly lastRefreshAt: string | null;
}

export function accountView(account: AccountSnapshot, now: Date): AccountView {
  return {
    id: account.id,
    chatgptAccountId: account.chatgptAccountId,
    email: account.email,
    planType: account.planType,
    status: effectiveStatus(account, now),
    alias: account.alias,
    routingPolicy: account.routingPolicy,
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
