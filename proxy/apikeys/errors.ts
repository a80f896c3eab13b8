/**
 * Why a request's API key was refused. Fields map 1:1 onto the OpenAI error envelope of
 * reference/proxy-contract.md §13: `{"error": {"message", "type", "code"}}` with HTTP `status`.
 */

export type ApiKeyErrorCode = 'invalid_api_key' | 'model_not_allowed' | 'rate_limit_exceeded';

const TYPES: Record<ApiKeyErrorCode, { status: number; type: string }> = {
  invalid_api_key: { status: 401, type: 'authentication_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
};

export class ApiKeyError extends Error {
  override readonly name = 'ApiKeyError';
  readonly code: ApiKeyErrorCode;
  readonly status: number;
  readonly type: string;

  constructor(code: ApiKeyErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = TYPES[code].status;
    this.type = TYPES[code].type;
  }

  /** The §13 body. */
  toJSON(): { error: { message: string; type: string; code: string } } {
    return { error: { message: this.message, type: this.type, code: this.code } };
  }
}
