/**
 * The OAuth redirect target (`GET /auth/callback` on port 1455, `CODEX_LB_OAUTH_CALLBACK_HOST`): it finishes the
 * browser login the `state` names and shows a small page saying how it went. Nothing else is served on this port.
 * The page is self-contained (no script, no external resource) and every text on it is HTML-escaped.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from '../../observability/logger.ts';
import { AdminError } from '../../store/admin-error.ts';
import type { LoginFlows } from './login-flows.ts';
import { CALLBACK_PATH, readCallback } from './pkce.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function callbackPage(ok: boolean, message: string): string {
  const title = ok ? 'ChatGPT account added' : 'Login not completed';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px system-ui,sans-serif;margin:4rem auto;max-width:36rem;color:#1f2937}h1{font-size:1.4rem}</style></head>
<body><main><h1>${title}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}

export interface CallbackListener {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function listenForCallbacks(flows: Pick<LoginFlows, 'finishBrowser'>, options: { host: string; port: number; logger: Logger }): Promise<CallbackListener> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://callback.invalid');
    const send = (status: number, ok: boolean, message: string): void => {
      const body = callbackPage(ok, message);
      res.writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'referrer-policy': 'no-referrer',
      });
      res.end(body);
    };
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) return send(404, false, 'Not found.');
    flows
      .finishBrowser(readCallback(url.searchParams))
      .then((status) =>
        status.status === 'success'
          ? send(200, true, 'The account is in the pool. You can close this window and return to the dashboard.')
          : send(400, false, status.errorMessage ?? 'The login did not complete.'),
      )
      .catch((err: unknown) => {
        if (err instanceof AdminError) return send(err.status, false, err.message);
        options.logger.error('OAuth callback failed', { err });
        send(500, false, 'The login could not be completed; see the proxy log.');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
