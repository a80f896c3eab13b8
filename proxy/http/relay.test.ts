import { describe, expect, it } from 'vitest';
import type { ProxyError } from '../errors/catalogue.ts';
import type { OpenStream } from '../routing/dispatch.ts';
import { EventPump } from '../upstream/event-pump.ts';
import { makeEvent, type ResponseEvent } from '../upstream/events.ts';
import { relay, type RelaySink } from './relay.ts';

/** An accepted stream whose probe pulled `head`, with `rest` still to come from the upstream. */
function acceptedStream(head: ResponseEvent[], rest: ResponseEvent[]): OpenStream {
  async function* upstream(): AsyncGenerator<readonly ResponseEvent[]> {
    yield rest;
  }
  return {
    accountId: 'acct',
    upstreamStatus: 200,
    upstreamHeaders: {},
    transport: 'http',
    head,
    bound: Promise.resolve(),
    lastEventAt: Date.now(),
    sentAt: Date.now(),
    pump: new EventPump(upstream()),
    finish: () => undefined,
  };
}

function recordingSink(): RelaySink & { types: string[]; failures: ProxyError[] } {
  const types: string[] = [];
  const failures: ProxyError[] = [];
  return {
    types,
    failures,
    event: async (event) => void types.push(event.type),
    keepalive: async () => undefined,
    fail: async (error) => void failures.push(error),
  };
}

const options = { keepaliveMs: 0, idleTimeoutMs: 60_000, deadline: Date.now() + 60_000, signal: new AbortController().signal, observe: () => undefined };

describe('relay', () => {
  it('forwards the probed head first, then the upstream, up to the terminal event', async () => {
    const stream = acceptedStream([makeEvent({ type: 'codex.rate_limits' }), makeEvent({ type: 'response.created' })], [makeEvent({ type: 'response.output_text.delta' }), makeEvent({ type: 'response.completed' })]);
    const sink = recordingSink();
    const end = await relay(stream, sink, options);
    expect(end).toMatchObject({ kind: 'terminal', event: { type: 'response.completed' } });
    expect(sink.types).toEqual(['codex.rate_limits', 'response.created', 'response.output_text.delta', 'response.completed']);
  });

  it('does not keep the probed head for the rest of the stream (a created event echoes the whole instructions)', async () => {
    const stream = acceptedStream([makeEvent({ type: 'response.created' })], [makeEvent({ type: 'response.completed' })]);
    await relay(stream, recordingSink(), options);
    expect(stream.head).toEqual([]);
  });

  it('ends a stream the upstream cut before its terminal event with a failure, not a success', async () => {
    const stream = acceptedStream([makeEvent({ type: 'response.created' })], [makeEvent({ type: 'response.output_text.delta' })]);
    const sink = recordingSink();
    const end = await relay(stream, sink, options);
    expect(end).toMatchObject({ kind: 'failed', cause: 'truncated' });
    expect(sink.failures.map((e) => e.code)).toEqual(['stream_incomplete']);
  });

  it("hands a read's events to the sink in one go, waiting only when the sink asks to", async () => {
    const read = ['response.output_text.delta', 'response.output_text.delta', 'response.completed'].map((type) => makeEvent({ type }));
    const stream = acceptedStream([makeEvent({ type: 'response.created' })], read);
    const seen: string[] = [];
    const sink: RelaySink = {
      // A synchronous sink (its socket has room): anything queued behind it runs only after the whole read.
      event: (event) => {
        seen.push(event.type);
        queueMicrotask(() => seen.push('(other work)'));
        return undefined;
      },
      keepalive: async () => undefined,
      fail: async () => undefined,
    };
    expect(await relay(stream, sink, options)).toMatchObject({ kind: 'terminal' });
    expect(seen.slice(0, 5)).toEqual(['response.created', '(other work)', 'response.output_text.delta', 'response.output_text.delta', 'response.completed']);
  });
});
