/**
 * The official codex-lb app's dashboard API (1.24.0) in the operator's pool vocabulary (pure).
 *
 * Shapes: the dashboard answers camelCase JSON (`DashboardModel`), errors as `{"error":{"code","message"}}`,
 * datetimes as ISO-8601 UTC strings (microseconds; normalised here to milliseconds).
 *
 * Accounts (`GET /api/accounts` → `{accounts: [AccountSummary]}`) → PoolAccount:
 * - `accountId` → id; `chatgptAccountId`, `email`, `planType`, `alias`, `routingPolicy` unchanged; `lastRefreshAt` → lastRefreshAt.
 * - `status`: the same six states (active, rate_limited, quota_exceeded, paused, reauth_required, deactivated).
 * - `deactivationReason` → statusReason (upstream's only free-text reason).
 * - usage: upstream reports what is LEFT (`usage.primaryRemainingPercent`), the operator what is USED:
 *   usedPercent = 100 − remaining; `windowMinutesPrimary`, `resetAtPrimary` (same for secondary). A window
 *   without a remaining percent is null. The monthly window has no place in the operator's status.
 * - blockedUntil: upstream does not list an account's block end; the reset of the window that blocks it
 *   stands in (rate_limited → primary window reset, quota_exceeded → secondary, else primary).
 * - managedBy: upstream has no such marker, so it stays undefined — the ChatGPTAccount sync then never asks
 *   for it (sync.ts), and the dashboard does not show operator-managed accounts read-only.
 *
 * API keys (`GET /api/api-keys/` → [ApiKeyResponse]) → PoolApiKey: `keyPrefix` → prefix, `isActive` → active,
 * limits keep their vocabulary (total_tokens|input_tokens|output_tokens|cost_usd|credits × daily|weekly|
 * monthly|5h|7d) and units (tokens, credits; cost in micro-dollars, like the bundled proxy), limit ids are
 * numbers upstream (stringified here). The create/update body is the operator's ApiKeySettings as it is:
 * upstream accepts the same camelCase field names.
 *
 * Import: upstream's `POST /api/accounts/import` (multipart, one file part `auth_json`) always writes the
 * tokens; it knows no `onExisting` / `createMissing`. The adapter emulates them from a read of the pool
 * before the import: the seed's identity (id-token claims, as upstream derives them) finds the stored
 * account; `keepNewer` keeps it when its `lastRefreshAt` is at or after the seed's `last_refresh` (a seed
 * without one is older than anything stored, as in the bundled proxy); `keep` keeps any stored account;
 * `createMissing: false` answers `not_found` without importing.
 */
import type { AccountPatch, ImportPolicy, PoolAccount, PoolApiKey, PoolUsageWindow } from './admin-types.ts';

export interface UpstreamAccount {
  accountId: string;
  chatgptAccountId?: string | null;
  email: string;
  alias?: string | null;
  workspaceId?: string | null;
  workspaceLabel?: string | null;
  planType: string;
  routingPolicy?: string;
  status: string;
  usage?: { primaryRemainingPercent?: number | null; secondaryRemainingPercent?: number | null } | null;
  resetAtPrimary?: string | null;
  resetAtSecondary?: string | null;
  windowMinutesPrimary?: number | null;
  windowMinutesSecondary?: number | null;
  lastRefreshAt?: string | null;
  deactivationReason?: string | null;
}

export interface UpstreamApiKeyLimit {
  id: number | string;
  limitType: PoolApiKey['limits'][number]['limitType'];
  limitWindow: PoolApiKey['limits'][number]['limitWindow'];
  maxValue: number;
  currentValue: number;
  modelFilter: string | null;
  resetAt: string;
}

export interface UpstreamApiKey {
  id: string;
  name: string;
  keyPrefix: string;
  allowedModels: string[] | null;
  expiresAt: string | null;
  isActive: boolean;
  createdAt: string;
  limits?: UpstreamApiKeyLimit[];
}

