/**
 * The SSE exchange against a real HTTP server on loopback, whose handler each test scripts: what the consumer sees
 * of the answer (batches, text, errors), how far reading runs ahead of it, and what becomes of the connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseEvent } from './events.ts';
import { exchangeSse, type UpstreamStreamResponse } from './sse-exchange.ts';
import { SseEventTooLargeError } from './sse-parser.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const sse = (payload: object): string => `data: ${JSON.stringify(payload)}\n\n`;
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let server: Server | undefined;
let pool: Pool | undefined;
/** The current server's connections: how many it accepted, how many have closed (each server counts its own). */
let sockets = { accepted: 0, closed: 0 };

async function serve(handler: Handler, poolOptions: Pool.Options = {}): Promise<Pool> {
  const counts = { accepted: 0, closed: 0 };
  sockets = counts;
  server = createServer(handler);
  server.on('connection', (socket) => {
    counts.accepted += 1;
    socket.on('close', () => (counts.closed += 1));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { headersTimeout: 0, bodyTimeout: 0, ...poolOptions });
  return pool;
}

afterEach(async () => {
  await pool?.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  pool = undefined;
  server = undefined;
});

function open(dispatcher: Dispatcher, signal = AbortSignal.timeout(10_000), maxEventBytes = 1 << 20): Promise<UpstreamStreamResponse> {
  return exchangeSse(dispatcher, { method: 'POST', path: '/', body: '{}' }, signal, maxEventBytes);
}

/** A handler's callbacks bound to it, so a copy of them still reaches its private state (undici's `DecoratorHandler` does this too, but is deprecated). */
function bound(handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
  const methods = ['onRequestStart', 'onRequestUpgrade', 'onResponseStart', 'onResponseData', 'onResponseEnd', 'onResponseError'] as const;
  return Object.fromEntries(methods.flatMap((name) => (handler[name] ? [[name, handler[name].bind(handler)]] : [])));
}

const types = (result: IteratorResult<readonly ResponseEvent[]>): string[] | undefined => (result.done ? undefined : result.value.map((event) => event.type));

async function allTypes(response: UpstreamStreamResponse): Promise<string[][]> {
  const batches: string[][] = [];
  for await (const batch of response.eventBatches()) batches.push(batch.map((event) => event.type));
  return batches;
}

describe('exchangeSse', () => {
  it('delivers every event, the last one even without its blank line, and gives the connection back to the pool', async () => {
    const dispatcher = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ type: 'response.created' }));
      setTimeout(() => res.end(`event: ignored\n${sse({ type: 'response.in_progress' })}data: {"type":"response.completed"}`), 20);
    });
    for (let turn = 0; turn < 2; turn += 1) {
      const response = await open(dispatcher);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/event-stream');
      expect((await allTypes(response)).flat()).toEqual(['response.created', 'response.in_progress', 'response.completed']);
      response.release(true);
      // undici hands a connection out again only a full event-loop turn after its answer ended.
      await new Promise(setImmediate);
    }
    expect(sockets.accepted).toBe(1);
  });

  it('keeps the head only as parsed headers: undici’s raw header lines (views into a socket read) are let go while the stream stays open', async () => {
    const dispatcher = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-codex-primary-used-percent': '12' });
      res.write(sse({ type: 'response.created' }));
    });
    let controller: Dispatcher.DispatchController | undefined;
    // Sees the controller undici hands the exchange; everything else reaches the exchange unchanged.
    const watched = dispatcher.compose((dispatch) => (options, handler) =>
      dispatch(options, {
        ...bound(handler),
        onRequestStart: (started, context) => {
          controller = started;
          handler.onRequestStart?.(started, context);
        },
      }),
    );
    const response = await open(watched);
    expect(response.headers['x-codex-primary-used-percent']).toBe('12');
    expect(types(await response.eventBatches().next())).toEqual(['response.created']);
    expect(controller?.aborted).toBe(false);
    expect(controller?.rawHeaders).toBeNull();
    response.release(false);
  });

  it('hands events that arrived while the consumer was busy over as one batch', async () => {
    const dispatcher = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ type: 'response.created' }));
      // Three writes, three HTTP chunks, while the consumer is away.
      setTimeout(() => {
        for (const type of ['a', 'b', 'c']) res.write(sse({ type }));
      }, 20);
      setTimeout(() => res.end(sse({ type: 'response.completed' })), 150);
    });
    const response = await open(dispatcher);
    const batches = response.eventBatches();
    expect(types(await batches.next())).toEqual(['response.created']);
    await wait(100);
    expect(types(await batches.next())).toEqual(['a', 'b', 'c']);
    expect(types(await batches.next())).toEqual(['response.completed']);
    expect((await batches.next()).done).toBe(true);
    response.release(true);
  });

  it('reads at most about 64 KiB ahead of a consumer that stops pulling', async () => {
    const event = sse({ type: 'response.output_text.delta', delta: 'x'.repeat(1000) });
    let written = 0;
    const dispatcher = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const more = (): void => {
        // 4 MiB in all: far more than the socket buffers on both sides hold.
        while (written < 4096) {
          written += 1;
          if (!res.write(event)) {
            res.once('drain', more);
            return;
          }
        }
        res.end();
      };
      more();
    });
    const response = await open(dispatcher);
    const batches = response.eventBatches();
    await batches.next();
    await wait(300);
    const held = await batches.next();
    if (held.done) throw new Error('the stream ended early');
    const heldBytes = held.value.reduce((sum, event) => sum + event.json.length, 0);
    expect(heldBytes).toBeGreaterThan(32 * 1024);
    // The bound plus the read that crossed it.
    expect(heldBytes).toBeLessThan(64 * 1024 + 65 * 1024);
    response.release(false);
  });

  it('delivers an event larger than the read-ahead bound to a consumer waiting for it', async () => {
    const dispatcher = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse({ type: 'response.output_text.done', text: 'x'.repeat(300_000) }));
    });
    const response = await open(dispatcher);
    expect((await allTypes(response)).flat()).toEqual(['response.output_text.done']);
  });

  it('reads an error answer as text, capped, and closes its connection once the cap is reached', async () => {
    const errorBody = JSON.stringify({ error: { code: 'usage_limit_reached', message: 'x'.repeat(200_000) } });
    const dispatcher = await serve((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(errorBody);
    });
    const response = await open(dispatcher);
    expect(response.status).toBe(429);
    expect(await response.text(100)).toBe(errorBody.slice(0, 100));
    await wait(50);
    expect(sockets.closed).toBe(1);
    const next = await open(dispatcher);
    expect(await next.text()).toHaveLength(64 * 1024);
    await wait(50);
    expect(sockets.closed).toBe(2);
  });

  it('gives a text() still reading what it has when the answer is released', async () => {
    const dispatcher = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const response = await open(dispatcher);
    const text = response.text();
    await wait(50);
    response.release(false);
    expect(await text).toBe('partial');
  });

  it('reads a short error answer whole, even when it ended before text() was called', async () => {
    const dispatcher = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"server_is_overloaded"}}');
    });
    const response = await open(dispatcher);
    await wait(50);
    expect(await response.text()).toBe('{"error":{"code":"server_is_overloaded"}}');
  });

  it('ends the events with the parser’s error when an event exceeds the size limit, and closes the connection', async () => {
    const dispatcher = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ type: 'response.created' }));
      setTimeout(() => res.write(sse({ type: 'big', text: 'x'.repeat(5000) })), 20);
    });
    const response = await open(dispatcher, AbortSignal.timeout(10_000), 4096);
    const batches = response.eventBatches();
    expect(types(await batches.next())).toEqual(['response.created']);
    await expect(batches.next()).rejects.toBeInstanceOf(SseEventTooLargeError);
    await wait(50);
    expect(sockets.closed).toBe(1);
  });

  it('rejects at once when aborted while waiting for a connection, and the queued request never reaches the server', async () => {
    let requests = 0;
    const dispatcher = await serve(
      (_req, res) => {
        requests += 1;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sse({ type: 'response.created' }));
      },
      { connections: 1 },
    );
    const first = await open(dispatcher);
    const controller = new AbortController();
    const queued = open(dispatcher, controller.signal);
    await wait(50);
    controller.abort(new Error('first-event deadline'));
    await expect(queued).rejects.toThrow('first-event deadline');
    first.release(false);
    await wait(100);
    expect(requests).toBe(1);
  });

  it('breaks a stream the signal aborts mid-body: the waiting consumer hears the reason', async () => {
    const dispatcher = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ type: 'response.created' }));
    });
    const controller = new AbortController();
    const response = await open(dispatcher, controller.signal);
    const batches = response.eventBatches();
    await batches.next();
    const pending = batches.next();
    controller.abort(new Error('idle timeout'));
    await expect(pending).rejects.toThrow('idle timeout');
  });

  it('ends a waiting consumer quietly when its stream is released', async () => {
    const dispatcher = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ type: 'response.created' }));
    });
    const response = await open(dispatcher);
    const batches = response.eventBatches();
    await batches.next();
    const pending = batches.next();
    response.release(false);
    expect(await pending).toEqual({ done: true, value: undefined });
  });
});
