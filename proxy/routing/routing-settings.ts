/**
 * The routing settings an administrator may change while the proxy runs (the dashboard's Settings page,
 * proxy/dashboard/settings/runtime-settings.ts). The request path reads them per request through
 * `ProxyServices.routing()`, so a change applies to the next request without a restart.
 */
import type { RoutingStrategy } from './account-state.ts';

export interface RoutingSettings {
  readonly routingStrategy: RoutingStrategy;
  /** Codex requests with a `prompt_cache_key` and no session header stick to one account (§7.4 step 5). */
  readonly stickyThreadsEnabled: boolean;
  readonly preferEarlierResetAccounts: boolean;
}
