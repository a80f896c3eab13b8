/**
 * Everything the fake received, in arrival order, so tests can assert which request (headers,
 * body, transport) reached which account. Control-API calls are not recorded.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from './scripts.ts';

export interface RecordedRequest {
  /** 1, 2, 3... in arrival order. */
  readonly seq: number;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly transport: 'http' | 'ws';
  /** The scripting endpoint it counts as; `unmatched` for paths the fake does not serve (404). */
  readonly endpoint: Endpoint | 'unmatched';
  /** The HTTP method; `WS` for a message received on an open socket. */
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased, as node parses them; for a socket message, those of its upgrade request. */
  readonly headers: IncomingHttpHeaders;
  /** Names as sent on the wire, for casing checks (e.g. `ChatGPT-Account-Id` vs `chatgpt-account-id`, §2.2). */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>;
  /** Parsed JSON or form body; the raw text when it did not parse; undefined when there was none. */
  readonly body: unknown;
  /** The upstream account the request authenticated as (or whose token it carried), if any. */
  readonly accountId: string | undefined;
  /**
   * The TCP connection it arrived on: 1, 2, 3... in order of first use. A WebSocket's messages share
   * their upgrade request's connection, so "one upstream connection" is one value here.
   */
  readonly connection: number;
}

export type RequestRecord = Omit<RecordedRequest, 'seq' | 'at'>;

export class RequestLog {
  readonly #entries: RecordedRequest[] = [];
  readonly #now: () => number;
  #seq = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  record(entry: RequestRecord): void {
    this.#seq += 1;
    this.#entries.push({ ...entry, seq: this.#seq, at: this.#now() });
  }

  list(): RecordedRequest[] {
    return [...this.#entries];
  }

  clear(): void {
    this.#entries.length = 0;
  }
}

export function pairHeaders(rawHeaders: readonly string[]): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  return pairs;
}
