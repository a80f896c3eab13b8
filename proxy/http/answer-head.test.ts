import express from 'express';
import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHead } from './answer-head.ts';
import { blockListOf } from './client-ip.ts';
import { requestContext } from './middleware/request-id.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** About what a stream's answer carries: SSE headers, the request id, turn state and the usage headers. */
const STREAM_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  'x-codex-turn-state': 'http_turn_0123456789abcdef',
  ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`x-codex-usage-header-${i}`, `value ${i} ${'0123456789'.repeat(2)}`])),
};

describe('an answer head written by the proxy', () => {
  let server: Server;
  let url: string;
  /** What each route saw left on its response once the head was written. */
  const kept = new Map<string, string[]>();

  beforeAll(async () => {
    const app = express();
    app.disable('x-powered-by'); // as the proxy's app does (app.ts)
    app.use(requestContext({ trustProxyHeaders: false, trustedProxies: blockListOf([]) }));
    for (const path of ['/backend-api/codex/responses', '/v1/responses', '/health']) {
      app.post(path, (_req, res) => {
        writeHead(res, 200, STREAM_HEADERS);
        kept.set(path, res.getHeaderNames());
        res.end('data: {}\n\n');
      });
    }
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("carries the request's id and every header given, on proxy paths and elsewhere", async () => {
    for (const path of ['/backend-api/codex/responses', '/v1/responses', '/health']) {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'x-request-id': `id-for-${path}` } });
      expect([path, res.headers.get('x-request-id')]).toEqual([path, `id-for-${path}`]);
      for (const [name, value] of Object.entries(STREAM_HEADERS)) expect([path, name, res.headers.get(name)]).toEqual([path, name, value]);
      expect(await res.text()).toBe('data: {}\n\n');
    }
  });

  it('leaves no header table on a proxy answer (Node keeps one for the life of a response once a header is set before its head)', async () => {
    for (const path of ['/backend-api/codex/responses', '/v1/responses']) {
      await (await fetch(`${url}${path}`, { method: 'POST' })).text();
      expect([path, kept.get(path)]).toEqual([path, []]);
    }
  });

  it('keeps the head as one flat string rather than the pieces it was assembled from', () => {
    const COUNT = 2000;
    const live = (): number => {
      collectGarbage();
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    const heldBy = (write: (res: ServerResponse) => void): number => {
      const before = live();
      const held = Array.from({ length: COUNT }, () => {
        const res = new ServerResponse(new IncomingMessage(new Socket()));
        write(res);
        return res;
      });
      const bytes = (live() - before) / COUNT;
      held.length = 0;
      return bytes;
    };
    const assembled = heldBy((res) => res.writeHead(200, STREAM_HEADERS));
    const flat = heldBy((res) => writeHead(res, 200, STREAM_HEADERS));
    // The pieces of a 20-header head take about 2.5 KiB more than one flat copy.
    expect(assembled - flat).toBeGreaterThan(1500);
  });
});
