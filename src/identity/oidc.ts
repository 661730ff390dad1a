// Any OIDC provider: exact issuer, configurable group/role/client claims, RFC 9068 `at+jwt` for access tokens.
import type { IssuerConfig } from './config.ts';
import type { PresetImpl } from './preset.ts';
import { IdentityError } from './errors.ts';
import { optionalString, requireString, stringList, type Principal } from './principal.ts';

/** RFC 9068: JWT access tokens carry `typ: at+jwt` (or `application/at+jwt`); ID tokens do not. */
export function isAtJwt(typ: string | undefined): boolean {
  return !!typ && /^(application\/)?at\+jwt$/i.test(typ);
}

export const oidcPreset: PresetImpl = {
  route(cfg: IssuerConfig, iss: string) {
    return iss === cfg.issuer ? 'mine' : 'other';
  },

  discoveryIssuerOk(cfg: IssuerConfig, iss: string) {
    return iss === cfg.issuer;
  },

  clientId(cfg: IssuerConfig, payload: Record<string, unknown>) {
    for (const c of cfg.client_id_claims) {
      const v = optionalString(payload, c);
      if (v) return v;
    }
    return undefined;
  },

  tokenType(cfg: IssuerConfig, jws) {
    const at = isAtJwt(jws.typ);
    if (cfg.token_use === 'access' && !at) {
      return new IdentityError('WRIT_TOKEN_WRONG_TYPE', `token header typ is ${JSON.stringify(jws.typ ?? null)}, not "at+jwt": issuer ${cfg.name} requires an access token (RFC 9068), and this looks like an ID token`, cfg.name);
    }
    if (cfg.token_use === 'id' && at) return new IdentityError('WRIT_TOKEN_WRONG_TYPE', `token is an access token (typ at+jwt) but issuer ${cfg.name} requires an ID token`, cfg.name);
    return undefined;
  },

  principal(cfg: IssuerConfig, p: Record<string, unknown>): Principal {
    const sub = requireString(p, 'sub', cfg.name);
    return {
      id: `${cfg.name}:${sub}`,
      type: cfg.principal_type,
      issuer: requireString(p, 'iss', cfg.name),
      subject: sub,
      client_id: oidcPreset.clientId(cfg, p) ?? null,
      tenant: optionalString(p, 'tid') ?? null,
      groups: stringList(p, cfg.groups_claim, cfg.name),
      roles: stringList(p, cfg.roles_claim, cfg.name),
      claims: p,
    };
  },
};
