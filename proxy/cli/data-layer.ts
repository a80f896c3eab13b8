/**
 * Wires the proxy's data layer from Settings: one object holding every repository and service the request path,
 * the admin API and the CLI use. `serve` opens it once at startup (after the schema gate) and closes it on exit.
 */
import type { DataSource } from 'typeorm';
import { AccountRepository } from '../accounts/account-repository.ts';
import { AccountAdmin } from '../accounts/admin.ts';
import { checkKeyFingerprint } from '../accounts/key-fingerprint.ts';
import { RefreshClaims } from '../accounts/refresh-claims.ts';
import { loadEncryptionKey, type TokenCipher } from '../accounts/token-cipher.ts';
import { httpTokenEndpoint, type TokenEndpoint } from '../accounts/token-endpoint.ts';
import { TokenRefresher } from '../accounts/token-refresher.ts';
import { ApiKeyAdmin } from '../apikeys/admin.ts';
import { ApiKeyService } from '../apikeys/api-key-service.ts';
import { ReservationKeeper } from '../apikeys/reservation-keeper.ts';
import { BRIDGE_KEY_PURPOSE } from '../cluster/bridge-auth.ts';
import type { Settings } from '../config/settings.ts';
import { openDataSource } from '../store/data-source.ts';
import { WalCheckpointer } from '../store/wal-checkpointer.ts';
import { RequestLogWriter } from '../usage/request-log.ts';
import { UsagePoller, type FetchUsage } from '../usage/usage-poller.ts';
import { UsageRecorder } from '../usage/usage-recorder.ts';
import { whamUsageFetcher } from '../usage/wham-fetch.ts';

export interface DataLayer {
  readonly dataSource: DataSource;
  readonly accounts: AccountRepository;
  readonly accountAdmin: AccountAdmin;
  readonly tokens: TokenRefresher;
  readonly apiKeys: ApiKeyService;
  readonly apiKeyAdmin: ApiKeyAdmin;
  /** Heart-beats this process's API-key reservations and releases abandoned ones; `run` it while serving. */
  readonly reservationKeeper: ReservationKeeper;
  readonly requestLogs: RequestLogWriter;
  readonly usage: UsageRecorder;
  readonly usagePoller: UsagePoller;
  /** Signs forwards between replicas: derived from the encryption key every replica shares. */
  readonly bridgeKey: Buffer;
  /** The encryption key (dashboard: pending logins' secrets, the CSRF key). */
  readonly cipher: TokenCipher;
  close(): Promise<void>;
}

export interface DataLayerOverrides {
  /** Replaces the HTTP token endpoint (tests). */
  readonly tokenEndpoint?: TokenEndpoint;
  /** Replaces the HTTP `/wham/usage` fetcher (tests). */
  readonly fetchUsage?: FetchUsage;
  /** Gate for leader-only jobs; wire the cluster's leader election here. @default () => true */
  readonly isLeader?: () => boolean | Promise<boolean>;
  /**
   * SQLite files: checkpoint the WAL from a worker thread instead of on the commit that fills it (the serving
   * process; store/wal-checkpointer.ts says why). Told when the worker fails (checkpoints are back on commits).
   */
  readonly backgroundCheckpoints?: { onError(err: unknown): void };
}

/** How often the background checkpointer runs: a second of request-log rows is a few hundred pages at most. */
const CHECKPOINT_INTERVAL_MS = 1000;

const DAY_MS = 86_400_000;

/** Pure wiring over an open DataSource and a loaded key. */
export function buildDataLayer(
  settings: Settings,
  dataSource: DataSource,
  cipher: TokenCipher,
  overrides: DataLayerOverrides = {},
): DataLayer {
  const accounts = new AccountRepository({ dataSource, cipher });
  const tokens = new TokenRefresher({
    accounts,
    claims: new RefreshClaims(dataSource),
    endpoint:
      overrides.tokenEndpoint ??
      httpTokenEndpoint({ tokenUrl: settings.oauthTokenUrl, timeoutMs: settings.tokenRefreshTimeoutSeconds * 1000 }),
    refreshIntervalMs: settings.tokenRefreshIntervalDays * DAY_MS,
    refreshTimeoutMs: settings.tokenRefreshTimeoutSeconds * 1000,
    claimTtlMs: settings.tokenRefreshClaimTtlSeconds * 1000,
    failureCooldownMs: settings.proxyRefreshFailureCooldownSeconds * 1000,
  });
  const usage = new UsageRecorder({ dataSource, accounts });
  const apiKeys = new ApiKeyService({ dataSource, holder: settings.sessionBridgeInstanceId });
  return {
    dataSource,
    accounts,
    accountAdmin: new AccountAdmin({ accounts }),
    tokens,
    apiKeys,
    apiKeyAdmin: new ApiKeyAdmin({ dataSource }),
    reservationKeeper: new ReservationKeeper({ apiKeys }),
    requestLogs: new RequestLogWriter({ dataSource }),
    usage,
    usagePoller: new UsagePoller({
      accounts,
      tokens,
      recorder: usage,
      fetchUsage:
        overrides.fetchUsage ??
        whamUsageFetcher({
          upstreamBaseUrl: settings.upstreamBaseUrl,
          timeoutMs: settings.usageFetchTimeoutSeconds * 1000,
          maxRetries: settings.usageFetchMaxRetries,
        }),
      ...(overrides.isLeader === undefined ? {} : { isLeader: overrides.isLeader }),
      intervalMs: settings.usageRefreshIntervalSeconds * 1000,
      authFailureCooldownMs: settings.usageRefreshAuthFailureCooldownSeconds * 1000,
    }),
    bridgeKey: cipher.deriveKey(BRIDGE_KEY_PURPOSE),
    cipher,
    close: () => dataSource.destroy(),
  };
}

/**
 * Connects, loads (or creates) the encryption key and checks its fingerprint against the database. The schema
 * must already be at head. Returns the warnings the caller should log (fingerprint mode `warn`).
 */
export async function openDataLayer(
  settings: Settings,
  overrides: DataLayerOverrides = {},
): Promise<{ dataLayer: DataLayer; warnings: string[] }> {
  const dataSource = await openDataSource(settings.database, {
    poolSize: settings.databasePoolSize,
    maxOverflow: settings.databaseMaxOverflow,
  });
  try {
    const cipher = await loadEncryptionKey(settings.encryptionKeyFile);
    const warning = await checkKeyFingerprint(dataSource, cipher.fingerprint, settings.encryptionKeyFingerprintMode);
    const warnings = warning === null ? [] : [warning];
    const dataLayer = buildDataLayer(settings, dataSource, cipher, overrides);
    const { database } = settings;
    if (!overrides.backgroundCheckpoints || database.dialect !== 'sqlite' || database.path === ':memory:') return { dataLayer, warnings };
    const checkpointer = await WalCheckpointer.start(dataSource, { path: database.path, intervalMs: CHECKPOINT_INTERVAL_MS, onError: overrides.backgroundCheckpoints.onError });
    const close = async (): Promise<void> => {
      await checkpointer.stop();
      await dataLayer.close();
    };
    return { dataLayer: { ...dataLayer, close }, warnings };
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}
