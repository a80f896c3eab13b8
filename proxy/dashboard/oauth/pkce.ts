/**
 * The pure parts of the ChatGPT login (reference/proxy-contract.md §6.1): PKCE verifier and S256 challenge,
 * random flow tokens, the authorize URL, and reading the callback's query.
 */
import { createHash, randomBytes } from 'node:crypto';
import { OAUTH_CLIENT_ID, OAUTH_SCOPE } from '../../accounts/token-endpoint.ts';

/** The originator the Codex desktop login sends (upstream's `OAUTH_ORIGINATOR`). */
export const OAUTH_ORIGINATOR = 'codex_chatgpt_desktop';
export const CALLBACK_PATH = '/auth/callback';
/** The port OpenAI registered for the Codex client's redirect URI (`http://localhost:1455/auth/callback`). */
export const DEFAULT_CALLBACK_PORT = 1455;

/** `bytes` random bytes as base64url (upstream's `secrets.token_urlsafe`). */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function redirectUriFor(port: number): string {
  return `http://localhost:${port}${CALLBACK_PATH}`;
}

/** The authorize URL with upstream's parameters, in upstream's order. */
export function authorizeUrl(base: string, params: { challenge: string; state: string; redirectUri: string }): string {
  const query = [
    ['response_type', 'code'],
    ['client_id', OAUTH_CLIENT_ID],
    ['redirect_uri', params.redirectUri],
    ['scope', `${OAUTH_SCOPE} offline_access`],
    ['code_challenge', params.challenge],
    ['code_challenge_method', 'S256'],
    ['state', params.state],
    ['id_token_add_organizations', 'true'],
    ['codex_cli_simplified_flow', 'true'],
    ['originator', OAUTH_ORIGINATOR],
  ]
    .map(([key, value]) => `${key}=${encodeURIComponent(value ?? '')}`)
    .join('&');
  return `${base}?${query}`;
}

export type CallbackQuery =
  | { readonly kind: 'code'; readonly code: string; readonly state: string }
  | { readonly kind: 'error'; readonly state: string | undefined; readonly error: string; readonly description: string | undefined }
  | { readonly kind: 'invalid' };

/** What the authorization server put on the redirect (`?code&state` or `?error&error_description&state`). */
export function readCallback(query: URLSearchParams): CallbackQuery {
  const state = query.get('state') ?? undefined;
  const error = query.get('error');
  if (error) return { kind: 'error', state, error, description: query.get('error_description') ?? undefined };
  const code = query.get('code');
  if (!code || !state) return { kind: 'invalid' };
  return { kind: 'code', code, state };
}

/** A pasted redirect URL (the manual fallback when the browser could not reach the callback port). */
export function readPastedCallback(pasted: string): CallbackQuery {
  try {
    return readCallback(new URL(pasted.trim()).searchParams);
  } catch {
    return { kind: 'invalid' };
  }
}
