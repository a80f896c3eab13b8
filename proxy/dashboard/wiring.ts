/**
 * Assembles the dashboard from the open data layer and the settings, and starts what it runs beside the API: the
 * OAuth callback listener (port 1455, `CODEX_LB_OAUTH_CALLBACK_HOST`) and the settings refresher. `serve` and the
 * test harness call this one function, so both run the same dashboard.
 */
import { fileURLToPath } from 'node:url';
import type { DataLayer } from '../cli/data-layer.ts';
import type { Settings } from '../config/settings.ts';
import { blockListOf } from '../http/client-ip.ts';
import type { Logger } from '../observability/logger.ts';
import { DashboardAuth } from './auth/dashboard-auth.ts';
import { SessionStore } from './auth/sessions.ts';
import { listenForCallbacks, type CallbackListener } from './oauth/callback-server.ts';
import { LoginClient, loginEndpoints } from './oauth/login-client.ts';
import { LoginFlows } from './oauth/login-flows.ts';
import { DEFAULT_CALLBACK_PORT, redirectUriFor } from './oauth/pkce.ts';
import type { DashboardServices } from './services.ts';
import { FirewallList } from './settings/firewall-list.ts';
import { RuntimeSettings } from './settings/runtime-settings.ts';
import { SettingsRow } from './settings/settings-row.ts';

/** Where `make setup` and the image put the built UI (proxy/dashboard/ui, `vite build`). */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('./ui/dist', import.meta.url));
const CSRF_KEY_PURPOSE = 'dashboard-csrf';

export interface DashboardOptions {
  readonly dataLayer: DataLayer;
  readonly settings: Settings;
  readonly logger: Logger;
  /** @default 1455 (the port OpenAI registered for the Codex client's redirect URI); tests pass 0. */
  readonly callbackPort?: number;
  /** @default DEFAULT_STATIC_DIR */
  readonly staticDir?: string;
  /** Tells the firewall of the proxy routes that the allow-list changed. */
  readonly firewallChanged?: () => void;
}

export interface RunningDashboard {
  readonly services: DashboardServices;
  /** Undefined when the callback port could not be bound. */
  readonly callback: CallbackListener | undefined;
  /** Re-reads the run-time settings until `signal` aborts (other replicas' changes). */
  run(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const { dataLayer, settings, logger } = options;
  const { dataSource } = dataLayer;
  const imported = (accountId: string): void => {
    void dataLayer.accounts
      .get(accountId)
      .then((account) => (account ? dataLayer.usagePoller.pollAccount(account) : undefined))
      .catch((err: unknown) => logger.warn('usage poll after import failed', { accountId, err }));
  };
  // The listener is bound first: the redirect URI names its real port (tests bind port 0). A port another process
  // holds (several proxies on one machine) costs only the automatic finish: the dashboard then asks for the
  // redirect URL to be pasted (`/api/oauth/manual-callback`).
  const port = options.callbackPort ?? DEFAULT_CALLBACK_PORT;
  const late: { logins?: LoginFlows } = {};
  const callback = await listenForCallbacks(
    { finishBrowser: (query) => (late.logins ?? failNotReady()).finishBrowser(query) },
    { host: settings.oauthCallbackHost, port, logger },
  ).catch((err: unknown) => {
    logger.warn('the OAuth callback port is unavailable; browser logins finish by pasting the redirect URL', {
      host: settings.oauthCallbackHost,
      port,
      code: (err as { code?: string }).code,
    });
    return undefined;
  });
  const logins = new LoginFlows({
    dataSource,
    cipher: dataLayer.cipher,
    client: new LoginClient({ endpoints: loginEndpoints(settings.oauthTokenUrl), timeoutMs: settings.oauthTimeoutSeconds * 1000 }),
    accounts: dataLayer.accountAdmin,
    redirectUri: redirectUriFor(callback?.port ?? port),
    imported,
  });
  late.logins = logins;
  const row = new SettingsRow(dataSource);
  const runtime = new RuntimeSettings({
    row,
    env: { routingStrategy: settings.routingStrategy, stickyThreadsEnabled: true, preferEarlierResetAccounts: true },
    explicit: settings.explicit,
  });
  await runtime.refresh();
  const services: DashboardServices = {
    dataSource,
    auth: new DashboardAuth({
      mode: settings.dashboardAuthMode,
      proxyHeader: settings.dashboardAuthProxyHeader,
      bootstrapToken: settings.dashboardBootstrapToken,
      trust: { trustProxyHeaders: settings.firewallTrustProxyHeaders, trustedProxies: blockListOf(settings.firewallTrustedProxyCidrs) },
      row,
      sessions: new SessionStore(dataSource),
      csrfKey: dataLayer.cipher.deriveKey(CSRF_KEY_PURPOSE),
    }),
    accounts: dataLayer.accounts,
    accountAdmin: dataLayer.accountAdmin,
    apiKeys: dataLayer.apiKeyAdmin,
    settings: runtime,
    firewall: new FirewallList({ dataSource, fromEnvironment: settings.firewallAllowlist, changed: options.firewallChanged }),
    logins,
    imported,
    staticDir: options.staticDir ?? DEFAULT_STATIC_DIR,
  };
  return {
    services,
    callback,
    run: (signal) => runtime.run(signal, (err) => logger.warn('dashboard settings refresh failed', { err })),
    close: async () => callback?.close(),
  };
}

function failNotReady(): never {
  throw new Error('the OAuth callback arrived before the dashboard was assembled');
}
