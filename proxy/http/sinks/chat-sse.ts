/** Chat Completions over SSE: `data:` frames only, an error frame on failure, always `[DONE]` last (§3.2). */
import type { ServerResponse } from 'node:http';
import { toOpenAIError, type ProxyError } from '../../errors/catalogue.ts';
import type { RelayEnd } from '../relay.ts';
import { COMMENT_KEEPALIVE, SSE_DONE, SSE_HEADERS, sseData, StreamWriter } from '../sse-writer.ts';
import type { ChatChunkTranslator} from '../translate/chat-response.ts';
import { type ChatStep } from '../translate/chat-response.ts';
import type { ResponseEvent } from '../../upstream/events.ts';
import { rejectStream, type AnswerSink } from './sink.ts';

export class ChatSseSink implements AnswerSink {
  readonly buffered = false;
  readonly #res: ServerResponse;
  readonly #writer: StreamWriter;
  readonly #translator: ChatChunkTranslator;
  /** The answer's headers, built once (not per event). */
  readonly #head: Record<string, string>;

  constructor(res: ServerResponse, translator: ChatChunkTranslator, headers: Record<string, string>) {
    this.#res = res;
    this.#writer = new StreamWriter(res);
    this.#translator = translator;
    this.#head = { ...SSE_HEADERS, ...headers };
  }

  #emit(step: ChatStep): Promise<void> | undefined {
    this.#writer.commit(200, this.#head);
    const frames = step.chunks.map((chunk) => sseData(JSON.stringify(chunk)));
    if (step.error) frames.push(sseData(JSON.stringify({ error: step.error })));
    if (step.done) frames.push(SSE_DONE);
    return this.#writer.writeAll(frames);
  }

  event(event: ResponseEvent): Promise<void> | undefined {
    return this.#emit(this.#translator.onEvent(event));
  }

  async keepalive(): Promise<void> {
    this.#writer.commit(200, this.#head);
    await this.#writer.write(COMMENT_KEEPALIVE);
  }

  async fail(error: ProxyError): Promise<void> {
    const step = error.code === 'stream_incomplete' ? this.#translator.onTruncated() : { chunks: [], error: toOpenAIError(error), done: true };
    await this.#emit(step);
  }

  reject(error: ProxyError): Promise<void> {
    return rejectStream(this.#res, this.#writer, error, (e) => this.fail(e));
  }

  complete(end: RelayEnd): void {
    if (end.kind === 'aborted') this.#res.destroy();
    else this.#writer.end();
  }
}
