// Token verification errors: a catalogue of stable codes callers match on; the message says exactly what was wrong.
export const identityErrors = {
  WRIT_TOKEN_MALFORMED: 'the token is not a well-formed signed JWT',
  WRIT_TOKEN_TOO_LARGE: 'the token (or its header) is larger than writ accepts',
  WRIT_TOKEN_ALG_NONE: 'unsigned tokens (alg "none") are never accepted',
  WRIT_TOKEN_ALG_SYMMETRIC: 'HMAC (HS*) tokens are never accepted from asymmetric issuers',
  WRIT_TOKEN_ALG_NOT_ALLOWED: "the token's algorithm is not in the issuer's allow-list",
  WRIT_TOKEN_ISSUER_UNKNOWN: 'the token was issued by an issuer writ is not configured to trust',
  WRIT_TOKEN_ENTRA_VERSION: 'the Entra ID token version (v1.0 / v2.0) is not accepted for this issuer',
  WRIT_TOKEN_TENANT_NOT_ALLOWED: "the token's tenant is not an allowed tenant",
  WRIT_TOKEN_KID_MISSING: 'the token names no key (kid) and the issuer has several',
  WRIT_TOKEN_UNKNOWN_KID: "the token's key id is not in the issuer's key set",
  WRIT_TOKEN_KEY_RETIRED: "the token's key was removed from the issuer's key set (key rotation)",
  WRIT_TOKEN_BAD_SIGNATURE: 'the token signature does not verify',
  WRIT_TOKEN_WRONG_TYPE: 'the token is not the kind of token this issuer requires (access vs ID token)',
  WRIT_TOKEN_EXPIRED: 'the token has expired; re-authenticate',
  WRIT_TOKEN_NOT_YET_VALID: 'the token is not valid yet (nbf)',
  WRIT_TOKEN_CLOCK_SKEW: "the token's issue time is ahead of this clock by more than the leeway",
  WRIT_TOKEN_LIFETIME: "the token's lifetime (exp - iat) is not plausible",
  WRIT_TOKEN_AUDIENCE: 'the token is for another audience',
  WRIT_TOKEN_CLIENT_NOT_ALLOWED: "the token's client (azp / appid / client_id) is not allowed",
  WRIT_TOKEN_CLAIMS_INVALID: 'a required claim is missing, mistyped or inconsistent',
  WRIT_TOKEN_REQUIRED: "no end-client token was forwarded and the service requires one (identity.require_client_token)",
  WRIT_JWKS_UNAVAILABLE: "the issuer's key set cannot be fetched and no fresh cached copy exists; failing closed",
  WRIT_JWKS_INVALID: "the issuer's discovery document or key set is not valid",
} as const;

export type IdentityErrorCode = keyof typeof identityErrors;

export class IdentityError extends Error {
  readonly code: IdentityErrorCode;
  /** Name of the configured issuer the token was routed to, when known. */
  readonly issuer?: string;
  constructor(code: IdentityErrorCode, detail?: string, issuer?: string) {
    super(detail ?? identityErrors[code]);
    this.name = 'IdentityError';
    this.code = code;
    this.issuer = issuer;
  }

  toJSON(): { code: IdentityErrorCode; message: string; issuer?: string } {
    return { code: this.code, message: this.message, ...(this.issuer ? { issuer: this.issuer } : {}) };
  }
}
