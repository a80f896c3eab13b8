/**
 * Live usage ingestion (§2.5, §7.7): `x-codex-*` headers on every upstream answer and
 * `codex.rate_limits` events, recorded as usage snapshots through the data layer. Off the request
 * path: nothing here is awaited by a stream, and a failed write is logged, never thrown. A turn
 * reports the same windows twice (headers, then the event), so an observation identical to the
 * account's previous one within a few seconds is not written again.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { PendingWork } from '../cluster/pending-work.ts';
import type { Logger } from '../observability/logger.ts';
import { parseRateLimitHeaders, parseRateLimitsEvent } from '../usage/live-rate-limits.ts';
import type { UsageRecorder } from '../usage/usage-recorder.ts';
import type { UsageSnapshot } from '../usage/usage-snapshot.ts';
import type { JsonObject } from '../upstream/events.ts';
import type { UsageIngest } from './ports.ts';

const REPEAT_WINDOW_MS = 10_000;

export class LiveUsageIngest implements UsageIngest {
  readonly #recorder: Pick<UsageRecorder, 'record'>;
  readonly #logger: Logger;
  readonly #pending: PendingWork;
  readonly #last = new Map<string, { key: string; at: number }>();

  constructor(options: { recorder: Pick<UsageRecorder, 'record'>; logger: Logger; pending: PendingWork }) {
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
    const key = JSON.stringify(snapshot);
    const now = Date.now();
    const last = this.#last.get(accountId);
    if (last && last.key === key && now - last.at < REPEAT_WINDOW_MS) return;
    this.#last.set(accountId, { key, at: now });
    this.#pending.track(this.#recorder.record(accountId, snapshot, 'live'), (err) => this.#logger.warn('live usage write failed', { accountId, err }));
  }
}
