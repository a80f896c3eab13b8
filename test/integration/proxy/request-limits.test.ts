/**
 * Bounded memory for what clients send (issue 12 items 8 and 12). Before: Responses bodies were
 * buffered up to 128 MiB whatever the upstream cap, nothing bounded the bytes held across requests,
 * WebSocket clients could queue any number of large frames, 5000-level nested JSON was retried on
 * several accounts as an "upstream failure", and a broken gzip body was a 500. Each refusal below
 * happens before the bytes are held (raw sockets show the answer arriving mid-upload) and calls no
 * upstream.
 */
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ANY_ACCOUNT } from '../../fakes/fake-upstream.ts';
import { openSocket, runTurn, type Frame } from '../../fakes/upstream-client.ts';
import { codexTurn, json, post } from './support/clients.ts';
import { rawRequest } from './support/raw-http.ts';
import { proxySuite } from './support/suite.ts';

const CAP = 64 * 1024;
const LIMITS = { CODEX_LB_UPSTREAM_RESPONSE_CREATE_MAX_BYTES: String(CAP), CODEX_LB_MAX_INFLIGHT_BODY_BYTES: String(100_000) };
const JSON_HEADERS = { 'content-type': 'application/json' };

function nextFrame(ws: WebSocket): Promise<Frame> {
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as Frame)));
}

