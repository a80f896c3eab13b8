/**
 * A fake ChatGPT upstream: the Codex backend (`/backend-api/...`) and the OAuth token endpoint of
 * auth.openai.com on one loopback HTTP + WebSocket server, speaking the wire contract of
 * /work/shared/reference/proxy-contract.md §2, §5, §7, §8. Every proxy test points at it.
 *
 *   POST /backend-api/codex/responses          SSE turn (responses-http.ts)
 *   GET  /backend-api/codex/responses (upgrade) WebSocket turns (responses-ws.ts)
 *   GET  /backend-api/codex/models             model catalog for the caller's plan (json-routes.ts)
 *   GET  /backend-api/wham/usage               usage windows and credits (json-routes.ts)
 *   POST /oauth/token                          refresh grant with rotation (oauth.ts), authorization-code exchange (login.ts)
 *   GET  /oauth/authorize                      ChatGPT login in the browser: redirects back with a code (login.ts)
 *   POST /api/accounts/deviceauth/{usercode,token}  device-code login (login.ts)
 *   /__fake/*                                  control API (control-api.ts)
 *
 * Point the proxy's upstream base URL at `${url}/backend-api` and its OAuth base at `url`.
 * Tests drive behaviour per account through `script()` and read what arrived from `requests`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccountCredentials, AccountOptions } from './accounts.ts';
import { serveControl } from './control-api.ts';
import { parseBody, readBody, sendJson } from './http-io.ts';
import { serveModels, serveUsage } from './json-routes.ts';
import { serveToken } from './oauth.ts';
import { serveAuthorize, serveDeviceToken, serveDeviceUserCode } from './login-routes.ts';
import type { DeviceDecision, LoginChoice } from './login.ts';
import { isAbort } from './playback.ts';
import type { UsagePatch, UsageState } from './rate-limits.ts';
import type { RecordedRequest } from './request-log.ts';
import { serveResponsesHttp } from './responses-http.ts';
import { ResponsesSocketServer } from './responses-ws.ts';
import type { PendingScript, ScriptOptions, Step } from './scripts.ts';
import { UpstreamState, type StreamCount } from './upstream-state.ts';

export { ANY_ACCOUNT } from './scripts.ts';
export { echoText } from './turns.ts';
export type { AccountCredentials, AccountOptions, CodexAuthJson } from './accounts.ts';
export type { UsagePatch, UsageState } from './rate-limits.ts';
export type { RecordedRequest } from './request-log.ts';
export type { StreamCount } from './upstream-state.ts';
export type { Endpoint, PendingScript, ScriptOptions, Step } from './scripts.ts';

export interface FakeUpstreamOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** Loopback only unless a caller insists. @default '127.0.0.1' */
  host?: string;
}

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  addAccount(options?: AccountOptions): AccountCredentials;
  /** A new `codex login`: fresh tokens for the account (the earlier ones keep their state). */
  login(accountId: string): AccountCredentials;
  /** Current credentials of an account (they change on every refresh). */
  account(accountId: string): AccountCredentials;
  accounts(): AccountCredentials[];
  /** Changes the usage windows reported by headers, `codex.rate_limits` and `/wham/usage`. */
  setUsage(accountId: string, patch: UsagePatch): UsageState;
  /** Kills every access token of the account, as a server-side logout would. */
  revokeAccessTokens(accountId: string, reason?: 'token_invalidated' | 'token_expired'): void;
  /** Queues `step` for `target` (an account id, or ANY_ACCOUNT). Throws on a step/endpoint mismatch. */
  script(target: string, step: Step, options?: ScriptOptions): void;
  pendingScripts(): PendingScript[];
  clearScripts(): void;
  /** Streams an account has open now, and the most it had open at once since the last reset. */
  streams(accountId: string): StreamCount;
  /** Every request received so far, oldest first (a copy). */
  readonly requests: RecordedRequest[];
  clearRequests(): void;
  /** Decides who signs in at the next browser login (default: a new Pro account). */
  nextLogin(choice: LoginChoice): void;
  /** The user's answer to a device code (approve with an account, deny), or the code running out. */
  decideDevice(userCode: string, decision: DeviceDecision): void;
  /** Device codes issued so far, oldest first. */
  deviceCodes(): string[];
  /** Forgets accounts, scripts and requests; the server keeps listening on the same port. */
  reset(): void;
  /** Aborts stalled streams, drops every connection and stops listening. */
  close(): Promise<void>;
}

