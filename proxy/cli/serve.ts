/**
 * `codex-lb-proxy serve` (OPERATOR-CONTRACT.md): the API on `PORT` (2455), metrics on
 * `CODEX_LB_METRICS_PORT` when enabled. Startup order: settings → schema gate (migrate when
 * `CODEX_LB_DATABASE_MIGRATE_ON_STARTUP`, else wait for head within the startup budget and exit 1
 * without it) → data layer (encryption key fingerprint: a key the database was not first used with
 * exits 5 and writes `startup_error=encryption_key_mismatch` to the termination log) → listeners →
 * ring membership (the advertise URL must not reach another process, and no live replica may use it;
 * exit 1 otherwise) → heartbeat and leader-gated usage polling.
 * SIGTERM/SIGINT: drain (the ring learns this replica takes no new sessions), let in-flight work
 * finish within `CODEX_LB_SHUTDOWN_DRAIN_TIMEOUT_SECONDS`, leave the ring (session leases released),
 * close, exit 0.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { normalizeEndpoint } from '../cluster/advertise.ts';
import { probeAdvertised } from '../cluster/advertise-probe.ts';
import { ForwardSigner } from '../cluster/bridge-auth.ts';
import { LeaderElector } from '../cluster/leader.ts';
import { PendingWork } from '../cluster/pending-work.ts';
import { Ring, RingJoinError } from '../cluster/ring.ts';
import { RingStore } from '../cluster/ring-store.ts';
import { SessionOwnerStore } from '../cluster/session-owners.ts';
import type { Settings } from '../config/settings.ts';
import { composeProxy } from '../http/compose.ts';
import { adminApi, dataPorts, healthProbes } from '../http/data-ports.ts';
import { serveProxy } from '../http/server.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { startMetricsServer } from '../observability/metrics-server.ts';
import { openDataSource } from '../store/data-source.ts';
import { describeDatabase } from '../config/database-url.ts';
import { messageOf } from '../store/errors.ts';
import * as migrator from '../store/migrator.ts';
import { EncryptionKeyMismatchError } from '../accounts/key-fingerprint.ts';
import { startDashboard } from '../dashboard/wiring.ts';
import { openDataLayer, type DataLayer } from './data-layer.ts';
import { EXIT, exitWith } from './program.ts';
import { settingsFromEnvironment } from './settings-for-cli.ts';
import { writeTerminationLog } from './termination-log.ts';

interface ServeOptions {
  host: string;
  terminationLog?: string;
  /** How long to wait for the database and for another process (the migration Job) to bring the schema to head. */
  startupWaitSeconds: number;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the proxy API (and metrics when enabled)')
    .option('--host <address>', 'listen address for the API and metrics', '0.0.0.0')
    .option('--startup-wait-seconds <n>', 'wait this long for the database and the schema (the startup probe budget)', seconds, 60)
    .option('--termination-log <path>', 'where to write why startup failed (default /dev/termination-log when present)')
    .action(exitWith((options: ServeOptions) => serve(options)));
}

/** Commander parser for a non-negative number of seconds (shared with `drain`). */
export function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('expected a number of seconds ≥ 0');
  return parsed;
}

async function schemaGate(settings: Settings, logger: Logger, waitMs: number): Promise<boolean> {
  const dataSource = await migrator.waitForConnection(() => openDataSource(settings.database), { timeoutMs: waitMs, intervalMs: 1000 });
  try {
    if (settings.databaseMigrateOnStartup) {
      const result = await migrator.upgrade(dataSource, { lockTimeoutMs: settings.databaseMigrationLockTimeoutSeconds * 1000 });
      logger.info('database schema upgraded', { applied: result.applied, revision: result.state.current });
      return true;
    }
    const state = await migrator.waitForHead(dataSource, { timeoutMs: waitMs, intervalMs: 1000 });
    logger.info('database schema at head', { revision: state.current });
    return true;
  } catch (err) {
    logger.error('database schema is not usable; refusing to serve', { error: messageOf(err) });
    return false;
  } finally {
    await dataSource.destroy();
  }
}

