/**
 * A load balancer with no affinity at all, for replicated-mode tests: every Responses turn (an HTTP
 * `POST …/responses` or a WebSocket upgrade) goes to the next replica in turn, so consecutive turns of
 * one session always land on different replicas — the worst case for continuity. Other requests rotate
 * separately. Like nginx's `proxy_next_upstream error`, a replica that refuses the connection is
 * skipped (the request is sent to the next one), so stopping a replica does not fail the client.
 *
 * HTTP requests are terminated here (bodies buffered, answers streamed back unbuffered); WebSockets
 * are spliced as raw TCP after the upgrade request is replayed to the chosen replica.
 */
import { createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface FrontHit {
  /** Index of the replica that took it (in the order given). */
  replica: number;
  method: string;
  path: string;
  websocket: boolean;
  /** Epoch ms. */
  at: number;
}

export interface RoundRobinFront {
  readonly url: string;
  /** Every request forwarded, in order. */
  readonly hits: FrontHit[];
  /** Responses turns only (HTTP and WebSocket), in order. */
  turns(): FrontHit[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function isTurn(method: string, path: string, websocket: boolean): boolean {
  const clean = path.split('?')[0]?.replace(/\/$/, '') ?? '';
  return clean.endsWith('/responses') && (websocket || method === 'POST');
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startRoundRobinFront(targets: readonly string[]): Promise<RoundRobinFront> {
  const backends = targets.map((t) => new URL(t));
  const hits: FrontHit[] = [];
  const next = { turn: 0, other: 0 };
  const sockets = new Set<Socket | Duplex>();

  /** Replica indexes to try for a request, starting at its rotation slot. */
  const order = (turn: boolean): number[] => {
    const start = turn ? next.turn++ : next.other++;
    return backends.map((_, i) => (start + i) % backends.length);
  };

  const proxyHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readAll(req);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    headers['content-length'] = body.length;
    for (const index of order(isTurn(method, path, false))) {
      const target = backends[index] as URL;
      const answered = await new Promise<boolean>((resolve) => {
        const upstream = request({ host: target.hostname, port: target.port, method, path, headers: { ...headers, host: target.host } }, (answer) => {
          hits.push({ replica: index, method, path, websocket: false, at: Date.now() });
          const out: OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
          res.writeHead(answer.statusCode ?? 502, out);
          res.flushHeaders();
          answer.on('data', (chunk: Buffer) => res.write(chunk));
          answer.once('end', () => res.end());
          answer.once('error', () => res.destroy());
          res.once('close', () => answer.destroy());
          resolve(true);
        });
        upstream.once('error', () => {
          if (res.headersSent) res.destroy();
          resolve(res.headersSent);
        });
        upstream.end(body);
      });
      if (answered) return;
    }
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ detail: 'no replica reachable' }));
  };

  const proxyUpgrade = async (req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const lines = [`${method} ${path} HTTP/1.1`];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    const preamble = `${lines.join('\r\n')}\r\n\r\n`;
    for (const index of order(isTurn(method, path, true))) {
      const target = backends[index] as URL;
      const upstream = await new Promise<Socket | undefined>((resolve) => {
        const socket = connect(Number(target.port), target.hostname, () => resolve(socket));
        socket.once('error', () => resolve(undefined));
      });
      if (!upstream) continue;
      hits.push({ replica: index, method, path, websocket: true, at: Date.now() });
      sockets.add(upstream);
      sockets.add(client);
      upstream.write(preamble);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      const close = (): void => {
        upstream.destroy();
        client.destroy();
        sockets.delete(upstream);
        sockets.delete(client);
      };
      upstream.once('close', close);
      client.once('close', close);
      upstream.on('error', close);
      client.on('error', close);
      return;
    }
    client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  };

  const server: Server = createServer((req, res) => {
    proxyHttp(req, res).catch(() => res.destroy());
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    proxyUpgrade(req, socket, head).catch(() => socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('front: no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    hits,
    turns: () => hits.filter((h) => isTurn(h.method, h.path, h.websocket)),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
