/**
 * Routing settings an administrator changes at run time (`GET/PUT /api/settings`, upstream's dashboard settings,
 * §12): the routing strategy, sticky threads, and preferring accounts whose window resets earlier. A value comes
 * from the settings row when the dashboard set one, else from the environment. A variable the environment sets
 * explicitly (e.g. `CODEX_LB_ROUTING_STRATEGY` rendered by an operator) pins the setting: the dashboard shows it
 * read-only, since a change would silently disagree with the declared configuration.
 *
 * The request path reads `current()` synchronously from memory; `run()` re-reads the row every few seconds, so a
 * change made on one replica reaches the others within that period (and this replica at once).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ROUTING_STRATEGIES } from '../../config/variables.ts';
import type { RoutingStrategy } from '../../routing/account-state.ts';
import type { RoutingSettings } from '../../routing/routing-settings.ts';
import type { DashboardSettingsRow } from '../../store/entities/dashboard.ts';
import { dashboardErrors } from '../errors.ts';
import type { RoutingColumns, SettingsRow } from './settings-row.ts';
import { AdminError } from '../../store/admin-error.ts';

export type RoutingField = keyof RoutingSettings;

/** The environment variable behind a field, when there is one. */
const VARIABLE: Partial<Record<RoutingField, string>> = { routingStrategy: 'CODEX_LB_ROUTING_STRATEGY' };

export const DEFAULT_ROUTING: RoutingSettings = { routingStrategy: 'capacity_weighted', stickyThreadsEnabled: true, preferEarlierResetAccounts: true };

export interface SettingsView {
  readonly values: RoutingSettings;
  readonly version: number;
  /** Field → the variable that fixes it. */
  readonly pinned: Partial<Record<RoutingField, string>>;
  readonly routingStrategies: readonly RoutingStrategy[];
}

/** Effective values: the row where it has one and the field is not pinned, else the environment's (pure). */
export function effectiveRouting(row: Pick<DashboardSettingsRow, RoutingField>, env: RoutingSettings, pinned: ReadonlySet<RoutingField>): RoutingSettings {
  const pick = <K extends RoutingField>(field: K): RoutingSettings[K] => {
    const stored = row[field] as RoutingSettings[K] | null;
    return pinned.has(field) || stored === null ? env[field] : stored;
  };
  return { routingStrategy: pick('routingStrategy'), stickyThreadsEnabled: pick('stickyThreadsEnabled'), preferEarlierResetAccounts: pick('preferEarlierResetAccounts') };
}

/** The row changes a PUT body asks for; throws the dashboard's 409/422 errors (pure). */
export function routingChanges(body: Record<string, unknown>, pinned: ReadonlySet<RoutingField>): RoutingColumns {
  const changes: RoutingColumns = {};
  for (const [field, value] of Object.entries(body)) {
    if (field === 'expectedVersion') continue;
    if (field !== 'routingStrategy' && field !== 'stickyThreadsEnabled' && field !== 'preferEarlierResetAccounts') {
      throw AdminError.validation(`unknown setting ${JSON.stringify(field)}`);
    }
    if (pinned.has(field)) throw dashboardErrors.settingPinned(field, VARIABLE[field] ?? 'the environment');
    if (field === 'routingStrategy') {
      if (!ROUTING_STRATEGIES.includes(value as RoutingStrategy)) throw AdminError.validation(`routingStrategy must be one of ${ROUTING_STRATEGIES.join(', ')}`);
      changes.routingStrategy = value as RoutingStrategy;
    } else {
      if (typeof value !== 'boolean') throw AdminError.validation(`${field} must be true or false`);
      changes[field] = value;
    }
  }
  return changes;
}

export interface RuntimeSettingsOptions {
  readonly row: SettingsRow;
  /** The environment's values. */
  readonly env: RoutingSettings;
  /** Variables set explicitly in the environment (Settings.explicit). */
  readonly explicit: ReadonlySet<string>;
  /** @default 5000 */
  readonly refreshMs?: number;
}

export class RuntimeSettings {
  readonly #row: SettingsRow;
  readonly #env: RoutingSettings;
  readonly #pinned: ReadonlySet<RoutingField>;
  readonly #refreshMs: number;
  #current: RoutingSettings;

  constructor(options: RuntimeSettingsOptions) {
    this.#row = options.row;
    this.#env = options.env;
    this.#pinned = new Set((Object.keys(VARIABLE) as RoutingField[]).filter((field) => options.explicit.has(VARIABLE[field] ?? '')));
    this.#refreshMs = options.refreshMs ?? 5000;
    this.#current = options.env;
  }

  /** The values in force on this replica now. */
  current(): RoutingSettings {
    return this.#current;
  }

  async refresh(): Promise<SettingsView> {
    const row = await this.#row.read();
    this.#current = effectiveRouting(row, this.#env, this.#pinned);
    const pinned = Object.fromEntries([...this.#pinned].map((field) => [field, VARIABLE[field] ?? 'the environment']));
    return { values: this.#current, version: row.version, pinned, routingStrategies: ROUTING_STRATEGIES };
  }

  /** `PUT /api/settings`: partial update; `expectedVersion` (optional) makes a stale editor fail with 409. */
  async update(body: Record<string, unknown>): Promise<SettingsView> {
    const expected = body.expectedVersion;
    if (expected !== undefined && (typeof expected !== 'number' || !Number.isInteger(expected))) throw AdminError.validation('expectedVersion must be an integer');
    const changes = routingChanges(body, this.#pinned);
    if (Object.keys(changes).length > 0 && !(await this.#row.updateRouting(changes, expected))) throw dashboardErrors.settingsConflict();
    return this.refresh();
  }

  /** Re-reads the row until `signal` aborts; a failed read keeps the last values. */
  async run(signal: AbortSignal, onError: (err: unknown) => void): Promise<void> {
    while (!signal.aborted) {
      await this.refresh().catch(onError);
      await sleep(this.#refreshMs, undefined, { signal }).catch(() => undefined);
    }
  }
}
