/**
 * The upstream client against the fake: request bodies arrive whole whichever way they are handed to undici,
 * and the body release — closing a stream nobody reads any more (failover, client gone) — never surfaces as an
 * uncaught error (undici's destroy() emits one without a listener, which would take the whole proxy down).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { backendHeaders, responsesBody } from '../../fakes/upstream-client.ts';
import { UpstreamClient } from '../../../proxy/upstream/client.ts';

describe('UpstreamClient', () => {
  let fake: FakeUpstream;
  let client: UpstreamClient;
  const uncaught: unknown[] = [];
  const record = (err: unknown): void => void uncaught.push(err);

  beforeAll(async () => {
    fake = await startFakeUpstream();
    client = new UpstreamClient({ baseUrl: `${fake.url}/backend-api`, connectTimeoutMs: 2000, connections: 4, maxEventBytes: 1 << 20 });
    process.on('uncaughtException', record);
  });
  afterAll(async () => {
    process.off('uncaughtException', record);
    await client.close();
    await fake.close();
  });

  async function open(step: Parameters<FakeUpstream['script']>[1] = { kind: 'slow', delayMs: 50 }) {
    const account = fake.addAccount();
    fake.script(account.accountId, step);
    const headers = { ...backendHeaders(account), 'content-type': 'application/json', accept: 'text/event-stream' };
    return client.openResponses(headers, JSON.stringify(responsesBody('hello')), AbortSignal.timeout(10_000));
  }

  it('sends a Codex-sized body whole, with its length, and smaller ones as they are', async () => {
    for (const text of ['hello', 'a long conversation '.repeat(10_000)]) {
      const account = fake.addAccount();
      const body = responsesBody(text);
      const json = JSON.stringify(body);
      const headers = { ...backendHeaders(account), 'content-type': 'application/json', accept: 'text/event-stream' };
      const response = await client.openResponses(headers, json, AbortSignal.timeout(10_000));
      for await (const _batch of response.eventBatches()) {
        // read to the end
      }
      response.release(true);
      const recorded = fake.requests.filter((r) => r.endpoint === 'responses' && r.accountId === account.accountId);
      expect(recorded).toHaveLength(1);
      expect(recorded[0]?.body).toEqual(body);
      expect(recorded[0]?.headers['content-length']).toBe(String(Buffer.byteLength(json)));
    }
  });

  it('closes an unread stream quietly', async () => {
    const response = await open();
    expect(response.status).toBe(200);
    response.release(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(uncaught).toEqual([]);
  });

  it('closes a half-read stream quietly after its reader stopped (failover before the first byte)', async () => {
    const response = await open();
    const batches = response.eventBatches();
    expect((await batches.next()).done).toBe(false);
    await batches.return?.(undefined);
    response.release(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(uncaught).toEqual([]);
  });

  it('closes a stream that ended in response.failed quietly when the caller discards it (failover)', async () => {
    const response = await open({ kind: 'response_failed', afterEvents: 1 });
    reading: for await (const batch of response.eventBatches()) {
      for (const event of batch) if (event.type === 'response.failed') break reading;
    }
    response.release(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(uncaught).toEqual([]);
  });
});
