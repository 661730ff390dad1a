// verifyToken: route a token to its configured issuer, verify its signature with jose, check its claims, build the principal.
import { compactVerify, errors as joseErrors } from 'jose';
import type { IdentityConfig, IssuerConfig } from './config.ts';
import { parseCompact } from './compact.ts';
import { IdentityError, type IdentityErrorCode } from './errors.ts';
import { JwksCache } from './jwks.ts';
import { presetImpls } from './preset.ts';
import { checkAudience, checkClient, checkTimes, isoSeconds } from './claims.ts';
import type { Principal } from './principal.ts';

export interface VerifyOptions {
  /** The verifier's clock (tests, `writ token inspect --now`); defaults to the system clock. */
  now?: Date | number;
}

export interface VerifiedToken {
  principal: Principal;
  /** The token's `exp` as an RFC 3339 time: a session opened with this token ends there. */
  expires_at: string;
  /** Name of the configured issuer that accepted it. */
  issuer: string;
  header: { alg: string; kid?: string; typ?: string };
}

export type PrincipalResult =
  | { ok: true; principal: Principal; expires_at: string; issuer: string }
  | { ok: false; error: { code: IdentityErrorCode; message: string; issuer?: string } };

const clientClaimNames: Record<IssuerConfig['preset'], (cfg: IssuerConfig) => string> = {
  entra_id: () => 'appid for v1.0, azp for v2.0',
  github_actions: () => 'none',
  oidc: (cfg) => cfg.client_id_claims.join(' / '),
};

/** Holds the JWKS caches of one identity configuration; create one per configuration and keep it. */
export class TokenVerifier {
  private readonly caches = new Map<string, JwksCache>();

  constructor(readonly config: IdentityConfig) {
    for (const cfg of config.issuers) {
      this.caches.set(
        cfg.name,
        new JwksCache(
          { issuerName: cfg.name, jwks_url: cfg.jwks_url, discovery_url: cfg.discovery_url, discoveryIssuerOk: (iss) => presetImpls[cfg.preset].discoveryIssuerOk(cfg, iss) },
          { ttlMs: config.jwks.cache_seconds * 1000, minRefreshMs: config.jwks.min_refresh_seconds * 1000, timeoutMs: config.jwks.timeout_ms },
        ),
      );
    }
  }

  cache(issuerName: string): JwksCache | undefined {
    return this.caches.get(issuerName);
  }

  /** The configured issuer owning `iss` (unverified at this point: the signature is checked against its keys next). */
  private route(iss: string): IssuerConfig {
    let refusal: IdentityError | undefined;
    for (const cfg of this.config.issuers) {
      const r = presetImpls[cfg.preset].route(cfg, iss);
      if (r === 'mine') return cfg;
      if (r !== 'other') refusal ??= r;
    }
    if (refusal) throw refusal;
    const names = this.config.issuers.map((c) => `${c.name} (${c.issuer ?? c.preset})`);
    throw new IdentityError(
      'WRIT_TOKEN_ISSUER_UNKNOWN',
      names.length ? `token issuer ${JSON.stringify(iss)} is not a trusted issuer (configured: ${names.join(', ')})` : `token issuer ${JSON.stringify(iss)} is not trusted: no issuers are configured (identity.issuers in writ.yaml)`,
    );
  }

  async verify(token: string, opts: VerifyOptions = {}): Promise<VerifiedToken> {
    const nowMs = opts.now === undefined ? Date.now() : typeof opts.now === 'number' ? opts.now : opts.now.getTime();
    const jws = parseCompact(token);
    const iss = jws.payload.iss;
    if (typeof iss !== 'string' || iss === '') throw new IdentityError('WRIT_TOKEN_CLAIMS_INVALID', 'token has no string "iss" claim');
    const cfg = this.route(iss);
    const preset = presetImpls[cfg.preset];
    if (!cfg.algorithms.includes(jws.alg)) {
      throw new IdentityError('WRIT_TOKEN_ALG_NOT_ALLOWED', `token algorithm ${jws.alg} is not allowed for issuer ${cfg.name} (algorithms: ${cfg.algorithms.join(', ')})`, cfg.name);
    }
    const key = await this.caches.get(cfg.name)!.key(jws.kid, jws.alg, nowMs);
    try {
      await compactVerify(jws.compact, key, { algorithms: [jws.alg] });
    } catch (e) {
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
        throw new IdentityError('WRIT_TOKEN_BAD_SIGNATURE', `token signature does not verify with key "${jws.kid ?? '(no kid)'}" of issuer ${cfg.name} (forged, altered or truncated token)`, cfg.name);
      }
      throw new IdentityError('WRIT_TOKEN_MALFORMED', `token refused by the JWS verifier: ${(e as Error).message}`, cfg.name);
    }
    const wrongType = preset.tokenType(cfg, jws);
    if (wrongType) throw wrongType;
    const exp = checkTimes(cfg, jws.payload, nowMs / 1000);
    checkAudience(cfg, jws.payload);
    checkClient(cfg, preset.clientId(cfg, jws.payload), clientClaimNames[cfg.preset](cfg));
    const principal = preset.principal(cfg, jws.payload);
    return {
      principal,
      expires_at: isoSeconds(exp),
      issuer: cfg.name,
      header: { alg: jws.alg, ...(jws.kid !== undefined ? { kid: jws.kid } : {}), ...(jws.typ !== undefined ? { typ: jws.typ } : {}) },
    };
  }
}

const verifiers = new WeakMap<IdentityConfig, TokenVerifier>();

/** The verifier (and so the JWKS caches) for a configuration object; the same object gets the same caches. */
export function verifierFor(config: IdentityConfig | TokenVerifier): TokenVerifier {
  if (config instanceof TokenVerifier) return config;
  let v = verifiers.get(config);
  if (!v) {
    v = new TokenVerifier(config);
    verifiers.set(config, v);
  }
  return v;
}

/** Verify a compact JWT; throws IdentityError (with a stable `code`) saying exactly why a token is refused. */
export function verifyToken(jwt: string, config: IdentityConfig | TokenVerifier, opts: VerifyOptions = {}): Promise<VerifiedToken> {
  return verifierFor(config).verify(jwt, opts);
}

/** For the decision service: the principal, or the refusal as data (to log as a denied decision). Bugs still throw. */
export async function principalFromToken(jwt: string, config: IdentityConfig | TokenVerifier, opts: VerifyOptions = {}): Promise<PrincipalResult> {
  try {
    const v = await verifyToken(jwt, config, opts);
    return { ok: true, principal: v.principal, expires_at: v.expires_at, issuer: v.issuer };
  } catch (e) {
    if (e instanceof IdentityError) return { ok: false, error: e.toJSON() };
    throw e;
  }
}
