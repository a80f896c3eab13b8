/**
 * Live usage ingestion (§2.5, §7.7): `x-codex-*` headers on every upstream answer and
 * `codex.rate_limits` events, recorded as usage snapshots through the data layer. Off the request
 * path: nothing here is awaited by a stream, and a failed write is logged, never thrown.
 *
 * Cheap per request (bench/results/proxy-hot-path.md): a turn reports the same windows twice (headers,
 * then the event), so an observation equal to the account's previous one within a few seconds is not
 * written again; the others wait at most LIVE_USAGE_FLUSH_MS and are written together, the latest per
 * account, in one transaction. A crash loses at most that window's observations — the old path lost
 * whatever writes were still queued or in flight — and the next answer or poll reports the windows again.
 * Shutdown waits for the pending batch (PendingWork).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PendingWork } from '../cluster/pending-work.ts';
import type { Logger } from '../observability/logger.ts';
import { parseRateLimitHeaders, parseRateLimitsEvent } from '../usage/live-rate-limits.ts';
import type { UsageRecorder } from '../usage/usage-recorder.ts';
import { sameSnapshot, type UsageSnapshot } from '../usage/usage-snapshot.ts';
import type { JsonObject } from '../upstream/events.ts';
import type { UsageIngest } from './ports.ts';

const REPEAT_WINDOW_MS = 10_000;
/** How long an observation waits for others to share its transaction. */
export const LIVE_USAGE_FLUSH_MS = 100;

export class LiveUsageIngest implements UsageIngest {
  readonly #recorder: Pick<UsageRecorder, 'recordMany'>;
  readonly #logger: Logger;
  readonly #pending: PendingWork;
  readonly #last = new Map<string, { snapshot: UsageSnapshot; at: number }>();
  #batch = new Map<string, UsageSnapshot>();
  #flushing = false;

  constructor(options: { recorder: Pick<UsageRecorder, 'recordMany'>; logger: Logger; pending: PendingWork }) {
    this.#recorder = options.recorder;
    this.#logger = options.logger;
    this.#pending = options.pending;
  }

  fromHeaders(accountId: string, headers: IncomingHttpHeaders): void {
    this.#record(accountId, parseRateLimitHeaders(headers));
  }

  fromRateLimitsEvent(accountId: string, payload: JsonObject): void {
    this.#record(accountId, parseRateLimitsEvent(payload));
  }

  #record(accountId: string, snapshot: UsageSnapshot | null): void {
    if (snapshot === null) return;
    const now = Date.now();
    const last = this.#last.get(accountId);
    if (last && now - last.at < REPEAT_WINDOW_MS && sameSnapshot(last.snapshot, snapshot)) return;
    this.#last.set(accountId, { snapshot, at: now });
    this.#batch.set(accountId, snapshot);
    if (this.#flushing) return;
    this.#flushing = true;
    this.#pending.track(
      sleep(LIVE_USAGE_FLUSH_MS).then(() => this.#flush()),
      (err) => this.#logger.warn('live usage write failed', { err }),
    );
  }

  async #flush(): Promise<void> {
    const batch = [...this.#batch].map(([accountId, snapshot]) => ({ accountId, snapshot }));
    this.#batch = new Map();
    this.#flushing = false;
    const failed = await this.#recorder.recordMany(batch, 'live');
    for (const accountId of failed) this.#logger.warn('live usage write failed', { accountId });
  }
}
