/** The proxy's own API: the OpenAI-compatible `/v1` routes and the Codex-native `/backend-api/codex` routes. */
export const PROXY_PREFIXES = ['/v1', '/backend-api/codex'];

export function isProxyPath(path: string): boolean {
  return PROXY_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}
