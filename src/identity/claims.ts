// Registered-claim checks after the signature: exp / nbf / iat with the issuer's leeway, audience, client.
import type { IssuerConfig } from './config.ts';
import { IdentityError } from './errors.ts';

export function isoSeconds(sec: number): string {
  return new Date(sec * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

function numericDate(p: Record<string, unknown>, claim: string, cfg: IssuerConfig, required: boolean): number | undefined {
  const v = p[claim];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new IdentityError('WRIT_TOKEN_CLAIMS_INVALID', v === undefined ? `token has no "${claim}" claim (required)` : `token "${claim}" is not a NumericDate (seconds since 1970)`, cfg.name);
  }
  return v;
}

/** `now` in seconds. Presets whose issuers always send `iat` require it. */
export function checkTimes(cfg: IssuerConfig, p: Record<string, unknown>, now: number): number {
  const leeway = cfg.leeway_seconds;
  const exp = numericDate(p, 'exp', cfg, true)!;
  const nbf = numericDate(p, 'nbf', cfg, false);
  const iat = numericDate(p, 'iat', cfg, cfg.preset !== 'oidc');
  if (now > exp + leeway) {
    throw new IdentityError('WRIT_TOKEN_EXPIRED', `token expired at ${isoSeconds(exp)} (${Math.round(now - exp)} s ago, beyond the leeway of ${leeway} s): re-authenticate to get a new token`, cfg.name);
  }
  if (nbf !== undefined && nbf > now + leeway) {
    throw new IdentityError('WRIT_TOKEN_NOT_YET_VALID', `token is not valid before ${isoSeconds(nbf)} (nbf is ${Math.round(nbf - now)} s from now, beyond the leeway of ${leeway} s)`, cfg.name);
  }
  if (iat !== undefined && iat > now + leeway) {
    throw new IdentityError(
      'WRIT_TOKEN_CLOCK_SKEW',
      `token was issued at ${isoSeconds(iat)}, ${Math.round(iat - now)} s ahead of this clock: clock skew beyond the leeway of ${leeway} s (check time sync on the issuer side and on writ)`,
      cfg.name,
    );
  }
  if (iat !== undefined && iat > exp) throw new IdentityError('WRIT_TOKEN_LIFETIME', `token was issued (iat ${isoSeconds(iat)}) after it expires (exp ${isoSeconds(exp)})`, cfg.name);
  const start = iat ?? nbf;
  if (start !== undefined && exp - start > cfg.max_lifetime_seconds) {
    throw new IdentityError('WRIT_TOKEN_LIFETIME', `token lives ${Math.round(exp - start)} s (iat/nbf to exp); issuer ${cfg.name} accepts at most ${cfg.max_lifetime_seconds} s (max_lifetime_seconds)`, cfg.name);
  }
  return exp;
}

export function checkAudience(cfg: IssuerConfig, p: Record<string, unknown>): void {
  const aud = p.aud;
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
  if (!list || list.length === 0) throw new IdentityError('WRIT_TOKEN_AUDIENCE', 'token has no "aud" claim; writ accepts only tokens minted for it', cfg.name);
  if (!list.some((a) => cfg.audiences.includes(a))) {
    throw new IdentityError(
      'WRIT_TOKEN_AUDIENCE',
      `token audience ${JSON.stringify(list.length === 1 ? list[0] : list)} is not accepted by issuer ${cfg.name} (audiences: ${cfg.audiences.join(', ')}): it was minted for another service`,
      cfg.name,
    );
  }
}

export function checkClient(cfg: IssuerConfig, clientId: string | undefined, claimNames: string): void {
  if (!cfg.client_ids) return;
  if (clientId === undefined) throw new IdentityError('WRIT_TOKEN_CLIENT_NOT_ALLOWED', `token names no client (${claimNames}); issuer ${cfg.name} allows only clients ${cfg.client_ids.join(', ')}`, cfg.name);
  if (!cfg.client_ids.includes(clientId)) {
    throw new IdentityError('WRIT_TOKEN_CLIENT_NOT_ALLOWED', `token client ${clientId} (${claimNames}) is not allowed by issuer ${cfg.name} (client_ids: ${cfg.client_ids.join(', ')})`, cfg.name);
  }
}
