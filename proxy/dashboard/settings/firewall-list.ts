/**
 * The proxy routes' client allow-list (§10) as the dashboard edits it (`/api/firewall/ips`). Entries are IPs or
 * CIDRs (upstream takes exact IPs only). `CODEX_LB_FIREWALL_ALLOWLIST`, when set (an operator renders it from
 * `spec.config.firewall.allowlist`), wins and makes the list read-only here. An empty list allows every client.
 */
import type { DataSource } from 'typeorm';
import { isCidr } from '../../config/settings.ts';
import { FirewallEntryEntity } from '../../store/entities/dashboard.ts';
import { AdminError } from '../../store/admin-error.ts';
import { dashboardErrors } from '../errors.ts';

export const FIREWALL_VARIABLE = 'CODEX_LB_FIREWALL_ALLOWLIST';

export interface FirewallView {
  readonly mode: 'allow_all' | 'allowlist_active';
  readonly entries: ReadonlyArray<{ readonly ipAddress: string; readonly createdAt: string | null }>;
  /** The variable that fixes the list, when the environment sets it. */
  readonly pinnedBy: string | null;
}

/** Canonical text of an entry (lower-case, no spaces), or undefined when it is neither an IP nor a CIDR (pure). */
export function normalizeEntry(raw: string): string | undefined {
  const value = raw.trim().toLowerCase();
  return value !== '' && isCidr(value) ? value : undefined;
}

export interface FirewallListOptions {
  readonly dataSource: DataSource;
  /** `CODEX_LB_FIREWALL_ALLOWLIST`; null or empty: the dashboard's list applies. */
  readonly fromEnvironment: readonly string[] | null;
  /** Called after a change, so this replica's cached decisions are dropped at once. */
  readonly changed?: () => void;
  readonly now?: () => Date;
}

export class FirewallList {
  readonly #options: FirewallListOptions;
  readonly #pinned: boolean;

  constructor(options: FirewallListOptions) {
    this.#options = options;
    this.#pinned = (options.fromEnvironment?.length ?? 0) > 0;
  }

  /** The port the proxy routes' firewall reads (proxy/http/ports.ts FirewallAllowlist). */
  async allowed(): Promise<readonly string[]> {
    if (this.#pinned) return this.#options.fromEnvironment ?? [];
    const rows = await this.#options.dataSource.getRepository(FirewallEntryEntity).find({ order: { createdAt: 'ASC' } });
    return rows.map((row) => row.ipAddress);
  }

  async view(): Promise<FirewallView> {
    if (this.#pinned) {
      const entries = (this.#options.fromEnvironment ?? []).map((ipAddress) => ({ ipAddress, createdAt: null }));
      return { mode: 'allowlist_active', entries, pinnedBy: FIREWALL_VARIABLE };
    }
    const rows = await this.#options.dataSource.getRepository(FirewallEntryEntity).find({ order: { createdAt: 'ASC' } });
    const entries = rows.map((row) => ({ ipAddress: row.ipAddress, createdAt: row.createdAt.toISOString() }));
    return { mode: entries.length > 0 ? 'allowlist_active' : 'allow_all', entries, pinnedBy: null };
  }

  async add(raw: unknown): Promise<FirewallView> {
    this.#refuseWhenPinned();
    if (typeof raw !== 'string') throw AdminError.validation('ipAddress must be a string');
    const ipAddress = normalizeEntry(raw);
    if (ipAddress === undefined) throw dashboardErrors.invalidAddress(raw);
    const repository = this.#options.dataSource.getRepository(FirewallEntryEntity);
    if ((await repository.findOneBy({ ipAddress })) === null) {
      await repository.insert({ ipAddress, createdAt: this.#options.now?.() ?? new Date() });
    }
    this.#options.changed?.();
    return this.view();
  }

  async remove(raw: string): Promise<FirewallView> {
    this.#refuseWhenPinned();
    const ipAddress = normalizeEntry(raw) ?? raw;
    const result = await this.#options.dataSource.getRepository(FirewallEntryEntity).delete({ ipAddress });
    if ((result.affected ?? 0) === 0) throw AdminError.notFound('allow-list entry', raw);
    this.#options.changed?.();
    return this.view();
  }

  #refuseWhenPinned(): void {
    if (this.#pinned) throw dashboardErrors.settingPinned('The firewall allow-list', FIREWALL_VARIABLE);
  }
}
