/**
 * The pool fields a ChatGPTAccount declares — alias, routing policy, paused — and the admin-API patch
 * that puts them back when the pool differs (pure). The spec is authoritative: an unset alias means
 * no alias, and a change made in the pool (dashboard, admin API) is reverted.
 */
import type { ChatGPTAccountSpec } from '../../api/chatgptaccount.ts';
import type { AccountPatch, PoolAccount } from '../pool/admin-types.ts';

export function accountPatch(spec: ChatGPTAccountSpec, account: PoolAccount, manager?: string): AccountPatch | undefined {
  const patch: AccountPatch = {};
  // Only a proxy that reports `managedBy` knows the field (an older image would refuse the patch).
  if (manager !== undefined && account.managedBy !== undefined && account.managedBy !== manager) patch.managedBy = manager;
  const alias = spec.alias ?? null;
  if (account.alias !== alias) patch.alias = alias;
  if (account.routingPolicy !== spec.routingPolicy) patch.routingPolicy = spec.routingPolicy;
  // Resuming only lifts an administrator's pause; the proxy never lets it clear an auth failure.
  if ((account.status === 'paused') !== spec.paused) patch.paused = spec.paused;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** What the dashboard shows as the manager of the account a ChatGPTAccount declares. */
export function managerOf(namespace: string, name: string): string {
  return `ChatGPTAccount ${namespace}/${name}`;
}

/** The fields a patch changes, for events ("alias, paused"). */
export function describePatch(patch: AccountPatch): string {
  return Object.keys(patch).join(', ');
}
