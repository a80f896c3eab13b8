/**
 * Client turns against a proxy Service or pod, as a Codex client would send them, reporting what happened
 * instead of throwing, so a suite can assert that nothing went wrong across a rollout.
 */
import { request } from 'node:http';
import { collectSse } from '../../../fakes/upstream-client.ts';

/** Streams one Responses turn over SSE and returns its event types; a transport error rejects. */
export async function streamTurn(baseUrl: string, apiKey: string, input: string): Promise<string[]> {
  const res = await fetch(`${baseUrl}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-5.4', input, stream: true }),
  });
  if (!res.ok) return [`http ${res.status}: ${await res.text()}`];
  return (await collectSse(res)).map((e) => e.event ?? String(e.data.type));
}

/** One short non-streamed turn on a connection of its own: 'ok', or what went wrong. */
export function shortTurn(baseUrl: string, apiKey: string, input: string): Promise<string> {
  const body = JSON.stringify({ model: 'gpt-5.4', input });
  return new Promise((resolve) => {
    const req = request(
      `${baseUrl}/v1/responses`,
      {
        method: 'POST',
        agent: false, // a fresh connection per turn: each one is a new choice of pod by kube-proxy
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 60_000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : `http ${res.statusCode}: ${text}`));
        res.on('error', (err) => resolve(`error: ${err.message}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', (err) => resolve(`error: ${err.message}`));
    req.end(body);
  });
}
