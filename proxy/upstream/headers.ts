/**
 * Headers sent to the Codex backend (reference/proxy-contract.md §2.2, trap 3). Only the client
 * headers the backend has a use for pass through (an allow-list: never the client's credentials, the
 * network path, the connection or cookies); non-native clients are given the Codex CLI fingerprint,
 * because the backend treats SDK fingerprints as lower priority; native Codex clients keep theirs.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type Transport = 'http' | 'websocket';

export interface UpstreamIdentity {
  accessToken: string;
  /** `Bearer <accessToken>`, built once per token: a request keeps its headers until it ends, and a token is ~1 KB. */
  authorization: string;
  /** The ChatGPT workspace id; omitted for synthetic `email_`/`local_` ids. */
  chatgptAccountId: string | null;
  /** The account's stable `codex_installation_id`. */
  installationId: string | null;
}

export interface HeaderContext {
  requestId: string;
  /** Codex CLI version used in the fingerprint for non-native clients. */
  clientVersion: string;
  transport: Transport;
  /** The body carries an `additional_tools` item ("Responses Lite"). */
  responsesLite?: boolean;
}

/**
 * Client headers forwarded to the backend: only the ones the contract lists as meaningful to it
 * (§2.2: Codex's session, turn and tracing headers, identity, beta flags). Anything else a client
 * sends — its own credentials (`x-api-key`), proxy hops, cookies, arbitrary `x-*` — stays here.
 */
const FORWARDED = new Set([
  'user-agent',
  'originator',
  'version',
  'openai-beta',
  'session_id',
  'session-id',
  'thread-id',
  'conversation_id',
  'x-request-id',
  'request-id',
  'x-client-request-id',
  'traceparent',
  'tracestate',
]);
/** Codex's own header families (`x-codex-turn-state`, `x-codex-turn-metadata`, `x-openai-subagent`, …). */
const FORWARDED_PREFIXES = ['x-codex-', 'x-openai-'];
/** Inside those families: set by the proxy itself, or meant for codex-lb only. */
const NEVER_FORWARDED = new Set(['x-codex-installation-id', 'x-openai-internal-codex-responses-lite']);
const NEVER_FORWARDED_PREFIXES = ['x-codex-lb-', 'x-codex-bridge-'];

function forwardable(name: string): boolean {
  if (NEVER_FORWARDED.has(name) || NEVER_FORWARDED_PREFIXES.some((p) => name.startsWith(p))) return false;
  return FORWARDED.has(name) || FORWARDED_PREFIXES.some((p) => name.startsWith(p));
}

/** Headers that identify a client (SDK telemetry); replaced by the Codex fingerprint for non-native clients. */
const CLIENT_IDENTITY = new Set([
  'user-agent',
  'originator',
  'version',
  'x-openai-client-version',
  'x-openai-client-os',
  'x-openai-client-arch',
  'x-openai-client-id',
  'x-openai-client-user-agent',
]);

const NATIVE_USER_AGENT_PREFIXES = ['codex_cli_rs', 'codex-tui', 'codex_exec', 'codex_sdk_ts', 'codex_vscode', 'codex desktop', 'codex '];
const NATIVE_ORIGINATORS = new Set(['Codex Desktop', 'codex_atlas', 'codex_chatgpt_desktop', 'codex_cli_rs', 'codex_exec', 'codex_sdk_ts', 'codex_vscode']);
const WEBSOCKET_BETA = 'responses_websockets=2026-02-06';

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function isNativeCodexClient(headers: IncomingHttpHeaders): boolean {
  const userAgent = (first(headers['user-agent']) ?? '').trim().toLowerCase();
  if (NATIVE_USER_AGENT_PREFIXES.some((prefix) => userAgent.startsWith(prefix))) return true;
  const originator = first(headers.originator)?.trim();
  return originator !== undefined && NATIVE_ORIGINATORS.has(originator);
}

/** `chatgpt-account-id` is sent only for real workspace ids. */
function accountHeaderValue(id: string | null): string | undefined {
  if (!id || id.startsWith('email_') || id.startsWith('local_')) return undefined;
  return id;
}

function rewriteTurnMetadata(value: string, installationId: string): string {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'installation_id' in parsed) {
      return JSON.stringify({ ...parsed, installation_id: installationId });
    }
  } catch {
    // not JSON: forwarded as the client sent it
  }
  return value;
}

function mergeBeta(existing: string | undefined): string {
  const tokens = (existing ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '' && t !== 'responses=experimental' && t !== WEBSOCKET_BETA);
  return [...tokens, WEBSOCKET_BETA].join(', ');
}

/**
 * The client headers the upstream (or the replica that owns the session, which builds the upstream
 * request) may see: the allow-list above, minus anything the client listed in `Connection`.
 */
export function forwardableHeaders(inbound: IncomingHttpHeaders): Record<string, string> {
  const connectionListed = new Set(
    (first(inbound.connection) ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(inbound)) {
    const name = rawName.toLowerCase();
    const value = Array.isArray(rawValue) ? rawValue.join(', ') : rawValue;
    if (value === undefined || !forwardable(name) || connectionListed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export function buildUpstreamHeaders(
  inbound: IncomingHttpHeaders,
  identity: UpstreamIdentity,
  ctx: HeaderContext,
): Record<string, string> {
  const native = isNativeCodexClient(inbound);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(forwardableHeaders(inbound))) {
    if (!native && CLIENT_IDENTITY.has(name)) continue;
    out[name] = value;
  }
  if (out['x-request-id'] === undefined && out['request-id'] === undefined) out['x-request-id'] = ctx.requestId;
  if (!native) {
    out['user-agent'] = `codex_cli_rs/${ctx.clientVersion} (Mac OS 26.5.0; arm64) iTerm.app/3.6.10`;
    out.originator = 'codex_cli_rs';
    out.version = ctx.clientVersion;
  }
  out.authorization = identity.authorization;
  const accountId = accountHeaderValue(identity.chatgptAccountId);
  if (accountId !== undefined) out[native ? 'chatgpt-account-id' : 'ChatGPT-Account-Id'] = accountId;
  if (identity.installationId) {
    out['x-codex-installation-id'] = identity.installationId;
    const metadata = out['x-codex-turn-metadata'];
    if (metadata !== undefined) out['x-codex-turn-metadata'] = rewriteTurnMetadata(metadata, identity.installationId);
  }
  if (ctx.transport === 'http') {
    out.accept = 'text/event-stream';
    out['content-type'] = 'application/json';
    if (ctx.responsesLite) out['x-openai-internal-codex-responses-lite'] = 'true';
  } else {
    out['openai-beta'] = mergeBeta(out['openai-beta']);
  }
  return out;
}
