/**
 * A CodexLBAPIKey's settings in the proxy's terms, and the update that puts a drifted key back (pure).
 * Cost limits are US dollars in the spec and micro-dollars in the proxy (proxy-contract §9.2).
 */
import type { CodexLBAPIKeySpec, CodexLBAPIKeyStatus } from '../../api/codexlbapikey.ts';
import type { CodexLBAPIKey } from '../../api/crds.ts';
import type { ApiKeySettings, PoolApiKey } from '../pool/admin-types.ts';

const MICRO = 1_000_000;

export function displayName(cr: CodexLBAPIKey): string {
  return cr.spec.displayName ?? `${cr.metadata.namespace ?? 'default'}/${cr.metadata.name}`;
}

export function keySettings(cr: CodexLBAPIKey): ApiKeySettings {
  const spec: CodexLBAPIKeySpec = cr.spec;
  return {
    name: displayName(cr),
    allowedModels: spec.allowedModels?.length ? [...spec.allowedModels] : null,
    limits: (spec.limits ?? []).map((l) => ({
      limitType: l.type,
      limitWindow: l.window,
      maxValue: l.type === 'cost_usd' ? Math.round(l.max * MICRO) : l.max,
      modelFilter: l.model ?? null,
    })),
    expiresAt: spec.expiresAt ? new Date(spec.expiresAt).toISOString() : null,
  };
}

const limitId = (l: { limitType: string; limitWindow: string; modelFilter: string | null; maxValue: number }) =>
  `${l.limitType}|${l.limitWindow}|${l.modelFilter ?? ''}|${l.maxValue}`;
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
const instant = (value: string | null) => (value === null ? null : new Date(value).getTime());

/** The fields of `key` that differ from `want`, or undefined when it matches. */
export function settingsDiff(want: ApiKeySettings, key: PoolApiKey): Partial<ApiKeySettings> | undefined {
  const diff: Partial<ApiKeySettings> = {};
  if (key.name !== want.name) diff.name = want.name;
  if (!sameSet(key.allowedModels ?? [], want.allowedModels ?? [])) diff.allowedModels = want.allowedModels;
  if (!sameSet(key.limits.map(limitId), want.limits.map(limitId))) diff.limits = want.limits;
  if (instant(key.expiresAt) !== instant(want.expiresAt)) diff.expiresAt = want.expiresAt;
  return Object.keys(diff).length > 0 ? diff : undefined;
}

/** Each limit's use in its current window, in the spec's units. */
export function usageOf(key: PoolApiKey): NonNullable<CodexLBAPIKeyStatus['usage']> {
  return key.limits.map((l) => {
    const scale = l.limitType === 'cost_usd' ? MICRO : 1;
    return {
      type: l.limitType,
      window: l.limitWindow,
      model: l.modelFilter ?? undefined,
      used: l.currentValue / scale,
      max: l.maxValue / scale,
      resetAt: l.resetAt,
    };
  });
}
