/**
 * Whether a replica's advertise URL can identify it in a ring (reference/proxy-contract.md §11.2): peers
 * forward a session's turns to it, so it must reach this replica and no other. Pure.
 */
import type { RingMember } from './ring-store.ts';

export const ADVERTISE_VARIABLE = 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL';

/** The advertise URL as stored and compared: origin plus path, no trailing slash. */
export function normalizeEndpoint(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** Hosts that name "this machine" to whoever resolves them: in a ring of several they name every replica. */
function isSharedHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '0.0.0.0' || host === '::';
}

/**
 * Why this replica must not join the ring with `endpoint`, given the other live members; undefined when it
 * may. Distinct loopback addresses (127.0.0.2, 127.0.0.3) are distinct members: only the same URL, or an
 * unset / `localhost` one in a ring of several, is refused.
 */
export function advertiseProblem(instanceId: string, endpoint: string | null, live: readonly RingMember[]): string | undefined {
  const others = live.filter((m) => m.instanceId !== instanceId);
  if (endpoint !== null) {
    const clash = others.find((m) => m.endpoint === endpoint);
    if (clash) return `${ADVERTISE_VARIABLE} ${endpoint} is already advertised by live replica ${clash.instanceId}; every replica needs an address of its own`;
  }
  if (others.length === 0) return undefined;
  const names = others.map((m) => m.instanceId).join(', ');
  if (endpoint === null) return `${ADVERTISE_VARIABLE} is unset but other replicas are live (${names}): they could not forward this replica's sessions to it`;
  if (isSharedHost(new URL(endpoint).hostname)) {
    return `${ADVERTISE_VARIABLE} ${endpoint} names no particular machine but other replicas are live (${names}); advertise an address unique to this replica`;
  }
  return undefined;
}
