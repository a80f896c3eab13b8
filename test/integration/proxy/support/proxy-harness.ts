/**
 * Starts the proxy's HTTP server in this process against a fake upstream, with in-memory data
 * ports unless a test passes its own. Same composition as `codex-lb-proxy serve` (compose.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeUpstream } from '../../../fakes/fake-upstream.ts';
import { loadSettings } from '../../../../proxy/config/settings.ts';
import { composeProxy, type DataPorts } from '../../../../proxy/http/compose.ts';
import { createApp } from '../../../../proxy/http/app.ts';
import { listen, type ListeningServer } from '../../../../proxy/http/server.ts';
import type { ProxyServices } from '../../../../proxy/http/services.ts';
import type { RuntimeRegistry } from '../../../../proxy/routing/runtime-state.ts';
import { silentLogger } from '../../../../proxy/observability/logger.ts';
import { MemoryAccountPool, MemoryAffinity, MemoryApiKeys, MemoryFirewall, MemoryOwners, MemoryRequestLog, RecordingUsage, zeroPricing } from './memory-ports.ts';

export interface MemoryPorts extends DataPorts {
  pool: MemoryAccountPool;
  usage: RecordingUsage;
  affinity: MemoryAffinity;
  owners: MemoryOwners;
  apiKeys: MemoryApiKeys;
  requestLog: MemoryRequestLog;
  firewall: MemoryFirewall;
}

export interface TestProxy {
  readonly url: string;
  readonly services: ProxyServices;
  readonly runtime: RuntimeRegistry;
  readonly server: ListeningServer;
  close(): Promise<void>;
}

export function memoryPorts(fake: FakeUpstream): MemoryPorts {
  return {
    pool: new MemoryAccountPool(fake),
    usage: new RecordingUsage(),
    affinity: new MemoryAffinity(),
    owners: new MemoryOwners(),
    apiKeys: new MemoryApiKeys(),
    requestLog: new MemoryRequestLog(),
    pricing: zeroPricing,
    firewall: new MemoryFirewall(),
  };
}

export async function startTestProxy(fake: FakeUpstream, ports: DataPorts, env: Record<string, string> = {}): Promise<TestProxy> {
  const settings = loadSettings({
    CODEX_LB_DATA_DIR: mkdtempSync(join(tmpdir(), 'codexlb-proxy-')),
    CODEX_LB_UPSTREAM_BASE_URL: `${fake.url}/backend-api`,
    ...env,
  });
  const composed = composeProxy({
    settings,
    ports,
    logger: silentLogger(),
    health: { database: async () => true, schemaAtHead: async () => true, started: () => true },
  });
  const app = createApp(composed.services);
  const server = await listen(app, { host: '127.0.0.1', port: 0, drain: composed.services.drain });
  return {
    url: server.url,
    services: composed.services,
    runtime: composed.runtime,
    server,
    async close() {
      await server.shutdown(0);
      await composed.close();
    },
  };
}
