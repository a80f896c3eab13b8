/**
 * Wires the request path to the data layer (proxy/cli/data-layer.ts): the routing and HTTP ports,
 * readiness probes and the admin API, from one open DataLayer.
 */
import { readFile } from 'node:fs/promises';
import type { DataLayer } from '../cli/data-layer.ts';
import type { PendingWork } from '../cluster/pending-work.ts';
import type { Settings } from '../config/settings.ts';
import type { Logger } from '../observability/logger.ts';
import { StoredAccountPool, type PoolCaching } from '../routing/account-pool.ts';
import { LiveUsageIngest } from '../routing/live-usage.ts';
import { ResponseOwnerIndex } from '../routing/response-owners.ts';
import { StoredAffinity } from '../routing/sticky-store.ts';
import * as migrator from '../store/migrator.ts';
import type { DataPorts } from './compose.ts';
import { FirewallList } from '../dashboard/settings/firewall-list.ts';
import type { AdminApi } from './routes/admin.ts';
import type { HealthProbes } from './services.ts';

export function dataPorts(dataLayer: DataLayer, settings: Settings, logger: Logger, pending: PendingWork, caching?: PoolCaching): DataPorts {
  return {
    pool: new StoredAccountPool({ accounts: dataLayer.accounts, tokens: dataLayer.tokens, caching }),
    usage: settings.liveUsageIngestionEnabled
      ? new LiveUsageIngest({ recorder: dataLayer.usage, logger, pending })
      : { fromHeaders: () => undefined, fromRateLimitsEvent: () => undefined },
    affinity: new StoredAffinity(dataLayer.dataSource),
    owners: new ResponseOwnerIndex(),
    apiKeys: dataLayer.apiKeys,
    requestLog: dataLayer.requestLogs,
    // CODEX_LB_FIREWALL_ALLOWLIST when set, else the list the dashboard edits (as upstream's table).
    firewall: new FirewallList({ dataSource: dataLayer.dataSource, fromEnvironment: settings.firewallAllowlist }),
  };
}

export function healthProbes(dataLayer: DataLayer, started: () => boolean): HealthProbes {
  return {
    database: async () => {
      await dataLayer.dataSource.query('SELECT 1');
      return true;
    },
    schemaAtHead: () => migrator.check(dataLayer.dataSource),
    started,
  };
}

/** Reads the token file per call: absent or empty file = API off; a rotated Secret applies at once. */
function tokenFile(path: string | null): () => Promise<string | undefined> {
  return async () => {
    if (path === null) return undefined;
    const token = (await readFile(path, 'utf8').catch(() => '')).trim();
    return token === '' ? undefined : token;
  };
}

export function adminApi(dataLayer: DataLayer, settings: Settings, logger: Logger): AdminApi {
  return {
    token: tokenFile(settings.adminTokenFile),
    accounts: dataLayer.accountAdmin,
    apiKeys: dataLayer.apiKeyAdmin,
    schema: async () => {
      const state = await migrator.readState(dataLayer.dataSource);
      return { revision: state.current, atHead: state.status === 'at_head' };
    },
    imported: (accountId) => {
      void dataLayer.accounts
        .get(accountId)
        .then((account) => (account ? dataLayer.usagePoller.pollAccount(account) : undefined))
        .catch((err: unknown) => logger.warn('usage poll after import failed', { accountId, err }));
    },
  };
}
