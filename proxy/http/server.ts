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

export async function listen(
  app: Express,
  options: { host: string; port: number; drain: DrainState; onUpgrade?: UpgradeHandler; beforeClose?: () => void },
): Promise<ListeningServer> {
  // Streams can be silent for a long time between events: no server-side request timeout; the proxy
  // enforces its own idle timeout and budget per stream.
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 }, app);
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
    onUpgrade: sockets.handleUpgrade,
    beforeClose: () => sockets.closeAll(),
  });
}
