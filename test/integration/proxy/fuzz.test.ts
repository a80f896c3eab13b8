/**
 * Property-based fuzzing of the proxy's request parsers (issue 12): for every client route, at least
 * 1,000 generated malformed requests — bodies that are not JSON, JSON of the wrong shape, fields of
 * the wrong type, absurd nesting, unknown media types and content codings, broken compression, and
 * random extra fields around the defect — each must get a 4xx with an OpenAI-style error body, the
 * proxy must keep running, and the upstream must never be called. WebSocket routes get the same
 * treatment frame by frame (an `error` frame with a 4xx status; the socket stays usable).
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';

const RUNS = 1000;
const BODY_CAP = 16 * 1024;

let fake: FakeUpstream;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  fake = await startFakeUpstream();
  proxy = await startProxy({
    fake,
    env: { CODEX_LB_MAX_DECOMPRESSED_BODY_BYTES: String(BODY_CAP), CODEX_LB_UPSTREAM_RESPONSE_CREATE_MAX_BYTES: String(BODY_CAP) },
  });
  await proxy.importAccount(fake.addAccount());
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

interface Malformed {
  headers: Record<string, string>;
  body: string | Buffer;
}

type RouteKind = 'responses' | 'compact' | 'chat';

const notJson = fc.string({ minLength: 1, maxLength: 200 }).filter((text) => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
});
/** A valid JSON text with a defect: cut short, or with a stray character spliced in. */
const brokenJson = fc
  .tuple(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ model: 'gpt-5.4', v })), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', '\\', '\u0000'))
  .map(([text, at, junk]) => (junk === '' ? text.slice(0, at % text.length) : text.slice(0, at % text.length) + junk + text.slice(at % text.length)))
  .filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });
const extras = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
const notAnObject = fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v));
const badModel = fc.oneof(fc.constant(undefined), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(''), fc.constant('   '), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const badInput = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }));
const badMessages = fc.oneof(
  fc.constant(undefined),
  fc.constant([]),
  fc.integer(),
  fc.string(),
  fc.object({ maxDepth: 1 }),
  fc.array(fc.record({ role: fc.string().filter((r) => !['system', 'developer', 'user', 'assistant', 'tool'].includes(r)), content: fc.string() }), { minLength: 1, maxLength: 3 }),
);
const deepValue = fc.integer({ min: 129, max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);

/** A JSON object with random extra fields, then the given (defective) fields on top. */
function objectWith(defect: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  return fc.tuple(extras, defect).map(([extra, fields]) => JSON.stringify({ ...extra, ...fields }));
}

function shapeDefects(kind: RouteKind): fc.Arbitrary<string> {
  const common = [
    notJson,
    brokenJson,
    notAnObject.map((v) => JSON.stringify(v)),
    objectWith(badModel.map((model) => ({ model, input: 'x', messages: [{ role: 'user', content: 'x' }] }))),
    deepValue.map((deep) => `{"model":"gpt-5.4","input":"x","messages":[{"role":"user","content":"x"}],"x":${deep}}`),
  ];
  if (kind === 'chat') {
    return fc.oneof(
      ...common,
      objectWith(badMessages.map((messages) => ({ model: 'gpt-5.4', messages }))),
      objectWith(fc.integer({ min: 2, max: 10 }).map((n) => ({ model: 'gpt-5.4', n, messages: [{ role: 'user', content: 'x' }] }))),
    );
  }
  const responseDefects = [
    objectWith(badInput.map((input) => ({ model: 'gpt-5.4', input }))),
    objectWith(fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string())).map((instructions) => ({ model: 'gpt-5.4', input: 'x', instructions }))),
    objectWith(fc.array(fc.string(), { minLength: 1, maxLength: 3 }).map((include) => ({ model: 'gpt-5.4', input: 'x', include: [...include, 'not.a.real.include'] }))),
    objectWith(fc.string().filter((t) => t !== 'auto' && t !== 'disabled').map((truncation) => ({ model: 'gpt-5.4', input: 'x', truncation }))),
  ];
  if (kind === 'compact') responseDefects.push(objectWith(fc.constant({ model: 'gpt-5.4', input: [] })));
  return fc.oneof(...common, ...responseDefects);
}

