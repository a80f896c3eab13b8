/**
 * Moves an accepted upstream stream to one client sink, event by event (reference/proxy-contract.md
 * §2.5, trap 9). While the upstream is quiet it sends keepalives at the configured interval; when
 * it stays quiet past the idle timeout, or the request budget runs out, or it closes without a
 * terminal event, the sink is told to fail the stream honestly instead of hanging or ending "ok".
 */
import { streamIdleTimeout, streamIncomplete, upstreamRequestTimeout, type ProxyError } from '../errors/catalogue.ts';
import { endsStream, type ResponseEvent } from '../upstream/events.ts';
import type { OpenStream, StreamOutcome } from '../routing/dispatch.ts';
import { failureFromEvent } from '../upstream/upstream-error.ts';
import { ClientGoneError } from './sse-writer.ts';

export interface RelaySink {
  /**
   * Forwards one upstream event; the relay stops after a terminal one. Returns nothing when the next event
   * may follow at once, else a promise the relay waits for (a full socket, a sink that works asynchronously).
   */
  event(event: ResponseEvent): Promise<void> | undefined;
  keepalive(): Promise<void>;
  /** Ends the answer with an error the proxy detected (the stream has no terminal event). */
  fail(error: ProxyError): Promise<void>;
}

export type RelayEnd =
  | { kind: 'terminal'; event: ResponseEvent }
  | { kind: 'failed'; error: ProxyError; cause: 'truncated' | 'idle' | 'budget' }
  | { kind: 'aborted' };

export interface RelayOptions {
  /** ≤ 0 disables keepalives. */
  keepaliveMs: number;
  idleTimeoutMs: number;
  /** Epoch ms. */
  deadline: number;
  signal: AbortSignal;
  /** Sees every event after it was forwarded (metering). Must not throw. */
  observe: (event: ResponseEvent) => void;
  now?: () => number;
}

export async function relay(stream: OpenStream, sink: RelaySink, options: RelayOptions): Promise<RelayEnd> {
  const now = options.now ?? Date.now;
  try {
    const terminal = await relayHead(stream, sink, options.observe);
    if (terminal) return { kind: 'terminal', event: terminal };
    let lastEvent = stream.lastEventAt;
    let nextKeepalive = options.keepaliveMs > 0 ? now() + options.keepaliveMs : Infinity;
    for (;;) {
      if (options.signal.aborted) return { kind: 'aborted' };
      const t = now();
      const idleAt = lastEvent + options.idleTimeoutMs;
      if (t >= options.deadline) return await failWith(sink, upstreamRequestTimeout(), 'budget');
      if (t >= idleAt) return await failWith(sink, streamIdleTimeout(), 'idle');
      if (t >= nextKeepalive) {
        await sink.keepalive();
        nextKeepalive = t + options.keepaliveMs;
        continue;
      }
      const result = await stream.pump.next(Math.min(nextKeepalive, idleAt, options.deadline) - t);
      if (result.kind === 'timeout') continue;
      if (result.kind === 'end') {
        if (options.signal.aborted) return { kind: 'aborted' };
        return await failWith(sink, streamIncomplete(stream.transport), 'truncated');
      }
      lastEvent = now();
      if (options.keepaliveMs > 0) nextKeepalive = lastEvent + options.keepaliveMs;
      // The rest of the read that brought this event is in hand: relayed with it, without a wait per event.
      const ended = await forward(result.event, () => stream.pump.take(), sink, options.observe);
      if (ended) return { kind: 'terminal', event: ended };
    }
  } catch (err) {
    if (err instanceof ClientGoneError) return { kind: 'aborted' };
    throw err;
  }
}

/**
 * The events pulled while probing. Taken out of the stream, and relayed in a frame of their own, so a long
 * stream does not keep them (parsed payloads, the text they were read from) until its end.
 */
function relayHead(stream: OpenStream, sink: RelaySink, observe: RelayOptions['observe']): Promise<ResponseEvent | undefined> {
  const head = stream.head.splice(0);
  return forward(head.shift(), () => head.shift(), sink, observe);
}

/** Forwards `first` and what `more` yields until it yields nothing; resolves with the event that ended the stream, if one did. */
async function forward(
  first: ResponseEvent | undefined,
  more: () => ResponseEvent | undefined,
  sink: RelaySink,
  observe: RelayOptions['observe'],
): Promise<ResponseEvent | undefined> {
  for (let event = first; event !== undefined; event = more()) {
    const written = sink.event(event);
    if (written) await written;
    observe(event);
    if (endsStream(event)) return event;
  }
  return undefined;
}

async function failWith(sink: RelaySink, error: ProxyError, cause: 'truncated' | 'idle' | 'budget'): Promise<RelayEnd> {
  await sink.fail(error);
  return { kind: 'failed', error, cause };
}

/** What a relay's end says about the account that served it (dispatch records it on finish). */
export function streamOutcome(end: RelayEnd): StreamOutcome {
  if (end.kind === 'terminal') {
    const failure = failureFromEvent(end.event);
    return failure ? { kind: 'failure', failure } : { kind: 'success' };
  }
  if (end.kind === 'failed' && end.cause === 'truncated') {
    return { kind: 'failure', failure: { status: undefined, code: end.error.code, type: end.error.type, message: end.error.message } };
  }
  return { kind: 'neutral' };
}
