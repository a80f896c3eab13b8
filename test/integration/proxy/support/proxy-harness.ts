/**
 * Starts the proxy in this process the way `codex-lb-proxy serve` does — real settings parsing, real
 * data layer (SQLite or PostgreSQL, migrated), the same composition — pointed at a fake upstream
 * for both the Codex backend and the OAuth token endpoint.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeUpstream, AccountCredentials } from '../../../fakes/fake-upstream.ts';
import { loadSettings, type Settings } from '../../../../proxy/config/settings.ts';
import { openDataLayer, type DataLayer } from '../../../../proxy/cli/data-layer.ts';
import { openDataSource } from '../../../../proxy/store/data-source.ts';
import * as migrator from '../../../../proxy/store/migrator.ts';
import { PendingWork } from '../../../../proxy/cluster/pending-work.ts';
import { DEFAULT_POOL_CACHING } from '../../../../proxy/routing/account-pool.ts';
import { composeProxy, type ClusterWiring } from '../../../../proxy/http/compose.ts';
import { ForwardSigner } from '../../../../proxy/cluster/bridge-auth.ts';
import { Ring } from '../../../../proxy/cluster/ring.ts';
import { RingStore } from '../../../../proxy/cluster/ring-store.ts';
import { SessionOwnerStore } from '../../../../proxy/cluster/session-owners.ts';
import { adminApi, dataPorts, healthProbes } from '../../../../proxy/http/data-ports.ts';
import { serveProxy, type ListeningServer } from '../../../../proxy/http/server.ts';
import type { ProxyServices } from '../../../../proxy/http/services.ts';
import type { FirewallAllowlist } from '../../../../proxy/http/ports.ts';
import type { RuntimeRegistry } from '../../../../proxy/routing/runtime-state.ts';
import { createLogger, type Logger } from '../../../../proxy/observability/logger.ts';
import { Writable } from 'node:stream';
import { startDashboard, type RunningDashboard } from '../../../../proxy/dashboard/wiring.ts';

export interface ProxyUnderTest {
  readonly url: string;
  readonly settings: Settings;
  readonly dataLayer: DataLayer;
  readonly services: ProxyServices;
  readonly runtime: RuntimeRegistry;
  readonly server: ListeningServer;
  /** The dashboard, as serve starts it (its OAuth callback listener on a free port). */
  readonly dashboard: RunningDashboard;
  /** Every log line written so far (JSON lines). */
  readonly logs: string[];
  /** Imports a fake account's auth.json; returns the proxy's account id. */
  importAccount(account: AccountCredentials): Promise<string>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The upstream: the suite's in-process fake, or one in its own process (only its URL is used). */
  fake: Pick<FakeUpstream, 'url'>;
  /** From Databases.fresh(); unset = SQLite in the data dir. */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** Overrides the firewall allow-list (by default read from CODEX_LB_FIREWALL_ALLOWLIST). */
  firewall?: FirewallAllowlist;
  /** The request path's clock (epoch ms), e.g. to cross the circuit breaker's recovery time. */
  clock?: () => number;
  /** Join the database ring as `serve` does (instance id from the settings), so forwards to it are accepted. */
  cluster?: boolean;
  /** The built UI to serve; @default none (the API only). */
  staticDir?: string;
}

export async function migrate(settings: Settings): Promise<void> {
  const dataSource = await openDataSource(settings.database);
  try {
    await migrator.upgrade(dataSource, { lockTimeoutMs: 30_000 });
  } finally {
    await dataSource.destroy();
  }
}

function captureLogger(lines: string[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return createLogger({ format: 'json', level: 'debug', stream });
}

export async function startProxy(options: StartOptions): Promise<ProxyUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'codexlb-proxy-'));
  const settings = loadSettings({
    CODEX_LB_DATA_DIR: dataDir,
    CODEX_LB_UPSTREAM_BASE_URL: `${options.fake.url}/backend-api`,
    CODEX_LB_OAUTH_TOKEN_URL: `${options.fake.url}/oauth/token`,
    CODEX_LB_USAGE_REFRESH_ENABLED: 'false',
    ...(options.databaseUrl ? { CODEX_LB_DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  await migrate(settings);
  const { dataLayer } = await openDataLayer(settings);
  const logs: string[] = [];
  const logger = captureLogger(logs);
  const pending = new PendingWork();
  let cluster: ClusterWiring | undefined;
  if (options.cluster) {
    const owners = new SessionOwnerStore(dataLayer.dataSource);
    const ring = new Ring({ store: new RingStore(dataLayer.dataSource), owners, instanceId: settings.sessionBridgeInstanceId, endpoint: null, logger });
    await ring.register();
    cluster = { ring, owners, signer: new ForwardSigner(dataLayer.bridgeKey) };
  }
  const dashboard = await startDashboard({
    dataLayer,
    settings,
    logger,
    callbackPort: 0,
    staticDir: options.staticDir ?? join(dataDir, 'no-ui'),
    firewallChanged: () => composed.services.firewall.invalidate(),
  });
  const composed = composeProxy({
    settings,
    cluster,
    dashboard: dashboard.services,
    routing: () => dashboard.services.settings.current(),
    pending,
    // Tests change accounts behind the proxy's back (SQL, repository events) and expect the next
    // request to see it: the account list is read per selection here; tokens are cached as in serve.
    ports: {
      ...dataPorts(dataLayer, settings, logger, pending, { ...DEFAULT_POOL_CACHING, listTtlMs: 0 }),
      ...(options.firewall ? { firewall: options.firewall } : {}),
    },
    health: healthProbes(dataLayer, () => true),
    admin: adminApi(dataLayer, settings, logger),
    logger,
    clock: options.clock,
  });
  const server = await serveProxy(composed.services, { host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    settings,
    dataLayer,
    services: composed.services,
    runtime: composed.runtime,
    server,
    dashboard,
    logs,
    async importAccount(account) {
      const { account: view } = await dataLayer.accountAdmin.importAuthJson(account.authJson());
      return view.id;
    },
    async close() {
      await server.shutdown(0);
      await dashboard.close();
      await composed.close();
      await dataLayer.close();
    },
  };
}
