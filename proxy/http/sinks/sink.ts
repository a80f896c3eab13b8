/**
 * A client-facing answer to one Responses turn, in whatever shape the route promised (Responses
 * SSE, chat chunks, one JSON body, WebSocket frames). The request driver calls `reject` when the
 * upstream never accepted, otherwise relays into it and calls `complete` with how the relay ended.
 */
import type { ServerResponse } from 'node:http';
import type { ProxyError } from '../../errors/catalogue.ts';
import type { RelayEnd, RelaySink } from '../relay.ts';
import { sendProxyError } from '../send-error.ts';
import type { StreamWriter } from '../sse-writer.ts';

export interface AnswerSink extends RelaySink {
  /**
   * The request failed before the upstream produced its first event: a real error status when nothing
   * was written yet; after keepalives committed the stream, the error as its failure event, and the end.
   */
  reject(error: ProxyError): void | Promise<void>;
  /** The relay ended: close the stream, or send the buffered answer. */
  complete(end: RelayEnd): void;
  /** Whether a keepalive-paced hold is pointless (buffered answers can only wait). */
  readonly buffered: boolean;
}

/** `reject` of the streaming sinks; `fail` writes the sink's own failure event. */
export async function rejectStream(res: ServerResponse, writer: StreamWriter, error: ProxyError, fail: (error: ProxyError) => Promise<void>): Promise<void> {
  if (!writer.committed) {
    sendProxyError(res, error);
    return;
  }
  await fail(error).catch(() => undefined);
  writer.end();
}