async function serve(options: ServeOptions): Promise<number> {
  const settings = settingsFromEnvironment();
  if (settings === null) return 1;
  const logger = createLogger({ format: settings.logFormat, defaults: { instance: settings.sessionBridgeInstanceId } });
  for (const warning of settings.warnings) logger.warn(warning);
  logger.info('starting codex-lb-proxy', { database: describeDatabase(settings.database), upstream: settings.upstreamBaseUrl });

  if (!(await schemaGate(settings, logger, options.startupWaitSeconds * 1000).catch((err: unknown) => {
    logger.error('database unreachable', { error: messageOf(err) });
    return false;
  }))) {
    return 1;
  }

  let elector: LeaderElector | undefined;
  let dataLayer: DataLayer;
  try {
    const opened = await openDataLayer(settings, {
      isLeader: () => !settings.leaderElectionEnabled || (elector?.isLeader() ?? false),
      backgroundCheckpoints: { onError: (err) => logger.warn('SQLite background checkpoints failed; commits checkpoint again', { err }) },
    });
    dataLayer = opened.dataLayer;
    for (const warning of opened.warnings) logger.warn(warning);
  } catch (err) {
    logger.error('data layer failed to open', { error: messageOf(err) });
    if (err instanceof EncryptionKeyMismatchError) {
      // The operator reads this line from the Pod status and reports EncryptionKeyLost (OPERATOR-CONTRACT.md).
      await writeTerminationLog(`startup_error=${err.code}`, options.terminationLog);
      return EXIT.encryptionKeyMismatch;
    }
    return 1;
  }

  // This instance id's reservations belong to a run that is gone (crashed before settling): give them back.
  const reclaimed = await dataLayer.apiKeys.reclaimAbandoned({ holder: settings.sessionBridgeInstanceId }).catch((err: unknown) => {
    logger.warn('could not release API-key reservations left by a previous run', { error: messageOf(err) });
    return 0;
  });
  if (reclaimed > 0) logger.info('released API-key reservations left by a previous run', { count: reclaimed });

  let started = false;
  const pending = new PendingWork();
  const endpoint = settings.sessionBridgeAdvertiseBaseUrl === null ? null : normalizeEndpoint(settings.sessionBridgeAdvertiseBaseUrl);
  const owners = new SessionOwnerStore(dataLayer.dataSource);
  const ring = new Ring({ store: new RingStore(dataLayer.dataSource), owners, instanceId: settings.sessionBridgeInstanceId, endpoint, logger });
  // The dashboard's allow-list edits reach this replica's firewall at once (called long after `composed` exists).
  const dashboard = await startDashboard({ dataLayer, settings, logger, firewallChanged: () => composed.services.firewall.invalidate() });
  const composed = composeProxy({
    settings,
    dashboard: dashboard.services,
    routing: () => dashboard.services.settings.current(),
    cluster: { ring, owners, signer: new ForwardSigner(dataLayer.bridgeKey) },
    pending,
    ports: dataPorts(dataLayer, settings, logger, pending),
    health: { ...healthProbes(dataLayer, () => started), ringMembers: async () => (await ring.members()).length },
    admin: adminApi(dataLayer, settings, logger),
    logger,
    accountCounts: async () => {
      const counts: Record<string, number> = { ...(await dataLayer.accountAdmin.counts()) };
      delete counts.total;
      return counts;
    },
  });
  const { services } = composed;
  const api = await serveProxy(services, { host: options.host, port: settings.port });
  const refused = await joinRing(ring, settings, logger, Math.min(options.startupWaitSeconds, 10) * 1000);
  if (refused) {
    logger.error('refusing to serve: this replica cannot join the ring', { reason: refused });
    await api.shutdown(0);
    await dashboard.close();
    await composed.close();
    await dataLayer.close();
    return 1;
  }
  services.drain.onDrain(() => void ring.startDraining());
  let metricsServer: Server | undefined;
  if (settings.metricsEnabled) metricsServer = await startMetricsServer(services.metrics.registry, { host: options.host, port: settings.metricsPort });
  logger.info('listening', { api: api.url, metrics: settings.metricsEnabled ? settings.metricsPort : null });

  const background = new AbortController();
  const jobs: Promise<void>[] = [ring.run(background.signal), dashboard.run(background.signal)];
  if (settings.leaderElectionEnabled) {
    elector = new LeaderElector({ dataSource: dataLayer.dataSource, ttlSeconds: settings.leaderElectionTtlSeconds, logger });
    jobs.push(elector.run(background.signal));
  }
  jobs.push(dataLayer.reservationKeeper.run(background.signal, (err) => logger.warn('API-key reservation upkeep failed', { err })));
  if (settings.usageRefreshEnabled) {
    jobs.push(dataLayer.usagePoller.run(background.signal, (err) => logger.warn('usage poll pass failed', { err })));
  }
  started = true;

  const [signal] = (await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')])) as [NodeJS.Signals];
  logger.info('shutting down', { signal, inFlight: services.drain.inFlight });
  await api.shutdown(settings.shutdownDrainTimeoutSeconds * 1000);
  background.abort();
  await Promise.allSettled(jobs);
  await ring.leave();
  metricsServer?.close();
  await dashboard.close();
  await composed.close();
  await dataLayer.close();
  logger.info('stopped');
  return 0;
}

/**
 * Joins the ring; the reason when this replica must not serve. With the session bridge on, peers will
 * forward sessions to the advertise URL: it must not reach another process (checked first; a URL that
 * does not answer yet only warns) and must be this replica's alone. With the bridge off the ring only
 * partitions the account caps.
 */
async function joinRing(ring: Ring, settings: Settings, logger: Logger, probeMs: number): Promise<string | undefined> {
  if (settings.sessionBridgeEnabled && ring.self.endpoint !== null) {
    const verdict = await probeAdvertised(ring.self.endpoint, ring.self.processId, { timeoutMs: probeMs });
    if (verdict.kind === 'other') return verdict.problem;
    if (verdict.kind === 'silent') logger.warn('other replicas may not reach this one; they serve its sessions themselves when they can', { reason: verdict.problem });
  }
  try {
    if (settings.sessionBridgeEnabled) await ring.join();
    else await ring.register();
    return undefined;
  } catch (err) {
    if (err instanceof RingJoinError) return err.message;
    return `ring registration failed: ${messageOf(err)}`;
  }
}
