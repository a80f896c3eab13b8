/**
 * What one request consumed and how fast, read from the events as they pass (reference/proxy-contract.md
 * §8.2 request_logs): the upstream response id, tokens from the terminal event's `usage`, the
 * service tier actually used, and the time to the first output delta (TTFT).
 */
import { parseResponseUsage, type ResponseUsage } from '../usage/response-usage.ts';
import { responseOf, type ResponseEvent } from '../upstream/events.ts';

export class UsageMeter {
  readonly #now: () => number;
  responseId: string | undefined;
  serviceTier: string | undefined;
  usage: ResponseUsage | undefined;
  /** Epoch ms of the first output delta. */
  firstTokenAt: number | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  observe(event: ResponseEvent): void {
    if (this.firstTokenAt === undefined && event.type.endsWith('.delta')) this.firstTokenAt = this.#now();
    const response = responseOf(event);
    if (!response) return;
    if (typeof response.id === 'string') this.responseId ??= response.id;
    if (typeof response.service_tier === 'string') this.serviceTier = response.service_tier;
    const usage = parseResponseUsage(response.usage);
    if (usage) this.usage = usage;
  }
}
