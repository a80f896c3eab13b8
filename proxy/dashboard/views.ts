/**
 * What the dashboard shows of an account (pure): the admin API's redacted AccountView plus the details an
 * administrator needs to judge it (last error, when usage was last observed, which fields a resource manages).
 * A usage window whose reset time passed reads 0 % (reference/proxy-contract.md §15 trap 10): its sample is stale.
 */
import type { AccountSnapshot } from '../accounts/account-repository.ts';
import { accountView, type AccountView, type UsageWindowView } from '../accounts/account-view.ts';

/** The fields a ChatGPTAccount declares; the dashboard refuses to change them on a managed account. */
export const MANAGED_FIELDS = ['alias', 'routingPolicy', 'paused'] as const;

export interface DashboardAccount extends AccountView {
  readonly lastErrorCode: string | null;
  readonly lastErrorAt: string | null;
  readonly usageUpdatedAt: string | null;
  readonly createdAt: string;
  /** Fields the dashboard may not change (managed by `managedBy`). */
  readonly readOnlyFields: readonly string[];
}

function current(window: UsageWindowView | null, now: Date): UsageWindowView | null {
  if (window === null || window.resetAt === null || Date.parse(window.resetAt) > now.getTime()) return window;
  return { ...window, usedPercent: 0 };
}

export function dashboardAccount(account: AccountSnapshot, now: Date): DashboardAccount {
  const view = accountView(account, now);
  return {
    ...view,
    usage: { primary: current(view.usage.primary, now), secondary: current(view.usage.secondary, now) },
    lastErrorCode: account.lastErrorCode,
    lastErrorAt: account.lastErrorAt?.toISOString() ?? null,
    usageUpdatedAt: account.usageUpdatedAt?.toISOString() ?? null,
    createdAt: account.createdAt.toISOString(),
    readOnlyFields: account.managedBy === null ? [] : MANAGED_FIELDS,
  };
}
