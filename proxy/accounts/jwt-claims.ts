/**
 * Identity claims from the `id_token` the Codex CLI stores (reference/proxy-contract.md §4.4).
 *
 * The payload is decoded, not verified. The token reaches us either from its owner (an auth.json an admin imports)
 * or straight from the OAuth server over TLS in a refresh response; the proxy never accepts it as proof of
 * anyone's identity, it only reads labels (email, plan, workspace) for display and routing. Verifying would need
 * OpenAI's signing keys at runtime for no gain: upstream rejects a bad token the first time it is used.
 */

const AUTH_NAMESPACE = 'https://api.openai.com/auth';

export interface IdentityClaims {
  readonly email: string | null;
  readonly subject: string | null;
  readonly chatgptAccountId: string | null;
  readonly chatgptUserId: string | null;
  /** Lower-cased plan, e.g. plus, pro, team; null when absent. */
  readonly planType: string | null;
  readonly workspaceId: string | null;
  readonly workspaceLabel: string | null;
  /** Lower-cased, `-` → `_`. */
  readonly seatType: string | null;
  /** Expiry, epoch seconds. */
  readonly expiresAt: number | null;
}

export class InvalidJwtError extends Error {
  override readonly name = 'InvalidJwtError';
}

/** The JSON payload of a compact JWS. Errors describe the shape, never the token. */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') {
    throw new InvalidJwtError('not a JWT (expected three dot-separated parts)');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new InvalidJwtError('JWT payload is not base64url-encoded JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidJwtError('JWT payload is not a JSON object');
  }
  return payload as Record<string, unknown>;
}

export function identityClaims(payload: Record<string, unknown>): IdentityClaims {
  const auth = asObject(payload[AUTH_NAMESPACE]);
  const seat = firstString(auth, ['seat_type', 'chatgpt_seat_type', 'entitlement_type']);
  const plan = firstString(auth, ['chatgpt_plan_type']) ?? firstString(payload, ['chatgpt_plan_type']);
  return {
    email: firstString(payload, ['email']),
    subject: firstString(payload, ['sub']),
    chatgptAccountId: firstString(auth, ['chatgpt_account_id']) ?? firstString(payload, ['chatgpt_account_id']),
    chatgptUserId:
      firstString(auth, ['chatgpt_user_id', 'user_id', 'chatgpt_account_user_id']) ??
      firstString(payload, ['chatgpt_user_id', 'sub']),
    planType: plan?.toLowerCase() ?? null,
    workspaceId: firstString(auth, ['workspace_id', 'chatgpt_workspace_id', 'organization_id', 'org_id', 'tenant_id']),
    workspaceLabel: firstString(auth, ['workspace_label', 'workspace_name', 'organization_name', 'org_name', 'tenant_name']),
    seatType: seat?.toLowerCase().replaceAll('-', '_') ?? null,
    expiresAt: typeof payload.exp === 'number' ? payload.exp : null,
  };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function firstString(source: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return null;
}
