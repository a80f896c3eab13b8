/**
 * The one error type admin operations on stored records throw (`/internal/admin/*`). The HTTP layer turns it into
 * the dashboard envelope `{"error": {"code", "message"}}` with `status`. Messages never contain secrets.
 */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  readonly status: number;
  readonly code: string;
  /** Sent as `Retry-After` (e.g. a throttled login). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, message: string, retryAfterSeconds?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  static notFound(what: string, id: string): AdminError {
    return new AdminError(404, 'not_found', `${what} ${JSON.stringify(id)} not found`);
  }

  static validation(message: string): AdminError {
    return new AdminError(422, 'validation_error', message);
  }
}
