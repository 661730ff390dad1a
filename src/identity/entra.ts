// Entra ID (Azure AD) v1.0 and v2.0 tokens: tenants, versions, and service principal / managed identity / user.
import type { IssuerConfig } from './config.ts';
import type { PresetImpl } from './preset.ts';
import { IdentityError } from './errors.ts';
import { optionalString, requireString, stringList, type Principal } from './principal.ts';

const v1Issuer = /^https:\/\/sts\.windows\.net\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/$/;
const v2Issuer = /^https:\/\/login\.microsoftonline\.com\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/v2\.0$/;

export function entraIssuerParts(iss: string): { version: 'v1' | 'v2'; tenant: string } | undefined {
  const m1 = v1Issuer.exec(iss);
  if (m1) return { version: 'v1', tenant: m1[1] };
  const m2 = v2Issuer.exec(iss);
  if (m2) return { version: 'v2', tenant: m2[1] };
  return undefined;
}

const versionText = { v1: 'v1.0', v2: 'v2.0' } as const;

/** v1 tokens name their client in `appid`, v2 in `azp`. */
function clientClaim(payload: Record<string, unknown>): 'appid' | 'azp' {
  const iss = typeof payload.iss === 'string' ? entraIssuerParts(payload.iss) : undefined;
  return iss?.version === 'v1' ? 'appid' : 'azp';
}

/** App-only tokens: `idtyp: app` (the optional claim), else Microsoft's fallback: no `scp` and `sub` equal to `oid`. */
function appOnly(p: Record<string, unknown>): boolean {
  if (p.idtyp === 'app') return true;
  if (p.idtyp === 'user') return false;
  return p.scp === undefined && typeof p.oid === 'string' && p.sub === p.oid;
}

export const entraPreset: PresetImpl = {
  route(cfg: IssuerConfig, iss: string) {
    const parts = entraIssuerParts(iss);
    if (!parts) return 'other';
    const e = cfg.entra!;
    if (!e.versions.includes(parts.version)) {
      const want = e.versions.map((v) => versionText[v]).join(' and ');
      return new IdentityError(
        'WRIT_TOKEN_ENTRA_VERSION',
        `token is an Entra ID ${versionText[parts.version]} token (iss ${iss}) but issuer ${cfg.name} accepts only ${want} tokens` +
          (parts.version === 'v1' ? ' (set "accessTokenAcceptedVersion": 2 in the API app manifest, or add v1 to versions)' : ' (add v2 to versions)'),
        cfg.name,
      );
    }
    if (!e.tenants.includes(parts.tenant)) {
      return new IdentityError('WRIT_TOKEN_TENANT_NOT_ALLOWED', `token is from Entra tenant ${parts.tenant}, which issuer ${cfg.name} does not allow (tenants: ${e.tenants.join(', ')})`, cfg.name);
    }
    return 'mine';
  },

  discoveryIssuerOk(cfg: IssuerConfig, iss: string) {
    // The multi-tenant documents (common, organizations) publish a {tenantid} template.
    if (iss === 'https://login.microsoftonline.com/{tenantid}/v2.0' || iss === 'https://sts.windows.net/{tenantid}/') return true;
    const parts = entraIssuerParts(iss);
    return !!parts && cfg.entra!.tenants.includes(parts.tenant);
  },

  clientId(_cfg: IssuerConfig, payload: Record<string, unknown>) {
    return optionalString(payload, clientClaim(payload));
  },

  tokenType(cfg: IssuerConfig, jws) {
    if (cfg.token_use === 'any') return undefined;
    const p = jws.payload;
    const claim = clientClaim(p);
    // Entra ID tokens carry no azp/appid and often a nonce or hashes; access tokens always name their client.
    const idMarks = ['nonce', 'at_hash', 'c_hash'].filter((c) => p[c] !== undefined);
    const isId = idMarks.length > 0 || p[claim] === undefined;
    if (cfg.token_use === 'access' && isId) {
      const why = idMarks.length ? `it has ${idMarks.join(', ')}` : `it has no "${claim}" claim`;
      return new IdentityError('WRIT_TOKEN_WRONG_TYPE', `token is an ID token (${why}) but issuer ${cfg.name} requires an access token: request a token for the API (scope or resource), not a sign-in ID token`, cfg.name);
    }
    if (cfg.token_use === 'id' && !isId) return new IdentityError('WRIT_TOKEN_WRONG_TYPE', `token is an access token (it has "${claim}") but issuer ${cfg.name} requires an ID token`, cfg.name);
    return undefined;
  },

  principal(cfg: IssuerConfig, p: Record<string, unknown>): Principal {
    const iss = requireString(p, 'iss', cfg.name);
    const parts = entraIssuerParts(iss)!;
    const tid = requireString(p, 'tid', cfg.name).toLowerCase();
    if (tid !== parts.tenant) throw new IdentityError('WRIT_TOKEN_CLAIMS_INVALID', `token "tid" ${tid} does not match the tenant of its issuer ${iss}`, cfg.name);
    const ver = p.ver;
    if (ver !== undefined && ver !== versionText[parts.version].slice(1)) {
      throw new IdentityError('WRIT_TOKEN_CLAIMS_INVALID', `token "ver" ${JSON.stringify(ver)} does not match its ${versionText[parts.version]} issuer ${iss}`, cfg.name);
    }
    const oid = requireString(p, 'oid', cfg.name).toLowerCase();
    const sub = requireString(p, 'sub', cfg.name);
    const e = cfg.entra!;
    let type: Principal['type'] = 'user';
    if (e.managed_identity_object_ids.includes(oid)) type = 'managed_identity';
    else if (e.service_principal_object_ids.includes(oid)) type = 'service_principal';
    else if (appOnly(p)) type = typeof p.xms_mirid === 'string' ? 'managed_identity' : 'service_principal';
    return {
      id: `entra:${tid}:${oid}`,
      type,
      issuer: iss,
      subject: sub,
      client_id: optionalString(p, clientClaim(p)) ?? null,
      tenant: tid,
      groups: stringList(p, cfg.groups_claim, cfg.name),
      roles: stringList(p, 'roles', cfg.name),
      claims: p,
    };
  },
};
