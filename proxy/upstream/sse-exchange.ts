/**
 * One HTTP request whose answer is read as Server-Sent Events, through undici's dispatcher callbacks.
 *
 * undici's `request()` hands the body over as a Readable; reading it through the Readable's async iterator and a
 * generator around that cost several buffer moves, promise turns and event emissions per upstream read: without
 * them a short stream costs the proxy about 14 % less CPU (bench/results/proxy-hot-path.md, eighth round). Here each read's
 * bytes are parsed in the callback that delivers them and its events go straight to the one waiting consumer.
 *
 * Backpressure is kept: events parsed since the consumer last took some wait for it as one batch (all a relay
 * handles with one wait), and once READ_AHEAD_BYTES have been read past what it took, the connection pauses until it
 * asks for more. Until the caller chooses how to read the body (`eventBatches()` or `text()`), reads are held as
 * they came, within the same bound.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { errors, type Dispatcher } from 'undici';
import { eventFromSse, type ResponseEvent } from './events.ts';
import { SseParser, type SseMessage } from './sse-parser.ts';

export interface UpstreamStreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /**
   * Parsed events, in the batches they arrived in (over HTTP, all parsed since the previous pull; over a
   * WebSocket, one frame's); for 2xx responses only. Ends when the upstream closes the stream.
   */
  eventBatches(): AsyncIterableIterator<readonly ResponseEvent[]>;
  /** The body as text, capped; for error responses. */
  text(limitBytes?: number): Promise<string>;
  /**
   * Releases the body. `keepConnection`: the stream ended normally, so whatever the upstream still
   * sends is read and dropped and the connection goes back to the pool; otherwise it is closed.
   */
  release(keepConnection: boolean): void;
}

/** How much of an error answer `text()` reads when not told. */
const ERROR_BODY_LIMIT = 64 * 1024;
/**
 * How far reading runs ahead of a consumer that has not taken the last events yet (a relay waiting for a slow
 * client): as much as a Readable of undici's `request()` buffers before it pauses the connection.
 */
const READ_AHEAD_BYTES = 64 * 1024;
/** A finished stream's trailing bytes worth reading to keep its connection warm. */
const DUMP_LIMIT = 64 * 1024;

/**
 * Sends `options` through `dispatcher` and resolves with the answer's head once it arrives. Rejects on transport
 * failure (connect refused, reset) and when `signal` aborts before the head — at once, even while the request still
 * waits in the dispatcher's queue for a connection.
 */
export function exchangeSse(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal,
  maxEventBytes: number,
): Promise<UpstreamStreamResponse> {
  return new Promise((resolve, reject) => {
    const exchange = new SseExchange(signal, maxEventBytes, { resolve, reject });
    try {
      dispatcher.dispatch(options, exchange);
    } catch (err) {
      exchange.onResponseError(undefined, err as Error);
    }
  });
}

/** How the body is being read: not yet chosen, as events, as error text, dropped (released, connection kept), or not at all. */
type Mode = 'unchosen' | 'events' | 'text' | 'dump' | 'closed';

interface Pending<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

type Batch = readonly ResponseEvent[];

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

class SseExchange implements Dispatcher.DispatchHandler {
  readonly #signal: AbortSignal;
  readonly #maxEventBytes: number;
  #opened: Pending<UpstreamStreamResponse> | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #mode: Mode = 'unchosen';
  /** Reads that arrived before a mode was chosen. */
  #unread: Buffer[] = [];
  #parser: SseParser | undefined;
  /** Events parsed since the consumer last took some: its next batch. */
  #parsedEvents: ResponseEvent[] = [];
  /** Bytes read since the consumer last took a batch: past READ_AHEAD_BYTES, reading pauses. */
  #aheadBytes = 0;
  #waiter: Pending<IteratorResult<Batch>> | undefined;
  #text: (Pending<string> & { chunks: Buffer[]; bytes: number; limit: number }) | undefined;
  #dumped = 0;
  /** Nothing more will arrive: the answer ended or failed. */
  #done = false;
  #error: unknown;

