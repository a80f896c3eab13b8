import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from './settings.ts';

/** Everything the operator renders into a pod (OPERATOR-CONTRACT.md "Environment the operator sets"). */
const OPERATOR_ENV = {
  CODEX_LB_DATA_DIR: '/var/lib/codex-lb',
  CODEX_LB_DATABASE_URL: 'postgresql+asyncpg://codex:fake-password@db.example.test:5432/codexlb',
  CODEX_LB_DATABASE_MIGRATE_ON_STARTUP: 'false',
  CODEX_LB_DATABASE_POOL_SIZE: '3',
  CODEX_LB_DATABASE_MAX_OVERFLOW: '1',
  CODEX_LB_ENCRYPTION_KEY_FILE: '/etc/codex-lb/encryption/encryption.key',
  CODEX_LB_ADMIN_TOKEN_FILE: '/etc/codex-lb/admin/token',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID: 'codex-lb-0',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL: 'http://codex-lb-0.codex-lb-handoff.ns.svc.cluster.local:2455',
  CODEX_LB_METRICS_ENABLED: 'true',
  CODEX_LB_METRICS_PORT: '9090',
  CODEX_LB_SHUTDOWN_DRAIN_TIMEOUT_SECONDS: '30',
  CODEX_LB_OAUTH_CALLBACK_HOST: '0.0.0.0',
  CODEX_LB_LOG_FORMAT: 'json',
  CODEX_LB_UPSTREAM_BASE_URL: 'https://chatgpt.com/backend-api',
  CODEX_LB_UPSTREAM_STREAM_TRANSPORT: 'auto',
  CODEX_LB_UPSTREAM_CONNECT_TIMEOUT_SECONDS: '10',
  CODEX_LB_PROXY_REQUEST_BUDGET_SECONDS: '600',
  CODEX_LB_STREAM_IDLE_TIMEOUT_SECONDS: '7200',
  CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS: 'true',
  CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS: '10.0.0.0/8, 192.168.0.0/16,fd00::/8',
  CODEX_LB_LEADER_ELECTION_ENABLED: 'true',
  CODEX_LB_LEADER_ELECTION_TTL_SECONDS: '30',
  POD_NAME: 'codex-lb-0',
  POD_NAMESPACE: 'ns',
  POD_IP: '10.1.2.3',
};

function problemsOf(env: Record<string, string>): readonly { variable: string; message: string }[] {
  try {
    loadSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).problems;
  }
  throw new Error('expected loadSettings to throw');
}

