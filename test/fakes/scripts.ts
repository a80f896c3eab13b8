/**
 * Scripted behaviour: what the next request(s) for an account get instead of the default answer.
 * A script is a `Step` queued for one account (or for `ANY_ACCOUNT`) on one endpoint; each matching
 * request consumes one use. Account-specific queues are consulted before the `ANY_ACCOUNT` queue,
 * so "the next request, whoever serves it" and "this account only" can be mixed.
 */
import type { RefreshErrorCode, ServerErrorStatus } from './upstream-errors.ts';

/** Target for steps that apply to whichever account serves the next matching request. */
export const ANY_ACCOUNT = '*';

/**
 * Where a step applies. `responses` covers both transports (HTTP SSE and each WebSocket
 * `response.create`); `websocket` is the upgrade handshake itself.
 */
export type Endpoint = 'responses' | 'websocket' | 'usage' | 'models' | 'refresh';
const ENDPOINTS: readonly Endpoint[] = ['responses', 'websocket', 'usage', 'models', 'refresh'];

export type Step =
  /** 429 subscription exhaustion. Only the reset fields given are sent; with neither, both are sent for a reset 1 h away. */
  | { kind: 'usage_limit_reached'; resetsAt?: number; resetsInSeconds?: number }
  /** 429 with a "Please try again in <tryAgainIn>." hint. @default tryAgainIn '20s' */
  | { kind: 'rate_limit_exceeded'; tryAgainIn?: string }
  /** 429 `insufficient_quota`. */
  | { kind: 'insufficient_quota' }
  /** 401 and every access token of the account is revoked, so only a refresh recovers. @default code 'token_invalidated' */
  | { kind: 'unauthorized'; code?: 'token_invalidated' | 'token_expired' }
  /** 5xx: 500 and 503 carry JSON error objects, 502 and 504 an edge HTML page. @default status 500 */
  | { kind: 'server_error'; status?: ServerErrorStatus }
  /** Any status and body, e.g. 426 on the WebSocket handshake or 402 on `/wham/usage`. */
  | { kind: 'http_error'; status: number; body?: unknown }
  /** Send nothing for `ms` (forever when omitted), then answer normally. `afterHeaders`: SSE only, commit 200 + headers first. */
  | { kind: 'stall'; ms?: number; afterHeaders?: boolean }
  /** Deliver `afterEvents` stream events, then destroy the connection: no terminal event. */
  | { kind: 'disconnect'; afterEvents: number }
  /** Wait `delayMs` before every event after the first. */
  | { kind: 'slow'; delayMs: number }
  /** Deliver `afterEvents` events, then `response.failed`. @default afterEvents 2, code 'server_error' */
  | { kind: 'response_failed'; afterEvents?: number; code?: string; message?: string }
  /** End with `response.incomplete` instead of `response.completed`. @default reason 'max_output_tokens' */
  | { kind: 'incomplete'; reason?: string }
  /** Answer with a function call. @default the first function tool of the request, arguments '{}' */
  | { kind: 'tool_call'; name?: string; arguments?: string }
  /** Answer with exactly this assistant text instead of the echo. */
  | { kind: 'text'; text: string }
  /** `/oauth/token` failure (§5.3). `status` overrides the code's usual status. */
  | { kind: 'refresh_error'; code: RefreshErrorCode; status?: number };

export type StepKind = Step['kind'];

export interface ScriptOptions {
  /** How many matching requests consume the step. @default 1 */
  times?: number;
  /** Never used up; stays until `clearScripts()`/`reset()`. Wins over `times`. @default false */
  sticky?: boolean;
  /** @default 'refresh' for refresh_error, else 'responses' */
  endpoint?: Endpoint;
}

const STREAM_ONLY: readonly StepKind[] = ['disconnect', 'slow', 'response_failed', 'incomplete', 'tool_call', 'text'];
const BACKEND_ERRORS: readonly StepKind[] = ['usage_limit_reached', 'rate_limit_exceeded', 'insufficient_quota', 'unauthorized'];

