/**
 * The listening side: the API server (HTTP + WebSocket upgrades) and graceful shutdown. Shutdown
 * follows §11.7: stop accepting (drain), let in-flight work finish until the deadline, then close
 * what is left. Keep-alive sockets idle between requests are closed right away.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import type { DrainState } from '../cluster/drain.ts';
import { createApp } from './app.ts';
import type { ProxyServices } from './services.ts';
import { ResponsesSockets } from './ws/responses-socket.ts';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ListeningServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** Drains (new work refused), waits for in-flight work up to `timeoutMs`, then closes everything. */
  shutdown(timeoutMs: number): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  drain: DrainState;
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (408 otherwise). */
  requestTimeoutMs: number;
  onUpgrade?: UpgradeHandler;
  beforeClose?: () => void;
}

/** Node checks its request timers on this interval: often enough that a short timeout means what it says. */
export function timeoutCheckIntervalMs(headersTimeoutMs: number, requestTimeoutMs: number): number {
  return Math.max(100, Math.min(30_000, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 4)));
}

export async function listen(app: Express, options: ListenOptions): Promise<ListeningServer> {
  // Node's requestTimeout covers receiving the request only: a long, quiet stream answering it is not
  // cut (the proxy bounds streams with its own idle timeout and budget). A client that never finishes
  // sending its headers or body is cut off, so a stalled upload cannot hold a socket (or a drain).
  const headersTimeout = Math.min(options.headersTimeoutMs, options.requestTimeoutMs);
  const server = createServer(
    {
      requestTimeout: options.requestTimeoutMs,
      headersTimeout,
      connectionsCheckingInterval: timeoutCheckIntervalMs(headersTimeout, options.requestTimeoutMs),
      keepAliveTimeout: 65_000,
    },
    app,
  );
  if (options.onUpgrade) server.on('upgrade', options.onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const shutdown = (timeoutMs: number): Promise<void> => {
    closing ??= (async () => {
      options.drain.start({ shutdown: true });
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await options.drain.idle(AbortSignal.timeout(Math.max(0, timeoutMs)));
      options.beforeClose?.();
      server.closeAllConnections();
      await closed;
    })();
    return closing;
  };
  return { server, port: address.port, url: `http://${host}:${address.port}`, shutdown };
}

/** The proxy's API listener: the express app plus the Responses WebSocket routes. */
export function serveProxy(services: ProxyServices, options: { host: string; port: number }): Promise<ListeningServer> {
  const sockets = new ResponsesSockets(services);
  return listen(createApp(services), {
    ...options,
    drain: services.drain,
    headersTimeoutMs: services.settings.headersTimeoutMs,
    requestTimeoutMs: services.settings.requestTimeoutMs,
    onUpgrade: sockets.handleUpgrade,
    beforeClose: () => sockets.closeAll(),
  });
}
