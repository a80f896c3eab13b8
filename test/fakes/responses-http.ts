/**
 * `POST /backend-api/codex/responses` over HTTP: a `text/event-stream` of the planned turn, or a JSON
 * error with a real status before any byte of stream (the proxy's startup probe relies on that
 * distinction, §2.6, §15.1).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closedSignal, sendFailure } from './http-io.ts';
import { play, type EventSink } from './playback.ts';
import { startTurn } from './responses-turn.ts';
import { encodeSseEvent } from './sse.ts';
import type { UpstreamState } from './upstream-state.ts';

export async function serveResponsesHttp(state: UpstreamState, req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): Promise<void> {
  const auth = state.authorize(req.headers);
  state.record(req, url, { endpoint: 'responses', body, accountId: auth.accountId });
  if (!auth.ok) {
    sendFailure(res, auth.failure);
    return;
  }
  const outcome = startTurn(state, auth.accountId, body, 'http');
  if (outcome.kind === 'reject') {
    sendFailure(res, outcome.failure, outcome.headers);
    return;
  }
  const signal = AbortSignal.any([state.signal, closedSignal(res)]);
  const ended = state.streamStarted(auth.accountId);
  try {
    await play(outcome.plan, sseSink(res, outcome.headers, signal), signal);
  } finally {
    ended();
  }
}

function sseSink(res: ServerResponse, headers: Record<string, string>, signal: AbortSignal): EventSink {
  return {
    open() {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
    },
    send(event) {
      // Resolve once the bytes are on the socket: a cut right after must not swallow them (a
      // client of a dropped stream still holds every event sent before the drop), and waiting for
      // the flush doubles as backpressure.
      return new Promise((resolve, reject) => res.write(encodeSseEvent(event), (err) => (err ? reject(signal.aborted ? signal.reason : err) : resolve())));
    },
    end() {
      res.end();
    },
    cut() {
      res.destroy();
    },
  };
}
