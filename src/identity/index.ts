// The identity API the decision service and the CLI use.
//
// Service integration (src/service/ owns the wiring):
//  1. config: in validateConfig, accept the `identity` key and set `identity: validateIdentityConfig(root.identity)`
//     (errors are ConfigError, `writ.yaml: identity.issuers[0].audiences: ...`; undefined -> no issuers, every token refused).
//  2. build(opts): `const verifier = new TokenVerifier(config.identity)` once per app (it owns the JWKS caches).
//  3. per decision carrying the end client's token (forwarded by the enforcer):
//     `const r = await principalFromToken(token, verifier, { now: clock() })`;
//     r.ok -> input.principal = r.principal, the session keeps r.expires_at;
//     !r.ok -> a denied decision, logged, with reason `${r.error.code}: ${r.error.message}`.
//  4. later commands of a session: `sessionExpired(expires_at, clock())` -> deny with its re-authenticate message.
export { validateIdentityConfig, type IdentityConfig, type IssuerConfig, type PrincipalType } from './config.ts';
export { IdentityError, identityErrors, type IdentityErrorCode } from './errors.ts';
export { TokenVerifier, verifierFor, verifyToken, principalFromToken, type VerifiedToken, type VerifyOptions, type PrincipalResult } from './verify.ts';
export { sessionExpired } from './session.ts';
export type { Principal } from './principal.ts';
export { parseGithubSubject } from './github.ts';
