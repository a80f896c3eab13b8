/**
 * Plays a planned stream onto a transport, applying the scripted timing (stall, pacing) and the
 * mid-stream cut. Both transports share this loop; they differ only in their sink.
 * Every wait listens to `signal`, which fires when the client goes away or the fake closes, so a
 * stalled stream never outlives either.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamEvent } from './transcripts.ts';
import type { StreamPlan } from './turns.ts';

export interface EventSink {
  /** Commits the reply (HTTP status and headers); nothing to do on an open socket. */
  open(): void;
  /** Resolves once the event is handed to the transport (respecting backpressure). */
  send(event: StreamEvent): Promise<void>;
  /** Normal end of the reply. */
  end(): void;
  /** Drops the connection without a terminal event or close handshake. */
  cut(): void;
}

/** Resolves after `ms`, or never when `ms` is undefined; rejects with an AbortError when `signal` fires. */
export async function pause(ms: number | undefined, signal: AbortSignal): Promise<void> {
  if (ms !== undefined) {
    await sleep(ms, undefined, { signal });
    return;
  }
  await new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Plays `plan` onto `sink`. Returns true when the stream ran to its end, false when it was cut. */
export async function play(plan: StreamPlan, sink: EventSink, signal: AbortSignal): Promise<boolean> {
  if (plan.stall && !plan.stall.afterHeaders) await pause(plan.stall.ms, signal);
  sink.open();
  if (plan.stall?.afterHeaders) await pause(plan.stall.ms, signal);
  for (const [index, event] of plan.events.entries()) {
    if (index === plan.cutAfter) {
      sink.cut();
      return false;
    }
    if (index > 0 && plan.delayMs) await pause(plan.delayMs, signal);
    await sink.send(event);
  }
  sink.end();
  return true;
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
