/**
 * The `response.failed` event the proxy emits once a stream has started and something goes wrong —
 * whether upstream said so or the proxy noticed (EOF, idle timeout, budget), §2.5.
 */
import { toOpenAIError, type ProxyError } from '../../errors/catalogue.ts';
import { makeEvent, type ResponseEvent } from '../../upstream/events.ts';

export function responseFailedEvent(error: ProxyError, responseId: string, createdAt: number): ResponseEvent {
  return makeEvent({
    type: 'response.failed',
    response: {
      object: 'response',
      status: 'failed',
      error: toOpenAIError(error),
      incomplete_details: null,
      id: responseId,
      created_at: createdAt,
    },
  });
}
