/**
 * The owner-forwarding wire contract (reference/proxy-contract.md §11.4, our variant):
 * `POST <owner advertise URL>/internal/bridge/responses` with the normalized Responses body, the client's
 * forwardable headers (never its credentials), and these headers, all covered by the HMAC signature:
 *
 *   x-codex-bridge-forwarded: 1
 *   x-codex-bridge-origin-instance / -target-instance   instance ids
 *   x-codex-bridge-timestamp                            epoch ms
 *   x-codex-bridge-nonce                                unique per forward
 *   x-codex-bridge-session                              the session key id
 *   x-codex-bridge-context                              base64url JSON: route, API key id, request id, budget, probe, owner epoch
 *   x-codex-bridge-signature                            base64url HMAC-SHA256 (bridge-auth.ts)
 *
 * The owner answers 200 `text/event-stream` with the upstream's events verbatim (plus
 * `x-codex-bridge-account-id` and `x-codex-bridge-upstream-status`), or the OpenAI error envelope with
 * the status the client should get. Both client transports (SSE and WebSocket) forward this way; the
 * origin frames the events for its client exactly as it would frame its own.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestRoute } from '../../upstream/request-body.ts';
import type { ForwardClaims } from '../bridge-auth.ts';

export const BRIDGE_PATH = '/internal/bridge/responses';
export const ACCOUNT_HEADER = 'x-codex-bridge-account-id';
export const UPSTREAM_STATUS_HEADER = 'x-codex-bridge-upstream-status';

const H = {
  forwarded: 'x-codex-bridge-forwarded',
  origin: 'x-codex-bridge-origin-instance',
  target: 'x-codex-bridge-target-instance',
  timestamp: 'x-codex-bridge-timestamp',
  nonce: 'x-codex-bridge-nonce',
  session: 'x-codex-bridge-session',
  context: 'x-codex-bridge-context',
  signature: 'x-codex-bridge-signature',
} as const;

/** What the owner needs to serve the turn as the origin would have. */
export interface ForwardContext {
  route: RequestRoute;
  apiKeyId: string | null;
  requestId: string;
  /** What is left of the client's request budget, in ms. */
  budgetMs: number;
  /** One upstream attempt's first-event deadline (the origin's setting; enforced once, on the owner). */
  firstEventTimeoutMs: number;
  surfaceStaleAnchor: boolean;
  /** The epoch of the owner row naming the target that the origin read, if that is how it chose it. */
  ownerEpoch: number | null;
}

/**
 * On the wire the first-event deadline keeps the name of the field it replaced, `probeMs` (the owner's hold
 * before its first keepalive, which that deadline now also bounds): replicas of the previous version read it,
 * so forwards keep working both ways during a rolling upgrade.
 */
type WireContext = Omit<ForwardContext, 'firstEventTimeoutMs'> & { probeMs: number };

export function encodeContext(context: ForwardContext): string {
  const { firstEventTimeoutMs, ...rest } = context;
  const wire: WireContext = { ...rest, probeMs: firstEventTimeoutMs };
  return Buffer.from(JSON.stringify(wire)).toString('base64url');
}

export function decodeContext(text: string): ForwardContext | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const c = value as Partial<WireContext> | null;
  if (
    c === null ||
    typeof c !== 'object' ||
    (c.route !== 'codex' && c.route !== 'openai') ||
    (c.apiKeyId !== null && typeof c.apiKeyId !== 'string') ||
    typeof c.requestId !== 'string' ||
    typeof c.budgetMs !== 'number' ||
    typeof c.probeMs !== 'number' ||
    typeof c.surfaceStaleAnchor !== 'boolean' ||
    (c.ownerEpoch !== null && typeof c.ownerEpoch !== 'number')
  ) {
    return undefined;
  }
  const { probeMs, ...rest } = c as WireContext;
  return { ...rest, firstEventTimeoutMs: probeMs };
}

export function claimHeaders(claims: ForwardClaims, signature: string): Record<string, string> {
  return {
    [H.forwarded]: '1',
    [H.origin]: claims.origin,
    [H.target]: claims.target,
    [H.timestamp]: String(claims.timestamp),
    [H.nonce]: claims.nonce,
    [H.session]: claims.sessionKey,
    [H.context]: claims.context,
    [H.signature]: signature,
  };
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The claims a forward carries (the body digest is computed from the body by the caller); undefined when incomplete. */
export function readClaims(headers: IncomingHttpHeaders): { claims: Omit<ForwardClaims, 'bodyDigest'>; signature: string } | undefined {
  if (single(headers, H.forwarded) !== '1') return undefined;
  const origin = single(headers, H.origin);
  const target = single(headers, H.target);
  const timestamp = Number(single(headers, H.timestamp));
  const nonce = single(headers, H.nonce);
  const sessionKey = single(headers, H.session);
  const context = single(headers, H.context);
  const signature = single(headers, H.signature);
  if (!origin || !target || !Number.isFinite(timestamp) || !nonce || !sessionKey || !context || !signature) return undefined;
  return { claims: { origin, target, timestamp, nonce, sessionKey, context }, signature };
}
