/**
 * The HTTP side of the usage poller: `GET <upstream>/wham/usage` (reference/proxy-contract.md §8.1), retried on
 * 408/429/5xx-gateway answers and transport errors with exponential backoff (0.5 s doubling, at most 2 s).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import type { FetchUsage } from './usage-poller.ts';

const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export interface WhamFetchOptions {
  /** `CODEX_LB_UPSTREAM_BASE_URL`, e.g. https://chatgpt.com/backend-api */
  readonly upstreamBaseUrl: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** @default 500 */
  readonly firstBackoffMs?: number;
  readonly dispatcher?: Dispatcher;
}

export function whamUsageFetcher(options: WhamFetchOptions): FetchUsage {
  const url = `${options.upstreamBaseUrl.replace(/\/+$/, '')}/wham/usage`;
  return async ({ accessToken, chatgptAccountId }) => {
    let backoff = options.firstBackoffMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= options.maxRetries;
      try {
        const response = await request(url, {
          method: 'GET',
          headers: {
            authorization: `Bearer ${accessToken}`,
            accept: 'application/json',
            ...(chatgptAccountId === null ? {} : { 'chatgpt-account-id': chatgptAccountId }),
          },
          signal: AbortSignal.timeout(options.timeoutMs),
          ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
        });
        const body: unknown = await response.body.json().catch(() => null);
        if (!RETRIED_STATUSES.has(response.statusCode) || last) return { status: response.statusCode, body };
      } catch (err) {
        if (last) throw err;
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 2000);
    }
  };
}
