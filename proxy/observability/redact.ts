/**
 * Secret redaction for anything that leaves the process as text (logs, error details). Two nets:
 * values under secret-looking keys are replaced whole, and secret-shaped substrings (bearer
 * credentials, sk-clb- keys, JWTs, refresh tokens) are masked wherever they appear, so a token
 * pasted into an error message is caught too.
 */

export const REDACTED = '[Redacted]';

const SECRET_KEY = /(authorization|cookie|password|passwd|secret|token|api[-_]?key|^key$|credential|signature)/i;

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${REDACTED}`],
  [/\bsk-clb-[A-Za-z0-9_-]+/g, `sk-clb-${REDACTED}`],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\brt_[A-Za-z0-9_.-]{8,}/g, REDACTED],
  [/(postgres(?:ql)?(?:\+\w+)?:\/\/[^:/@\s]+:)[^@\s]+@/gi, `$1${REDACTED}@`],
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

function isSecretField(key: string, value: unknown): boolean {
  return SECRET_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'boolean';
}

/** One named field: masked whole when the name looks secret, else redacted deeply. */
export function redactField(key: string, value: unknown): unknown {
  return isSecretField(key, value) ? REDACTED : redactValue(value);
}

/** A deep copy with secrets masked; cycles and depth are bounded. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 8 || seen.has(value)) return '[Truncated]';
  seen.add(value);
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message), ...(redactValue({ ...value }, depth + 1, seen) as object) };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretField(key, item) ? REDACTED : redactValue(item, depth + 1, seen);
  }
  return out;
}
