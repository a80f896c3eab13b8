/**
 * Upstream URLs (reference/proxy-contract.md §2.1). The base is `CODEX_LB_UPSTREAM_BASE_URL`
 * (default `https://chatgpt.com/backend-api`); paths are relative to it.
 */

export interface UpstreamTarget {
  /** scheme://host[:port] — what the connection pool is keyed by. */
  origin: string;
  /** The base path without a trailing slash, e.g. `/backend-api`. */
  basePath: string;
}

export function upstreamTarget(baseUrl: string): UpstreamTarget {
  const url = new URL(baseUrl);
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

export function responsesPath(target: UpstreamTarget): string {
  return `${target.basePath}/codex/responses`;
}

export function modelsPath(target: UpstreamTarget, clientVersion: string): string {
  return `${target.basePath}/codex/models?client_version=${encodeURIComponent(clientVersion)}`;
}

/** `wss://…/codex/responses` for the WebSocket transport (https → wss). */
export function responsesWebSocketUrl(target: UpstreamTarget): string {
  const origin = target.origin.replace(/^http/, 'ws');
  return `${origin}${responsesPath(target)}`;
}
