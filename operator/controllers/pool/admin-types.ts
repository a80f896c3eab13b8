/**
 * What the proxy's admin API answers (proxy/OPERATOR-CONTRACT.md "Admin API"), as the operator reads
 * it. No token material exists in these shapes; the one-time API key travels only in CreatedApiKey.
 */
import type { AccountState } from '../../api/chatgptaccount.ts';
import type { LimitType, LimitWindow } from '../../api/codexlbapikey.ts';

export interface PoolUsageWindow {
  usedPercent: number;
  windowMinutes: number | null;
  resetAt: string | null;
}

export interface PoolAccount {
  id: string;
  chatgptAccountId: string | null;
  email: string;
  planType: string;
  status: AccountState;
  statusReason: string | null;
  blockedUntil: string | null;
  alias: string | null;
  routingPolicy: 'normal' | 'burn_first' | 'preserve';
  usage: { primary: PoolUsageWindow | null; secondary: PoolUsageWindow | null };
  lastRefreshAt: string | null;
  /** The resource managing the account (`ChatGPTAccount <ns>/<name>`); absent from proxies without a dashboard. */
  managedBy?: string | null;
}

export interface PoolApiKeyLimit {
  id: string;
  limitType: LimitType;
  limitWindow: LimitWindow;
  /** Tokens or credits; micro-dollars for cost_usd. */
  maxValue: number;
  currentValue: number;
  modelFilter: string | null;
  resetAt: string;
}

export interface PoolApiKey {
  id: string;
  name: string;
  prefix: string;
  allowedModels: string[] | null;
  limits: PoolApiKeyLimit[];
  expiresAt: string | null;
  active: boolean;
  createdAt: string;
}

/** `GET /internal/admin/state`: one installation's whole pool. */
export interface PoolState {
  /** The version the application reports (bundled: in this answer; official app: its X-App-Version header). */
  version?: string;
  accounts: PoolAccount[];
  apiKeys: PoolApiKey[];
}

export type ImportOutcome = 'created' | 'replaced' | 'kept';

/** How an import treats an account already in the pool, and whether it may create one. */
export interface ImportPolicy {
  onExisting: 'replace' | 'keepNewer' | 'keep';
  createMissing: boolean;
}

export interface AccountPatch {
  alias?: string | null;
  routingPolicy?: PoolAccount['routingPolicy'];
  paused?: boolean;
  /** Marks the account as managed by a resource: the dashboard then shows its declared fields read-only. */
  managedBy?: string | null;
}

/** Create/update body of an API key, in the proxy's units (cost limits in micro-dollars). */
export interface ApiKeySettings {
  name: string;
  allowedModels: string[] | null;
  limits: Array<{ limitType: LimitType; limitWindow: LimitWindow; maxValue: number; modelFilter: string | null }>;
  expiresAt: string | null;
}

export interface CreatedApiKey {
  apiKey: PoolApiKey;
  /** The plaintext `sk-clb-…` key: shown once, written to a Secret, never logged. */
  key: string;
}