const VALID = JSON.stringify({ model: 'gpt-5.4', input: 'x', messages: [{ role: 'user', content: 'x' }] });

/** Defects in the envelope around an otherwise valid body. */
const envelopeDefects: fc.Arbitrary<Malformed> = fc.oneof(
  fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'json').map((type) => ({ headers: { 'content-type': type }, body: VALID })),
  fc.constantFrom('snappy', 'compress', 'gzip, br', 'lz4', 'x-unknown').map((coding) => ({ headers: { 'content-type': 'application/json', 'content-encoding': coding }, body: VALID })),
  fc.tuple(fc.constantFrom('gzip', 'deflate', 'br', 'zstd'), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([coding, bytes]) => ({
    headers: { 'content-type': 'application/json', 'content-encoding': coding },
    body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bytes)]),
  })),
  fc.integer({ min: BODY_CAP + 1, max: 4 * BODY_CAP }).map((size) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-5.4', input: 'x'.repeat(size) }) })),
  fc.integer({ min: 4 * BODY_CAP, max: 64 * BODY_CAP }).map((size) => ({
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify({ model: 'gpt-5.4', input: ' '.repeat(size) })),
  })),
);

function malformed(kind: RouteKind): fc.Arbitrary<Malformed> {
  return fc.oneof(
    { weight: 4, arbitrary: shapeDefects(kind).map((body) => ({ headers: { 'content-type': 'application/json' }, body })) },
    { weight: 1, arbitrary: envelopeDefects },
  );
}

function expectOpenAiError(status: number, body: unknown): void {
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(body).toEqual({ error: expect.objectContaining({ message: expect.any(String), type: expect.any(String), code: expect.any(String) }) });
}

const ROUTES: ReadonlyArray<[string, RouteKind]> = [
  ['/backend-api/codex/responses', 'responses'],
  ['/backend-api/codex/responses/compact', 'compact'],
  ['/v1/responses', 'responses'],
  ['/v1/responses/compact', 'compact'],
  ['/v1/chat/completions', 'chat'],
];

describe('fuzzed malformed requests', () => {
  it.each(ROUTES)(`POST %s: ${RUNS} malformed requests, each a 4xx OpenAI error, no upstream call`, async (path, kind) => {
    await fc.assert(
      fc.asyncProperty(malformed(kind), async ({ headers, body }) => {
        const res = await fetch(`${proxy.url}${path}`, { method: 'POST', headers, body });
        const text = await res.text();
        expectOpenAiError(res.status, JSON.parse(text));
      }),
      { numRuns: RUNS },
    );
    expect(fake.requests.filter((r) => r.endpoint === 'responses')).toEqual([]);
  });

  it.each(['/backend-api/codex/responses', '/v1/responses'])(`WebSocket %s: ${RUNS} malformed frames, each a 4xx error frame, no upstream call`, async (path) => {
    const ws = new WebSocket(`${proxy.url.replace(/^http/, 'ws')}${path}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const frames = fc.oneof(
      shapeDefects('responses').map((text) => text.replace(/^\{/, '{"type":"response.create",')),
      objectWith(fc.oneof(fc.constant(undefined), fc.string(), fc.integer()).map((type) => ({ type, model: 'gpt-5.4', input: 'x' }))),
    );
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        const answer = new Promise<Record<string, unknown>>((resolve) => ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as Record<string, unknown>)));
        ws.send(frame);
        const { type, status, error } = await answer;
        expect(type).toBe('error');
        expectOpenAiError(status as number, { error });
      }),
      { numRuns: RUNS },
    );
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
    expect(fake.requests.filter((r) => r.endpoint === 'responses')).toEqual([]);
  });

  it('is still serving, with nothing logged as an error', async () => {
    const res = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-5.4', input: 'still here' }) });
    expect(res.status).toBe(200);
    expect(proxy.logs.filter((line) => JSON.parse(line).level === 'error')).toEqual([]);
  });
});