type RouteHandler = (state: UpstreamState, req: IncomingMessage, res: ServerResponse, url: URL, body: unknown) => Promise<void>;

const ROUTES: Record<string, RouteHandler> = {
  'POST /backend-api/codex/responses': serveResponsesHttp,
  'GET /backend-api/codex/models': serveModels,
  'GET /backend-api/wham/usage': serveUsage,
  'POST /oauth/token': serveToken,
  'GET /oauth/authorize': serveAuthorize,
  'POST /api/accounts/deviceauth/usercode': serveDeviceUserCode,
  'POST /api/accounts/deviceauth/token': serveDeviceToken,
};
const SOCKET_PATH = '/backend-api/codex/responses';

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const lifetime = new AbortController();
  const state = new UpstreamState({ now: Date.now, signal: lifetime.signal });
  const sockets = new ResponsesSocketServer(state);
  const connections = new Set<Socket>();

  const fake: FakeUpstream = {
    url: '',
    port: 0,
    addAccount: (accountOptions) => state.accounts.add(accountOptions),
    account: (accountId) => state.accounts.credentials(accountId),
    login: (accountId) => state.accounts.login(accountId),
    accounts: () => state.accounts.list(),
    setUsage: (accountId, patch) => state.accounts.setUsage(accountId, patch),
    revokeAccessTokens: (accountId, reason) => state.accounts.revokeAccessTokens(accountId, reason),
    script: (target, step, scriptOptions) => state.scripts.add(target, step, scriptOptions),
    pendingScripts: () => state.scripts.pending(),
    clearScripts: () => state.scripts.clear(),
    streams: (accountId) => state.streams(accountId),
    nextLogin: (choice) => state.logins.nextLogin(choice),
    decideDevice: (userCode, decision) => state.logins.decideDevice(userCode, decision),
    deviceCodes: () => state.logins.deviceCodes(),
    get requests() {
      return state.log.list();
    },
    clearRequests: () => state.log.clear(),
    reset: () => state.reset(),
    close,
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // The client leaving or the fake closing ends a reply early; that is not a fault.
      const interrupted = isAbort(err) || res.destroyed;
      if (!interrupted) console.error('fake upstream: request failed:', err);
      if (res.headersSent || interrupted) res.destroy();
      else sendJson(res, 500, { detail: `fake upstream error: ${err instanceof Error ? err.message : String(err)}` });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-upstream');
    let body: unknown;
    try {
      body = parseBody(await readBody(req), req.headers['content-type']);
    } catch (err) {
      sendJson(res, 400, { detail: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (url.pathname.startsWith('/__fake/')) {
      serveControl(fake, req, res, url, body);
      return;
    }
    const route = ROUTES[`${req.method} ${url.pathname}`];
    if (!route) {
      state.record(req, url, { endpoint: 'unmatched', body, accountId: undefined });
      sendJson(res, 404, { detail: 'Not Found' });
      return;
    }
    await route(state, req, res, url, body);
  }

  server.on('connection', (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake-upstream');
    if (url.pathname !== SOCKET_PATH) {
      state.record(req, url, { endpoint: 'unmatched', body: undefined, accountId: undefined, transport: 'ws' });
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, url).catch((err: unknown) => {
      if (!isAbort(err)) console.error('fake upstream: websocket upgrade failed:', err);
      socket.destroy();
    });
  });

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= (async () => {
      lifetime.abort();
      sockets.close();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of connections) socket.destroy();
      await stopped;
    })();
    return closing;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake upstream: no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  state.origin = `http://${host}:${address.port}`;
  return Object.assign(fake, { url: state.origin, port: address.port });
}
