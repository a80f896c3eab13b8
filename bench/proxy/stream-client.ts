/**
 * The benchmark's client: opens one Responses SSE stream and timestamps what arrives, using the
 * proxy's own SSE parser so every target is read the same way. Times are milliseconds from the
 * moment the request was issued (performance.now()).
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { SseParser } from '../../proxy/upstream/sse-parser.ts';

export interface StreamTiming {
  status: number;
  /** First body byte. */
  firstByteMs: number;
  /** First `response.created` (the first event a client acts on). */
  createdMs: number;
  /** First output text delta (time to first token). */
  firstDeltaMs: number;
  /** Gaps between consecutive output text deltas. */
  deltaGapsMs: number[];
  events: number;
  totalMs: number;
  completed: boolean;
}

export const agent = new Agent({ connections: null, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });

export async function timedStream(url: string, headers: Record<string, string>, body: string): Promise<StreamTiming> {
  const start = performance.now();
  const response = await request(url, { method: 'POST', headers, body, dispatcher: agent });
  const parser = new SseParser({ maxEventBytes: 16 << 20 });
  const timing: StreamTiming = { status: response.statusCode, firstByteMs: NaN, createdMs: NaN, firstDeltaMs: NaN, deltaGapsMs: [], events: 0, totalMs: NaN, completed: false };
  let lastDelta = NaN;
  for await (const chunk of response.body) {
    const now = performance.now() - start;
    if (Number.isNaN(timing.firstByteMs)) timing.firstByteMs = now;
    for (const message of parser.push(chunk as Buffer)) {
      timing.events += 1;
      const type = message.event;
      if (type === 'response.created' && Number.isNaN(timing.createdMs)) timing.createdMs = now;
      if (type === 'response.output_text.delta') {
        if (Number.isNaN(timing.firstDeltaMs)) timing.firstDeltaMs = now;
        else timing.deltaGapsMs.push(now - lastDelta);
        lastDelta = now;
      }
      if (type === 'response.completed') timing.completed = true;
    }
  }
  timing.totalMs = performance.now() - start;
  return timing;
}

/** Keeps a stream open and reports when its first event arrived; resolves `done` when it ends. */
export async function openStream(
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<{ firstEvent: Promise<void>; done: Promise<void> }> {
  const response = await request(url, { method: 'POST', headers, body, dispatcher: agent, signal });
  let markFirst = (): void => undefined;
  const firstEvent = new Promise<void>((resolve) => (markFirst = resolve));
  const done = (async () => {
    try {
      for await (const _chunk of response.body) markFirst();
    } catch {
      // aborted by the benchmark once RSS is sampled
    }
    markFirst();
  })();
  return { firstEvent, done };
}

/** Runs `total` calls of `run`, at most `concurrency` at a time (each caller starts the next as one ends). */
export async function inBatches<T>(total: number, concurrency: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        results.push(await run(i));
      }
    }),
  );
  return results;
}

/**
 * `concurrency` clients, each running streams to `url` back to back for `seconds`: how many completed (200 and a
 * terminal event) and how many did not, over how long it took.
 */
export async function backToBack(
  url: string,
  headers: (i: number) => Record<string, string>,
  body: string,
  options: { concurrency: number; seconds: number },
): Promise<{ completed: number; failed: number; seconds: number }> {
  const started = performance.now();
  const until = started + options.seconds * 1000;
  let completed = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, client) => {
      for (let i = client; performance.now() < until; i += options.concurrency) {
        const timing = await timedStream(url, headers(i), body).catch(() => undefined);
        if (timing?.status === 200 && timing.completed) completed += 1;
        else failed += 1;
      }
    }),
  );
  return { completed, failed, seconds: (performance.now() - started) / 1000 };
}