/** Which endpoints a step kind makes sense on; anything else is a test-authoring mistake. */
function allowedEndpoints(kind: StepKind): readonly Endpoint[] {
  if (kind === 'refresh_error') return ['refresh'];
  if (STREAM_ONLY.includes(kind)) return ['responses'];
  if (BACKEND_ERRORS.includes(kind)) return ['responses', 'websocket', 'usage', 'models'];
  return ENDPOINTS; // server_error, http_error, stall
}

export interface PendingScript {
  target: string;
  endpoint: Endpoint;
  step: Step;
  /** Uses left; null when sticky. */
  remaining: number | null;
}

export class ScriptBook {
  readonly #queues = new Map<string, PendingScript[]>();

  /** Queues `step`; throws on a step that cannot apply to the endpoint or a bad `times`. */
  add(target: string, step: Step, options: ScriptOptions = {}): void {
    const endpoint = options.endpoint ?? (step.kind === 'refresh_error' ? 'refresh' : 'responses');
    if (!ENDPOINTS.includes(endpoint)) throw new Error(`unknown endpoint '${String(endpoint)}'`);
    if (!allowedEndpoints(step.kind).includes(endpoint)) {
      throw new Error(`step '${step.kind}' cannot apply to the '${endpoint}' endpoint (allowed: ${allowedEndpoints(step.kind).join(', ')})`);
    }
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
    const key = queueKey(target, endpoint);
    const queue = this.#queues.get(key) ?? [];
    queue.push({ target, endpoint, step, remaining: options.sticky ? null : times });
    this.#queues.set(key, queue);
  }

  /** Consumes the next step for a request served by `accountId` (undefined when unauthenticated). */
  take(accountId: string | undefined, endpoint: Endpoint): Step | undefined {
    for (const target of accountId === undefined ? [ANY_ACCOUNT] : [accountId, ANY_ACCOUNT]) {
      const queue = this.#queues.get(queueKey(target, endpoint));
      const head = queue?.[0];
      if (!queue || !head) continue;
      if (head.remaining !== null) {
        head.remaining -= 1;
        if (head.remaining === 0) queue.shift();
      }
      return head.step;
    }
    return undefined;
  }

  pending(): PendingScript[] {
    return [...this.#queues.values()].flat().map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.#queues.clear();
  }
}

function queueKey(target: string, endpoint: Endpoint): string {
  return `${endpoint}\u0000${target}`;
}

const STEP_KINDS: readonly StepKind[] = [
  'usage_limit_reached', 'rate_limit_exceeded', 'insufficient_quota', 'unauthorized', 'server_error', 'http_error',
  'stall', 'disconnect', 'slow', 'response_failed', 'incomplete', 'tool_call', 'text', 'refresh_error',
];

/**
 * Checks a step that arrived as JSON (control API). Only the discriminant and the required fields
 * are checked; optional fields are taken as given.
 */
export function parseStep(value: unknown): Step {
  if (typeof value !== 'object' || value === null) throw new Error('step must be an object with a "kind"');
  const step = value as { kind?: unknown } & Record<string, unknown>;
  if (!STEP_KINDS.includes(step.kind as StepKind)) throw new Error(`unknown step kind '${String(step.kind)}' (known: ${STEP_KINDS.join(', ')})`);
  const requireNumber = (field: string): void => {
    if (typeof step[field] !== 'number') throw new Error(`step '${String(step.kind)}' needs a numeric '${field}'`);
  };
  if (step.kind === 'http_error') requireNumber('status');
  if (step.kind === 'disconnect') requireNumber('afterEvents');
  if (step.kind === 'slow') requireNumber('delayMs');
  if (step.kind === 'text' && typeof step.text !== 'string') throw new Error("step 'text' needs a string 'text'");
  if (step.kind === 'refresh_error' && typeof step.code !== 'string') throw new Error("step 'refresh_error' needs a 'code'");
  return step as Step;
}
