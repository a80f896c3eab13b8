/**
 * Who may open a dashboard session, and whether an open one still holds (pure; proxy/dashboard/README.md has the
 * reasoning). `CODEX_LB_DASHBOARD_AUTH_MODE`:
 * - `standard`: with a password set, the password. Before one is set, a caller on this machine (loopback peer
 *   *and* a local Host name, so a DNS-rebound page does not count) gets a session without credentials, as
 *   `kubectl port-forward` users do; a remote caller must first set the password with the bootstrap token.
 * - `trusted_header`: the user a trusted reverse proxy names in the configured header.
 * - `disabled`: anyone who reaches the port.
 */
import type { SessionMethod } from './sessions.ts';

export const AUTH_MODES = ['standard', 'trusted_header', 'disabled'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface RequestFacts {
  /** Loopback client and a local Host, no forwarding headers (proxy/http/client-ip.ts isLocalRequest). */
  readonly local: boolean;
  /** The trusted proxy's user header, only when the socket peer is a trusted proxy. */
  readonly trustedUser: string | undefined;
}

export type Entry =
  /** A session may be opened without credentials. */
  | { readonly kind: 'open'; readonly method: SessionMethod; readonly subject: string }
  /** Log in with the password. */
  | { readonly kind: 'password' }
  /** No password yet and the caller is remote: set one with the bootstrap token. */
  | { readonly kind: 'bootstrap' }
  /** trusted_header mode without the header from a trusted proxy. */
  | { readonly kind: 'proxy_auth' };

export function entryFor(mode: AuthMode, passwordSet: boolean, facts: RequestFacts): Entry {
  if (mode === 'disabled') return { kind: 'open', method: 'disabled', subject: 'anonymous' };
  if (mode === 'trusted_header') {
    return facts.trustedUser === undefined ? { kind: 'proxy_auth' } : { kind: 'open', method: 'trusted_header', subject: facts.trustedUser };
  }
  if (passwordSet) return { kind: 'password' };
  return facts.local ? { kind: 'open', method: 'local', subject: 'local' } : { kind: 'bootstrap' };
}

/**
 * An open session counts only while the way it was opened still applies to this request: a trusted-header
 * session needs the same user from the trusted proxy, a local one a local caller and still no password.
 * (A password change ends sessions through their generation, sessions.ts.)
 */
export function sessionHolds(method: SessionMethod, subject: string, mode: AuthMode, passwordSet: boolean, facts: RequestFacts): boolean {
  switch (method) {
    case 'password':
      return mode === 'standard' && passwordSet;
    case 'local':
      return mode === 'standard' && !passwordSet && facts.local;
    case 'trusted_header':
      return mode === 'trusted_header' && facts.trustedUser === subject;
    case 'disabled':
      return mode === 'disabled';
  }
}
