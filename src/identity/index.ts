// The identity API the decision service and the CLI use.
export { validateIdentityConfig, type IdentityConfig, type IssuerConfig, type PrincipalType } from './config.ts';
export { IdentityError, identityErrors, type IdentityErrorCode } from './errors.ts';
export { TokenVerifier, verifierFor, verifyToken, principalFromToken, type VerifiedToken, type VerifyOptions, type PrincipalResult } from './verify.ts';
export { sessionExpired } from './session.ts';
export type { Principal } from './principal.ts';
export { parseGithubSubject } from './github.ts';