describe('request size and memory limits', () => {
  const suite = proxySuite();
  const start = async (env: Record<string, string> = LIMITS) => {
    const proxy = await suite.start({ env });
    await proxy.importAccount(suite.fake.addAccount());
    return proxy;
  };

  it('refuses a declared Responses body over the upstream response.create cap with 413 before reading it, and closes', async () => {
    const proxy = await start();
    const upload = rawRequest(proxy.url, 'POST', '/v1/responses', { ...JSON_HEADERS, 'content-length': 100_000_000 });
    const answer = await upload.answer; // not one body byte was sent
    expect([answer.status, answer.headers.connection, JSON.parse(answer.body)]).toEqual([
      413,
      'close',
      { error: { message: `Request body exceeds ${CAP} bytes`, type: 'invalid_request_error', code: 'payload_too_large' } },
    ]);
    await upload.closed;
    expect((await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'x'.repeat(CAP) })).status).toBe(413);
    expect(proxy.services.memory.held).toBe(0);
  });

  it('stops a chunked upload and a compression bomb at the cap (413) without inflating the rest', async () => {
    const proxy = await start();
    const chunked = rawRequest(proxy.url, 'POST', '/backend-api/codex/responses', { ...JSON_HEADERS, 'transfer-encoding': 'chunked' });
    const piece = Buffer.alloc(16 * 1024, 0x20);
    for (let i = 0; i < 5; i++) chunked.send(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
    expect((await chunked.answer).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)); // ~50 KiB on the wire
    const res = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, body: bomb });
    expect([res.status, (await json(res)).error]).toEqual([413, expect.objectContaining({ code: 'payload_too_large' })]);
    await expect.poll(() => proxy.services.memory.held).toBe(0);
    expect(suite.fake.requests).toEqual([]);
  });

  it('holds in-flight bodies to CODEX_LB_MAX_INFLIGHT_BODY_BYTES: the next one gets 503 + Retry-After before it is read', async () => {
    const proxy = await start();
    const stalled = rawRequest(proxy.url, 'POST', '/v1/responses', { ...JSON_HEADERS, 'content-length': 60_000 }, '{"model":');
    await expect.poll(() => proxy.services.memory.held).toBe(60_000);
    const crowded = rawRequest(proxy.url, 'POST', '/v1/responses', { ...JSON_HEADERS, 'content-length': 50_000 });
    const answer = await crowded.answer;
    expect([answer.status, answer.headers['retry-after'], JSON.parse(answer.body)]).toEqual([
      503,
      '5',
      { error: { message: 'codex-lb is temporarily unavailable: too many request bytes in flight', type: 'server_error', code: 'proxy_unavailable' } },
    ]);
    stalled.socket.destroy();
    await expect.poll(() => proxy.services.memory.held).toBe(0);
    const padded = JSON.stringify({ model: 'gpt-5.4', input: 'fits now', metadata: { pad: 'x'.repeat(49_000) } });
    expect((await post(`${proxy.url}/v1/responses`, padded)).status).toBe(200);
  });

  it('serves at most CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS proxy requests at once: the next gets 429 + Retry-After; health is not counted', async () => {
    const proxy = await start({ CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS: '2' });
    // Two requests whose bodies never finish arriving hold both places.
    const held = [1, 2].map(() => rawRequest(proxy.url, 'POST', '/v1/responses', { ...JSON_HEADERS, 'content-length': 1000 }, '{"model":'));
    await expect.poll(async () => (await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'third' })).status).toBe(429);
    const refused = await post(`${proxy.url}/backend-api/codex/responses`, { model: 'gpt-5.4', input: 'third', stream: true });
    expect([refused.status, refused.headers.get('retry-after'), (await json(refused)).error]).toEqual([
      429,
      '5',
      { message: 'This proxy instance is serving its maximum of 2 concurrent requests; retry shortly', type: 'rate_limit_error', code: 'proxy_overloaded' },
    ]);
    expect((await fetch(`${proxy.url}/health/ready`)).status).toBe(200);
    expect(suite.fake.requests).toEqual([]);
    held[0]!.socket.destroy();
    await expect.poll(async () => (await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'room again' })).status).toBe(200);
    held[1]!.socket.destroy();
  });

  it('refuses every new proxy request and WebSocket at CODEX_LB_MEMORY_REJECT_THRESHOLD_MB (503 + Retry-After); health stays up', async () => {
    const proxy = await start({ CODEX_LB_MEMORY_REJECT_THRESHOLD_MB: '1' }); // any live process is above 1 MB
    const res = await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' });
    expect([res.status, res.headers.get('retry-after'), (await json(res)).error]).toEqual([
      503,
      '5',
      { message: 'codex-lb is temporarily unavailable due to local memory pressure', type: 'server_error', code: 'proxy_unavailable' },
    ]);
    const socket = await openSocket(proxy.url, {});
    expect(!socket.ok && [socket.status, socket.headers['retry-after']]).toEqual([503, '5']);
    expect((await fetch(`${proxy.url}/health/ready`)).status).toBe(200);
    expect(suite.fake.requests).toEqual([]);
  });

  it('answers 5000-level nested JSON with 400 without touching any account (HTTP and WebSocket)', async () => {
    const proxy = await start();
    await proxy.importAccount(suite.fake.addAccount());
    const deep = `{"model":"gpt-5.4","input":"x","metadata":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await post(`${proxy.url}/v1/responses`, deep);
    expect([res.status, await json(res)]).toEqual([
      400,
      { error: { message: 'Request body nests deeper than 128 levels', type: 'invalid_request_error', code: 'invalid_request_error' } },
    ]);
    const socket = await openSocket(proxy.url, {});
    if (!socket.ok) throw new Error('upgrade refused');
    socket.ws.send(`{"type":"response.create","model":"gpt-5.4","input":[],"tools":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(await nextFrame(socket.ws)).toMatchObject({ type: 'error', status: 400, error: { message: 'Frame nests deeper than 128 levels' } });
    socket.ws.close();
    expect(suite.fake.requests).toEqual([]);
    expect(proxy.logs.filter((line) => JSON.parse(line).message === 'upstream attempt failed')).toEqual([]);
  });

  it('answers bodies it cannot decode with 4xx, never 500, and decodes zstd', async () => {
    const proxy = await start();
    const send = (headers: Record<string, string>, body: string | Buffer) => fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers, body });
    const brokenGzip = await send({ ...JSON_HEADERS, 'content-encoding': 'gzip' }, 'not gzip at all');
    expect([brokenGzip.status, (await json(brokenGzip)).error]).toEqual([400, expect.objectContaining({ message: 'Request body is not valid gzip data' })]);
    expect((await send({ ...JSON_HEADERS, 'content-encoding': 'compress' }, '{}')).status).toBe(415);
    expect((await send({ 'content-type': 'text/plain' }, '{"model":"gpt-5.4","input":"x"}')).status).toBe(415);
    expect((await send({ 'content-type': 'application/json; charset=latin1' }, '{}')).status).toBe(415);
    const zstd = await send({ ...JSON_HEADERS, 'content-encoding': 'zstd' }, zstdCompressSync(JSON.stringify({ model: 'gpt-5.4', input: 'squeezed' })));
    expect(zstd.status).toBe(200);
  });

  it('closes a WebSocket whose frame exceeds the cap (1009) before buffering it', async () => {
    const proxy = await start();
    const socket = await openSocket(proxy.url, {});
    if (!socket.ok) throw new Error('upgrade refused');
    const closed = new Promise<number>((resolve) => socket.ws.once('close', (code) => resolve(code)));
    socket.ws.send(JSON.stringify({ type: 'response.create', ...codexTurn('x'.repeat(CAP)) }));
    expect(await closed).toBe(1009);
    expect(suite.fake.requests.filter((r) => r.endpoint === 'responses')).toEqual([]);
  });

  it('lets a socket queue at most CODEX_LB_PROXY_DOWNSTREAM_WEBSOCKET_QUEUE_LIMIT frames, each holding budget until its turn ends', async () => {
    const proxy = await start({ ...LIMITS, CODEX_LB_PROXY_DOWNSTREAM_WEBSOCKET_QUEUE_LIMIT: '1' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall' }); // the first turn never ends
    const socket = await openSocket(proxy.url, {});
    if (!socket.ok) throw new Error('upgrade refused');
    const frame = JSON.stringify({ type: 'response.create', ...codexTurn('queued', { metadata: { pad: 'x'.repeat(10_000) } }) });
    socket.ws.send(frame); // runs (stalled upstream)
    socket.ws.send(frame); // waits
    socket.ws.send(frame); // one too many
    expect(await nextFrame(socket.ws)).toMatchObject({ type: 'error', status: 429, error: { code: 'websocket_queue_full' } });
    expect(proxy.services.memory.held).toBe(2 * Buffer.byteLength(frame));
    const closed = new Promise((resolve) => socket.ws.once('close', resolve));
    socket.ws.close();
    await closed;
    await expect.poll(() => proxy.services.memory.held).toBe(0);
  });

  it('refuses a WebSocket frame that does not fit the in-flight budget with a 503 error frame; the socket stays usable', async () => {
    const proxy = await start({ ...LIMITS, CODEX_LB_MAX_INFLIGHT_BODY_BYTES: '30000' });
    const stalled = rawRequest(proxy.url, 'POST', '/v1/responses', { ...JSON_HEADERS, 'content-length': 25_000 }, '{');
    await expect.poll(() => proxy.services.memory.held).toBe(25_000);
    const socket = await openSocket(proxy.url, {});
    if (!socket.ok) throw new Error('upgrade refused');
    socket.ws.send(JSON.stringify({ type: 'response.create', ...codexTurn('big', { metadata: { pad: 'x'.repeat(10_000) } }) }));
    expect(await nextFrame(socket.ws)).toMatchObject({ type: 'error', status: 503, error: { code: 'proxy_unavailable' } });
    stalled.socket.destroy();
    await expect.poll(() => proxy.services.memory.held).toBe(0);
    expect((await runTurn(socket.ws, codexTurn('small'))).frames.at(-1)?.type).toBe('response.completed');
    socket.ws.close();
  });
});