  constructor(signal: AbortSignal, maxEventBytes: number, opened: Pending<UpstreamStreamResponse>) {
    this.#signal = signal;
    this.#maxEventBytes = maxEventBytes;
    this.#opened = opened;
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  readonly #onAbort = (): void => {
    const reason = abortReason(this.#signal);
    if (this.#controller) this.#controller.abort(reason);
    // Not yet started (queued for a connection): the caller hears of it now; undici aborts it when it starts.
    else this.#fail(reason);
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#signal.aborted || this.#mode === 'closed') controller.abort(abortReason(this.#signal));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    // undici keeps the head's raw header lines on the controller for the whole answer: one Buffer per name and
    // value, each a view into the socket read that carried the head, so that read stays alive with them. `headers`
    // holds them parsed, as strings, which is all the proxy uses; dropping the raw lines frees about 5 KiB per
    // open stream (bench/results/proxy-hot-path.md, twelfth round).
    controller.rawHeaders = null;
    if (status < 200) return; // 1xx: the answer's head is still to come
    const opened = this.#opened;
    this.#opened = undefined;
    opened?.resolve({
      status,
      headers,
      eventBatches: () => this.#events(),
      text: (limitBytes = ERROR_BODY_LIMIT) => this.#readText(limitBytes),
      release: (keepConnection) => this.#release(keepConnection),
    });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    switch (this.#mode) {
      case 'unchosen':
        this.#unread.push(chunk);
        this.#aheadBytes += chunk.length;
        if (this.#aheadBytes >= READ_AHEAD_BYTES) controller.pause();
        return;
      case 'events':
        try {
          this.#parsed(this.#parser?.push(chunk) ?? []);
        } catch (err) {
          this.#broken(err);
          return;
        }
        this.#aheadBytes += chunk.length;
        // Only with events in hand: a consumer waiting for one event larger than the bound must get it.
        if (this.#parsedEvents.length > 0 && this.#aheadBytes >= READ_AHEAD_BYTES) controller.pause();
        return;
      case 'text':
        this.#appendText(chunk);
        return;
      case 'dump':
        this.#dumped += chunk.length;
        if (this.#dumped > DUMP_LIMIT) this.#close();
        return;
      case 'closed':
        return;
    }
  }

  onResponseEnd(): void {
    if (this.#mode === 'events') {
      try {
        this.#parsed(this.#parser?.finish() ?? []);
      } catch (err) {
        this.#finish(err);
        return;
      }
    }
    this.#finish(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.#fail(error);
  }

  #fail(error: unknown): void {
    const opened = this.#opened;
    this.#opened = undefined;
    opened?.reject(error);
    this.#finish(error);
  }

  /** The answer is over (`error` set when it broke): whoever waits hears of it, once what was read is taken. */
  #finish(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#signal.removeEventListener('abort', this.#onAbort);
    if (this.#waiter && this.#parsedEvents.length === 0) this.#settleWaiter();
    const text = this.#text;
    if (text) {
      this.#text = undefined;
      if (error === undefined) text.resolve(joined(text.chunks, text.limit));
      else text.reject(error);
    }
  }

  /** The body cannot be read on (an event over the size limit): the consumer hears `error`; the connection closes. */
  #broken(error: unknown): void {
    this.#finish(error);
    this.#controller?.abort(error instanceof Error ? error : new Error(String(error)));
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (!waiter) return;
    const batch = this.#take();
    if (batch) waiter.resolve({ done: false, value: batch });
    else if (this.#error !== undefined && this.#mode !== 'closed') waiter.reject(this.#error);
    else waiter.resolve(DONE);
  }

  /** What was parsed since the consumer last took a batch, if anything; reading goes on once it is taken. */
  #take(): Batch | undefined {
    if (this.#parsedEvents.length === 0) return undefined;
    const batch = this.#parsedEvents;
    this.#parsedEvents = [];
    this.#aheadBytes = 0;
    return batch;
  }

  #parsed(messages: readonly SseMessage[]): void {
    for (const message of messages) {
      const event = eventFromSse(message);
      if (event) this.#parsedEvents.push(event);
    }
    if (this.#waiter && this.#parsedEvents.length > 0) this.#settleWaiter();
  }

  #events(): AsyncIterableIterator<Batch> {
    if (this.#mode === 'unchosen') {
      this.#mode = 'events';
      const parser = new SseParser({ maxEventBytes: this.#maxEventBytes });
      this.#parser = parser;
      const unread = this.#unread;
      this.#unread = [];
      try {
        for (const chunk of unread) this.#parsed(parser.push(chunk));
        if (this.#done && this.#error === undefined) this.#parsed(parser.finish());
      } catch (err) {
        if (this.#done) this.#error = err;
        else this.#broken(err);
      }
    }
    const iterator: AsyncIterableIterator<Batch> = {
      next: () => this.#next(),
      // Stopping early does not close the connection: release() decides whether it goes back to the pool.
      return: () => Promise.resolve(DONE),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  #next(): Promise<IteratorResult<Batch>> {
    if (this.#mode !== 'events') return Promise.resolve(DONE);
    const batch = this.#take();
    if (batch) return Promise.resolve({ done: false, value: batch });
    if (this.#done) return this.#error === undefined ? Promise.resolve(DONE) : Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      // Last: resuming may deliver the next read at once, to the waiter just set.
      this.#controller?.resume();
    });
  }

  #readText(limit: number): Promise<string> {
    if (this.#mode !== 'unchosen') return Promise.reject(new Error('the answer body is already being read'));
    this.#mode = 'text';
    const unread = this.#unread;
    this.#unread = [];
    return new Promise((resolve, reject) => {
      const text = { resolve, reject, chunks: [], bytes: 0, limit };
      this.#text = text;
      for (const chunk of unread) this.#appendText(chunk);
      if (this.#text !== text) return; // the limit was reached
      if (!this.#done) {
        this.#controller?.resume();
        return;
      }
      this.#text = undefined;
      if (this.#error === undefined) resolve(joined(text.chunks, limit));
      else reject(this.#error);
    });
  }

  #appendText(chunk: Buffer): void {
    const text = this.#text;
    if (!text) return;
    text.chunks.push(chunk);
    text.bytes += chunk.length;
    if (text.bytes < text.limit) return;
    // Enough of an error body: the rest is not read, and the connection goes with it.
    this.#text = undefined;
    this.#close();
    text.resolve(joined(text.chunks, text.limit));
  }

  #release(keepConnection: boolean): void {
    this.#parsedEvents = [];
    this.#unread = [];
    const text = this.#text;
    this.#text = undefined;
    text?.resolve(joined(text.chunks, text.limit));
    if (this.#done) {
      this.#mode = 'closed';
      this.#settleWaiter();
      return;
    }
    if (!keepConnection) {
      this.#close();
      return;
    }
    this.#mode = 'dump';
    this.#settleWaiter();
    this.#controller?.resume();
  }

  /** Stops reading and closes the connection (an aborted request's connection is not reused). */
  #close(): void {
    this.#mode = 'closed';
    this.#settleWaiter();
    if (!this.#done) this.#controller?.abort(new errors.RequestAbortedError());
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new errors.RequestAbortedError();
}

function joined(chunks: readonly Buffer[], limit: number): string {
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