describe('loadSettings', () => {
  it('accepts every variable the operator sets and types each value', () => {
    const settings = loadSettings(OPERATOR_ENV);
    expect(settings.database).toEqual({
      dialect: 'postgres',
      url: 'postgresql://codex:fake-password@db.example.test:5432/codexlb',
    });
    expect(settings.databaseMigrateOnStartup).toBe(false);
    expect(settings.databasePoolSize).toBe(3);
    expect(settings.metricsEnabled).toBe(true);
    expect(settings.logFormat).toBe('json');
    expect(settings.upstreamConnectTimeoutSeconds).toBe(10);
    expect(settings.firewallTrustedProxyCidrs).toEqual(['10.0.0.0/8', '192.168.0.0/16', 'fd00::/8']);
    expect(settings.sessionBridgeInstanceId).toBe('codex-lb-0');
    expect(settings.adminTokenFile).toBe('/etc/codex-lb/admin/token');
    expect(settings.warnings).toEqual([]);
  });

  it('applies the upstream defaults when nothing is set', () => {
    const settings = loadSettings({ HOME: '/home/user', HOSTNAME: 'laptop' });
    expect(settings.dataDir).toBe('/home/user/.codex-lb');
    expect(settings.database).toEqual({ dialect: 'sqlite', path: '/home/user/.codex-lb/store.db' });
    expect(settings.encryptionKeyFile).toBe('/home/user/.codex-lb/encryption.key');
    expect(settings.upstreamBaseUrl).toBe('https://chatgpt.com/backend-api');
    expect(settings.oauthTokenUrl).toBe('https://auth.openai.com/oauth/token');
    expect(settings.tokenRefreshIntervalDays).toBe(8);
    expect(settings.tokenRefreshTimeoutSeconds).toBe(8);
    expect(settings.tokenRefreshClaimTtlSeconds).toBe(30);
    expect(settings.usageRefreshIntervalSeconds).toBe(60);
    expect(settings.sseKeepaliveIntervalSeconds).toBe(10);
    expect(settings.streamFirstEventTimeoutSeconds).toBe(20);
    expect(settings.proxyRequestBudgetSeconds).toBe(600);
    expect(settings.firewallTrustedProxyCidrs).toEqual(['127.0.0.1/32', '::1/128']);
    expect(settings.metricsPort).toBe(9090);
    expect(settings.port).toBe(2455);
    expect(settings.routingStrategy).toBe('capacity_weighted');
    expect(settings.apiKeyAuthEnabled).toBe(false);
    expect(settings.sessionBridgeInstanceId).toBe('laptop');
    expect(settings.leaderElectionTtlSeconds).toBe(60);
  });

  it('treats an empty value as unset', () => {
    const settings = loadSettings({ CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING: '', CODEX_LB_METRICS_PORT: '' });
    expect(settings.sessionBridgeInstanceRing).toEqual([]);
    expect(settings.metricsPort).toBe(9090);
  });

  it('returns a frozen object', () => {
    const settings = loadSettings({});
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.firewallTrustedProxyCidrs)).toBe(true);
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['1', true],
    ['0', false],
  ])('reads the boolean %j as %j', (raw, expected) => {
    expect(loadSettings({ CODEX_LB_METRICS_ENABLED: raw }).metricsEnabled).toBe(expected);
  });

  it('rejects an unknown CODEX_LB_ variable by name', () => {
    expect(problemsOf({ CODEX_LB_METRICS_PROT: '9090' })).toEqual([
      { variable: 'CODEX_LB_METRICS_PROT', message: expect.stringContaining('unknown setting') },
    ]);
  });

  it('ignores variables outside the CODEX_LB_ prefix', () => {
    expect(() => loadSettings({ PATH: '/usr/bin', SOMETHING_ELSE: 'x' })).not.toThrow();
  });

  it.each([
    // The Kubernetes service-link trap: a Service named codex-lb-metrics injects this.
    ['CODEX_LB_METRICS_PORT', 'tcp://10.0.0.1:9090', 'must be an integer (got "tcp://10.0.0.1:9090")'],
    ['CODEX_LB_METRICS_PORT', '70000', 'must be <= 65535 (got "70000")'],
    ['CODEX_LB_METRICS_ENABLED', 'yes', 'must be true, false, 1 or 0 (got "yes")'],
    ['CODEX_LB_LOG_FORMAT', 'xml', 'must be one of text, json (got "xml")'],
    ['CODEX_LB_UPSTREAM_STREAM_TRANSPORT', 'carrier-pigeon', 'must be one of http, websocket, auto (got "carrier-pigeon")'],
    ['CODEX_LB_UPSTREAM_BASE_URL', 'chatgpt.com', 'must be an http(s) URL (got "chatgpt.com")'],
    ['CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS', '10.0.0.0/8,10.0.0.0/99', 'item 2 must be a CIDR such as 10.0.0.0/8 (got "10.0.0.0/8,10.0.0.0/99")'],
    ['CODEX_LB_PROXY_REQUEST_BUDGET_SECONDS', '0', 'must be > 0 (got "0")'],
    ['CODEX_LB_LEADER_ELECTION_TTL_SECONDS', '2', 'must be >= 5 (got "2")'],
    ['CODEX_LB_TOKEN_REFRESH_INTERVAL_DAYS', 'eight', 'must be a number (got "eight")'],
  ])('rejects %s=%j naming the variable and the problem', (variable, raw, message) => {
    expect(problemsOf({ [variable]: raw })).toEqual([{ variable, message }]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ CODEX_LB_METRICS_PORT: 'x', CODEX_LB_LOG_FORMAT: 'xml', CODEX_LB_NOPE: '1' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['CODEX_LB_LOG_FORMAT', 'CODEX_LB_METRICS_PORT', 'CODEX_LB_NOPE']);
  });

  it('puts each problem in the error message, one line per variable', () => {
    expect(() => loadSettings({ CODEX_LB_METRICS_PORT: 'x' })).toThrow(
      'invalid proxy configuration:\n  CODEX_LB_METRICS_PORT: must be an integer (got "x")',
    );
  });

  it('never echoes the database URL, which may carry a password', () => {
    const problems = problemsOf({ CODEX_LB_DATABASE_URL: 'mysql://root:fake-secret-pw@db/x' });
    expect(problems).toEqual([{ variable: 'CODEX_LB_DATABASE_URL', message: expect.stringContaining('unsupported scheme') }]);
    expect(JSON.stringify(problems)).not.toContain('fake-secret-pw');
  });

  it.each(['CODEX_LB_AUTH_BASE_URL', 'CODEX_LB_OAUTH_REDIRECT_URI', 'CODEX_LB_DATABASE_POOL_RECYCLE_SECONDS'])(
    'warns about the removed upstream setting %s instead of failing',
    (variable) => {
      const settings = loadSettings({ [variable]: 'anything' });
      expect(settings.warnings).toEqual([`${variable} was removed upstream (now a fixed constant) and is ignored`]);
    },
  );

  it('warns about upstream settings this proxy does not implement', () => {
    const settings = loadSettings({ CODEX_LB_TELEMETRY_ENABLED: 'true' });
    expect(settings.warnings).toEqual([
      'CODEX_LB_TELEMETRY_ENABLED is an upstream codex-lb setting this proxy does not implement; it is ignored',
    ]);
  });

  it('traces only with a collector to send spans to', () => {
    expect(problemsOf({ CODEX_LB_OTEL_ENABLED: 'true' })).toEqual([
      { variable: 'CODEX_LB_OTEL_EXPORTER_ENDPOINT', message: 'required when CODEX_LB_OTEL_ENABLED is true' },
    ]);
    const settings = loadSettings({ CODEX_LB_OTEL_ENABLED: 'true', CODEX_LB_OTEL_EXPORTER_ENDPOINT: 'http://otel.observability:4318' });
    expect([settings.otelEnabled, settings.otelExporterEndpoint, settings.warnings]).toEqual([true, 'http://otel.observability:4318', []]);
  });

  it('points token refresh at CODEX_LB_OAUTH_TOKEN_URL', () => {
    expect(loadSettings({ CODEX_LB_OAUTH_TOKEN_URL: 'http://127.0.0.1:9999/oauth/token' }).oauthTokenUrl).toBe(
      'http://127.0.0.1:9999/oauth/token',
    );
  });

  it('bounds memory and slow clients by default (issue 12): body budget, request timeouts, WebSocket queue', () => {
    const settings = loadSettings({});
    expect(settings.maxInflightBodyBytes).toBe(128 * 1024 * 1024);
    expect(settings.memoryRejectThresholdMb).toBe(0);
    expect(settings.requestHeadersTimeoutSeconds).toBe(60);
    expect(settings.requestBodyTimeoutSeconds).toBe(300);
    expect(settings.proxyDownstreamWebsocketQueueLimit).toBe(8);
    expect(settings.allowedOrigins).toEqual([]);
    expect(loadSettings({ CODEX_LB_MEMORY_REJECT_THRESHOLD_MB: '768' }).warnings).toEqual([]);
  });

  it('takes browser origins exactly as browsers send them, or *', () => {
    expect(loadSettings({ CODEX_LB_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:3000' }).allowedOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
    ]);
    expect(loadSettings({ CODEX_LB_ALLOWED_ORIGINS: '*' }).allowedOrigins).toEqual(['*']);
    expect(problemsOf({ CODEX_LB_ALLOWED_ORIGINS: 'https://app.example.com/, app.example.com' })).toEqual([
      {
        variable: 'CODEX_LB_ALLOWED_ORIGINS',
        message: 'item 1 must be an origin such as https://app.example.com (scheme, host, optional port; no path) or * (got "https://app.example.com/, app.example.com")',
      },
    ]);
  });

  it('replicated mode: caps and the circuit breaker are real settings (0 caps = unlimited), and a static ring must list this replica', () => {
    const settings = loadSettings({ CODEX_LB_PROXY_ACCOUNT_STREAM_LIMIT: '0', CODEX_LB_CIRCUIT_BREAKER_ENABLED: 'true' });
    expect(settings.proxyAccountStreamLimit).toBe(0);
    expect(settings.circuitBreakerEnabled).toBe(true);
    expect(settings.warnings).toEqual([]);
    expect(loadSettings({}).circuitBreakerEnabled).toBe(false);
    expect(problemsOf({ CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID: 'pod-3', CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING: 'pod-0,pod-1' })).toEqual([
      { variable: 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING', message: 'does not list this replica\'s instance id "pod-3"' },
    ]);
  });
});
