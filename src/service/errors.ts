// The service's error catalogue: stable codes callers match on, each with its HTTP status.
export const errorCatalogue = {
  WRIT_UNAUTHENTICATED: { status: 401, message: 'missing or invalid bearer credential' },
  WRIT_FORBIDDEN: { status: 403, message: 'this caller may not use this endpoint' },
  WRIT_BAD_REQUEST: { status: 400, message: 'malformed request' },
  WRIT_NOT_FOUND: { status: 404, message: 'not found' },
  WRIT_NO_POLICY: { status: 503, message: 'no policy version is active' },
  WRIT_LOG_UNAVAILABLE: { status: 503, message: 'the decision log cannot be written; failing closed' },
  WRIT_EVAL_FAILED: { status: 500, message: 'policy evaluation failed' },
  WRIT_PAYLOAD_TOO_LARGE: { status: 413, message: 'request body too large' },
  WRIT_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'only application/json is accepted' },
  WRIT_BUNDLE_REFUSED: { status: 422, message: 'the bundle was refused' },
  WRIT_TIMEOUT: { status: 408, message: 'request timed out' },
  WRIT_INTERNAL: { status: 500, message: 'internal error' },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export class WritError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, detail?: string) {
    super(detail ?? errorCatalogue[code].message);
    this.code = code;
    this.status = errorCatalogue[code].status;
  }
}
