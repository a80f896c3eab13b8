/** HTTP faces of the login desk (login.ts): the authorize redirect and the device-code endpoints. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendFailure, sendJson } from './http-io.ts';
import type { UpstreamState } from './upstream-state.ts';

const objectOf = (body: unknown): Record<string, unknown> => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {});

export async function serveAuthorize(state: UpstreamState, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const outcome = state.logins.authorize(url.searchParams);
  if ('failure' in outcome) return sendFailure(res, outcome.failure);
  res.writeHead(302, { location: outcome.location, 'content-length': 0 });
  res.end();
}

export async function serveDeviceUserCode(state: UpstreamState, _req: IncomingMessage, res: ServerResponse, _url: URL, body: unknown): Promise<void> {
  const answer = state.logins.issueDeviceCode(objectOf(body));
  sendJson(res, answer.status, answer.body);
}

export async function serveDeviceToken(state: UpstreamState, _req: IncomingMessage, res: ServerResponse, _url: URL, body: unknown): Promise<void> {
  const answer = state.logins.pollDevice(objectOf(body));
  sendJson(res, answer.status, answer.body);
}
