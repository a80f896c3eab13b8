/**
 * Installation settings the bundled proxy takes from its environment but the official codex-lb app keeps
 * in its database, behind its dashboard API (pure planning; the I/O is UpstreamDashboardClient's):
 *
 * - `spec.config.apiKeyAuth.enabled` → the dashboard setting `apiKeyAuthEnabled` (`PUT /api/settings`,
 *   pinned to the settings `version` read, so a concurrent dashboard edit answers 409 instead of being
 *   overwritten).
 * - `spec.config.firewall.allowlist` → the firewall allow-list (`/api/firewall/ips`). Upstream lists single
 *   IP addresses only (no CIDRs; an empty list allows everyone, like the bundled proxy). A `/32` or `/128`
 *   entry is its address; any wider CIDR cannot be translated and is reported, never dropped silently.
 *   Upstream normalises addresses (`::0001` → `::1`), so both sides are compared normalised.
 */
import { isIP } from 'node:net';

export interface InstallationSettings {
  apiKeyAuthEnabled: boolean;
  /** Client IP addresses allowed to call `/v1/*` and `/backend-api/codex/*`; empty = everyone. */
  firewallAllowlist: string[];
}

export interface SettingsPlan {
  /** Set when the API-key setting must change. */
  apiKeyAuthEnabled?: boolean;
  addIps: string[];
  removeIps: string[];
}

/** Thrown for an allow-list that upstream cannot express (wider CIDRs), naming the entries. */
export class UntranslatableAllowlist extends Error {
  override name = 'UntranslatableAllowlist';
  readonly entries: string[];

  constructor(entries: string[]) {
    super(
      `the official codex-lb app's firewall allows single IP addresses only; spec.config.firewall.allowlist has ` +
        `CIDR ranges it cannot enforce: ${entries.join(', ')} (list each address, or use a /32 or /128 entry)`,
    );
    this.entries = entries;
  }
}

/** The canonical text of an IP address, as upstream's `ipaddress.ip_address` prints it; undefined when not one. */
export function canonicalIp(value: string): string | undefined {
  const raw = value.trim();
  const family = isIP(raw);
  if (family === 4) return raw;
  if (family === 6) return new URL(`http://[${raw}]/`).hostname.slice(1, -1);
  return undefined;
}

/** The allow-list as upstream stores it (canonical single addresses), or throws UntranslatableAllowlist. */
export function upstreamAllowlist(entries: readonly string[]): string[] {
  const ips = new Set<string>();
  const unsupported: string[] = [];
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const ip = canonicalIp(address);
    const single = prefix === undefined || (isIP(address.trim()) === 4 ? prefix === '32' : prefix === '128');
    if (ip && single) ips.add(ip);
    else unsupported.push(entry);
  }
  if (unsupported.length > 0) throw new UntranslatableAllowlist(unsupported);
  return [...ips].sort();
}

/** What must change so `current` becomes `want`; both allow-lists already in upstream's form. */
export function planSettings(current: InstallationSettings, want: InstallationSettings): SettingsPlan {
  const have = new Set(current.firewallAllowlist);
  const wanted = new Set(want.firewallAllowlist);
  return {
    ...(current.apiKeyAuthEnabled === want.apiKeyAuthEnabled ? {} : { apiKeyAuthEnabled: want.apiKeyAuthEnabled }),
    addIps: [...wanted].filter((ip) => !have.has(ip)).sort(),
    removeIps: [...have].filter((ip) => !wanted.has(ip)).sort(),
  };
}

export function planIsEmpty(plan: SettingsPlan): boolean {
  return plan.apiKeyAuthEnabled === undefined && plan.addIps.length === 0 && plan.removeIps.length === 0;
}
