/**
 * What an open stream keeps of its request. A Codex turn's body is the whole conversation (hundreds of KB, MBs
 * late in a session) and a stream lasts minutes: once the upstream accepted the turn, the proxy keeps none of it
 * — not the parsed body, not the normalized one, not the bytes it sent, not the decoder that inflated it
 * (bench/results/proxy-hot-path.md). Each of those kept makes this fail (checked by breaking them one at a time).
 *
 * Measured as this process's live memory (heap + external, after full collections) while the streams are open.
 * Only the proxy may hold the body here: the fake upstream runs in its own process, and the client sends the
 * body gzip-compressed (a few KB) for the proxy to inflate.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodexAuthJson } from '../../fakes/accounts.ts';
import { ManagedProcess, waitFor } from '../../harness/process.ts';
import { freePort } from '../../harness/ports.ts';
import { codexTurn, CODEX_CLI_HEADERS } from './support/clients.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function liveBytes(): number {
  collectGarbage();
  collectGarbage();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

const STREAMS = 10;
const BODY_BYTES = 512 * 1024;

describe('memory of open streams', () => {
  let fake: ManagedProcess;
  let proxy: ProxyUnderTest;

  beforeAll(async () => {
    const port = await freePort();
    fake = new ManagedProcess('fake upstream', process.execPath, [fileURLToPath(new URL('../../fakes/cli.ts', import.meta.url)), '--port', String(port), '--accounts', '1']);
    const url = `http://127.0.0.1:${port}`;
    const accounts = await waitFor('fake upstream', async () => (await fetch(`${url}/__fake/accounts`).catch(() => undefined))?.json() as Promise<Array<{ authJson: CodexAuthJson }>> | undefined, { proc: fake });
    // No per-account caps: all the streams go to the fake's one account at once.
    proxy = await startProxy({ fake: { url }, env: { CODEX_LB_PROXY_ACCOUNT_STREAM_LIMIT: '0', CODEX_LB_PROXY_ACCOUNT_RESPONSE_CREATE_LIMIT: '0' } });
    for (const account of accounts) await proxy.dataLayer.accountAdmin.importAuthJson(account.authJson);
    // Each event a second apart: the streams stay open while memory is measured.
    await fetch(`${url}/__fake/scripts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step: { kind: 'slow', delayMs: 1000 }, sticky: true }) });
  });
  afterAll(async () => {
    await proxy.close();
    await fake.stop();
  });

  /** Opens STREAMS streams of `body` and waits for each one's first event (the upstream accepted the turn). */
  async function openStreams(body: Buffer, signal: AbortSignal): Promise<Array<ReadableStreamDefaultReader<Uint8Array>>> {
    const headers = { ...CODEX_CLI_HEADERS, 'content-type': 'application/json', 'content-encoding': 'gzip' };
    return Promise.all(
      Array.from({ length: STREAMS }, async () => {
        const res = await fetch(`${proxy.url}/backend-api/codex/responses`, { method: 'POST', headers, body, signal });
        expect(res.status).toBe(200);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        return reader;
      }),
    );
  }

  /** Closes the streams and waits until the proxy is done with them: every turn has ended and logged its row. */
  async function closeStreams(readers: Array<ReadableStreamDefaultReader<Uint8Array>>, controller: AbortController, loggedBefore: number): Promise<void> {
    controller.abort();
    await Promise.allSettled(readers.map((reader) => reader.cancel()));
    await expect.poll(() => loggedTurns(), { timeout: 10_000 }).toBe(loggedBefore + STREAMS);
    await proxy.services.pending.settle();
  }

  async function loggedTurns(): Promise<number> {
    const [row] = (await proxy.dataLayer.dataSource.query('SELECT COUNT(*) AS n FROM request_logs')) as Array<{ n: number | string }>;
    return Number(row?.n);
  }

  it(`keeps no copy of a ${BODY_BYTES / 1024} KiB request body while its stream is open`, async () => {
    const compressed = gzipSync(JSON.stringify(codexTurn('x'.repeat(BODY_BYTES))));
    // One round first: code, connections and pools the path needs once are not what a stream keeps.
    const warmUp = new AbortController();
    await closeStreams(await openStreams(compressed, warmUp.signal), warmUp, 0);

    const before = liveBytes();
    const controller = new AbortController();
    const streams = await openStreams(compressed, controller.signal);
    const perStream = (liveBytes() - before) / STREAMS;
    await closeStreams(streams, controller, STREAMS);
    // One kept copy would be the body's size per stream (its parsed form two to three times that).
    expect(perStream).toBeLessThan(BODY_BYTES / 4);
  });
});