const STATES: ReadonlySet<string> = new Set<PoolAccount['status']>(['active', 'rate_limited', 'quota_exceeded', 'paused', 'reauth_required', 'deactivated']);
const POLICIES: ReadonlySet<string> = new Set<PoolAccount['routingPolicy']>(['normal', 'burn_first', 'preserve']);

/** ISO-8601 with milliseconds, or null. */
export function isoOrNull(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function usageWindow(remaining: number | null | undefined, windowMinutes: number | null | undefined, resetAt: string | null | undefined): PoolUsageWindow | null {
  if (typeof remaining !== 'number') return null;
  const used = Math.min(100, Math.max(0, 100 - remaining));
  return { usedPercent: Math.round(used * 100) / 100, windowMinutes: windowMinutes ?? null, resetAt: isoOrNull(resetAt) };
}

export function toPoolAccount(a: UpstreamAccount): PoolAccount {
  // A state this operator does not know (a newer upstream) is reported as the closest safe one: not routable.
  const status = (STATES.has(a.status) ? a.status : 'deactivated') as PoolAccount['status'];
  const blockedUntil =
    status === 'rate_limited' ? isoOrNull(a.resetAtPrimary) : status === 'quota_exceeded' ? isoOrNull(a.resetAtSecondary ?? a.resetAtPrimary) : null;
  return {
    id: a.accountId,
    chatgptAccountId: a.chatgptAccountId ?? null,
    email: a.email,
    planType: a.planType,
    status,
    statusReason: a.deactivationReason ?? (STATES.has(a.status) ? null : `unknown upstream state "${a.status}"`),
    blockedUntil,
    alias: a.alias ?? null,
    routingPolicy: (POLICIES.has(a.routingPolicy ?? '') ? a.routingPolicy : 'normal') as PoolAccount['routingPolicy'],
    usage: {
      primary: usageWindow(a.usage?.primaryRemainingPercent, a.windowMinutesPrimary, a.resetAtPrimary),
      secondary: usageWindow(a.usage?.secondaryRemainingPercent, a.windowMinutesSecondary, a.resetAtSecondary),
    },
    lastRefreshAt: isoOrNull(a.lastRefreshAt),
  };
}

export function toPoolApiKey(k: UpstreamApiKey): PoolApiKey {
  return {
    id: k.id,
    name: k.name,
    prefix: k.keyPrefix,
    allowedModels: k.allowedModels,
    limits: (k.limits ?? []).map((l) => ({
      id: String(l.id),
      limitType: l.limitType,
      limitWindow: l.limitWindow,
      maxValue: l.maxValue,
      currentValue: l.currentValue,
      modelFilter: l.modelFilter,
      resetAt: isoOrNull(l.resetAt) ?? l.resetAt,
    })),
    expiresAt: isoOrNull(k.expiresAt),
    active: k.isActive,
    createdAt: isoOrNull(k.createdAt) ?? k.createdAt,
  };
}

/** One dashboard call that applies part of an AccountPatch. */
export interface AccountCall {
  method: 'PUT' | 'POST';
  /** Below `/api/accounts/{id}`. */
  path: string;
  body?: unknown;
}

/**
 * Upstream has one endpoint per field: alias (PUT), routing policy (PUT), pause / reactivate (POST).
 * `managedBy` has no counterpart; toPoolAccount leaves it undefined, so sync.ts never puts it in a patch.
 */
export function accountCalls(patch: AccountPatch): AccountCall[] {
  const calls: AccountCall[] = [];
  if (patch.alias !== undefined) calls.push({ method: 'PUT', path: '/alias', body: { alias: patch.alias } });
  if (patch.routingPolicy !== undefined) calls.push({ method: 'PUT', path: '/routing-policy', body: { routingPolicy: patch.routingPolicy } });
  if (patch.paused !== undefined) calls.push({ method: 'POST', path: patch.paused ? '/pause' : '/reactivate' });
  return calls;
}

/** Who an auth.json logs in as, read the way upstream reads it (id-token claims, never verified). */
export interface SeedIdentity {
  chatgptAccountId: string | null;
  email: string | null;
  /** workspace id, else workspace label: the slot upstream keeps apart for one login. */
  workspace: string | null;
  /** The seed's `last_refresh`, null when absent or unreadable. */
  lastRefresh: Date | null;
}

const AUTH_CLAIMS = 'https://api.openai.com/auth';
const WORKSPACE_ID = ['workspace_id', 'chatgpt_workspace_id', 'organization_id', 'org_id', 'tenant_id'];
const WORKSPACE_LABEL = ['workspace_label', 'workspace_name', 'organization_name', 'org_name', 'tenant_name'];

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

function claim(sources: Array<Record<string, unknown>>, names: string[]): string | null {
  for (const source of sources) for (const name of names) if (text(source[name])) return text(source[name]);
  return null;
}

function jwtClaims(token: unknown): Record<string, unknown> | undefined {
  if (typeof token !== 'string') return undefined;
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The identity in an auth.json document, or undefined when it has no readable id token. */
export function seedIdentity(authJson: unknown): SeedIdentity | undefined {
  if (typeof authJson !== 'object' || authJson === null) return undefined;
  const doc = authJson as Record<string, unknown>;
  const tokens = (typeof doc.tokens === 'object' && doc.tokens !== null ? doc.tokens : {}) as Record<string, unknown>;
  const claims = jwtClaims(tokens.id_token ?? tokens.idToken);
  if (!claims) return undefined;
  const auth = (typeof claims[AUTH_CLAIMS] === 'object' && claims[AUTH_CLAIMS] !== null ? claims[AUTH_CLAIMS] : {}) as Record<string, unknown>;
  const rawRefresh = doc.last_refresh ?? doc.lastRefreshAt;
  const refreshed = typeof rawRefresh === 'string' ? Date.parse(rawRefresh) : Number.NaN;
  return {
    chatgptAccountId: text(tokens.account_id ?? tokens.accountId) ?? claim([auth, claims], ['chatgpt_account_id']),
    email: text(claims.email),
    workspace: claim([auth, claims], WORKSPACE_ID) ?? claim([auth, claims], WORKSPACE_LABEL),
    lastRefresh: Number.isNaN(refreshed) ? null : new Date(refreshed),
  };
}

/**
 * The stored account a seed stands for: same ChatGPT account id and email, in the same workspace slot
 * (or both without one) — upstream's slot identity. The first listed wins when upstream holds copies.
 */
export function findSeedAccount(seed: SeedIdentity, accounts: readonly UpstreamAccount[]): UpstreamAccount | undefined {
  if (!seed.chatgptAccountId && !seed.email) return undefined;
  const slot = (a: UpstreamAccount) => text(a.workspaceId) ?? text(a.workspaceLabel);
  return accounts.find((a) => (a.chatgptAccountId ?? null) === seed.chatgptAccountId && a.email === seed.email && slot(a) === seed.workspace);
}

export type UpstreamImportStep = { kind: 'import' } | { kind: 'kept'; account: UpstreamAccount } | { kind: 'missing' };

/** What an import with `policy` does, given the stored account the seed stands for (if any). */
export function planUpstreamImport(policy: ImportPolicy, existing: UpstreamAccount | undefined, seedRefreshed: Date | null): UpstreamImportStep {
  if (!existing) return policy.createMissing ? { kind: 'import' } : { kind: 'missing' };
  if (policy.onExisting === 'keep') return { kind: 'kept', account: existing };
  if (policy.onExisting === 'keepNewer') {
    const stored = existing.lastRefreshAt ? Date.parse(existing.lastRefreshAt) : Number.NaN;
    // A seed without last_refresh is older than anything stored; a stored account without one is older than any seed.
    if (!seedRefreshed || (!Number.isNaN(stored) && stored >= seedRefreshed.getTime())) return { kind: 'kept', account: existing };
  }
  return { kind: 'import' };
}
