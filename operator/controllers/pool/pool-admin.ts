/**
 * What the ChatGPTAccount and CodexLBAPIKey controllers and the pool monitor need from an installation's
 * pool, whichever application runs it. Two adapters implement it:
 *
 * - `AdminClient` (admin-client.ts): the bundled proxy's internal admin API (proxy/OPERATOR-CONTRACT.md).
 * - `UpstreamDashboardClient` (upstream-dashboard-client.ts): the official codex-lb app's dashboard API
 *   (`spec.proxy.flavor: Upstream`), with the differences written down in upstream-mapping.ts.
 *
 * Every method fails with AdminApiError (admin-http.ts) of kind unreachable / unauthorized / rejected.
 */
import type { AccountPatch, ApiKeySettings, CreatedApiKey, ImportOutcome, ImportPolicy, PoolAccount, PoolApiKey, PoolState } from './admin-types.ts';

export interface PoolAdmin {
  /** `http://host:port` of the installation, for messages. */
  readonly baseUrl: string;
  /** The whole pool (accounts and API keys) as of now. */
  state(): Promise<PoolState>;
  /** `authJson` is the parsed Codex CLI auth.json document; it is sent, never logged. */
  importAccount(authJson: unknown, policy: ImportPolicy): Promise<{ account: PoolAccount; outcome: ImportOutcome }>;
  updateAccount(id: string, patch: AccountPatch): Promise<PoolAccount>;
  /** False when the account was already gone. */
  deleteAccount(id: string): Promise<boolean>;
  createApiKey(settings: ApiKeySettings): Promise<CreatedApiKey>;
  updateApiKey(id: string, settings: Partial<ApiKeySettings>): Promise<PoolApiKey>;
  /** False when the key was already gone. */
  deleteApiKey(id: string): Promise<boolean>;
}
