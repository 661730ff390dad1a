// The `identity:` section of writ.yaml: trusted token issuers, validated once with defaults filled once.
import { ConfigError } from '../service/config.ts';

export type PrincipalType = 'user' | 'service_principal' | 'managed_identity' | 'ci_job';
export type Preset = 'entra_id' | 'github_actions' | 'oidc';
export type TokenUse = 'access' | 'id' | 'any';
export type EntraVersion = 'v1' | 'v2';

export interface IssuerConfig {
  /** Operator-chosen name, unique; appears in errors and in generic principal ids. */
  name: string;
  preset: Preset;
  /** Exact `iss` (oidc, github_actions). Entra issuers are derived from tenants and versions. */
  issuer?: string;
  /** Where the keys come from: a JWKS URL, else a discovery document naming one. */
  jwks_url?: string;
  discovery_url?: string;
  audiences: string[];
  /** When set, the token's client (azp / appid / client_id) must be one of these. */
  client_ids?: string[];
  algorithms: string[];
  leeway_seconds: number;
  max_lifetime_seconds: number;
  token_use: TokenUse;
  groups_claim: string;
  roles_claim: string;
  client_id_claims: string[];
  /** Principal type of every token of a generic issuer. */
  principal_type: PrincipalType;
  entra?: {
    tenants: string[];
    versions: EntraVersion[];
    managed_identity_object_ids: string[];
    service_principal_object_ids: string[];
  };
}

export interface IdentityConfig {
  issuers: IssuerConfig[];
  /** POST /v1/decisions without the end client's token is denied (else the enforcer-supplied principal is used as before). */
  require_client_token: boolean;
  /** The decision service reuses a verified token's principal this long (bounded by the token's exp); 0: verify every time. */
  verified_token_cache_seconds: number;
  jwks: {
    /** Keys fetched are trusted this long; after that a failed refresh fails closed. */
    cache_seconds: number;
    /** At most one fetch per issuer per this interval (unknown kids included). */
    min_refresh_seconds: number;
    timeout_ms: number;
  };
}

export const githubActionsIssuer = 'https://token.actions.githubusercontent.com';
export const entraCommonJwks = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';
/** Asymmetric JWS algorithms an issuer may be allowed; HS* and none are refused by name. */
export const asymmetricAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
export const defaultAlgorithms = ['RS256', 'ES256', 'PS256', 'EdDSA'];
const presets: Preset[] = ['entra_id', 'github_actions', 'oidc'];
const principalTypes: PrincipalType[] = ['user', 'service_principal', 'managed_identity', 'ci_job'];
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function obj(v: unknown, key: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(key, 'must be a mapping');
  return v as Record<string, unknown>;
}

function known(o: Record<string, unknown>, key: string, allowed: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new ConfigError(`${key}.${k}`, `unknown key (known: ${allowed.join(', ')})`);
}

function str(v: unknown, key: string): string {
  if (typeof v !== 'string' || v === '') throw new ConfigError(key, 'must be a non-empty string');
  return v;
}

function strList(v: unknown, key: string, opts: { nonEmpty?: boolean } = {}): string[] {
  if (v === undefined) {
    if (opts.nonEmpty) throw new ConfigError(key, 'is required (a non-empty list)');
    return [];
  }
  if (typeof v === 'string') v = [v];
  if (!Array.isArray(v)) throw new ConfigError(key, 'must be a list of strings');
  const out = v.map((s, i) => str(s, `${key}[${i}]`));
  if (opts.nonEmpty && out.length === 0) throw new ConfigError(key, 'must not be empty');
  return out;
}

function int(v: unknown, key: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(key, `must be an integer between ${min} and ${max}`);
  return v;
}

function oneOf<T extends string>(v: unknown, key: string, allowed: readonly T[], dflt?: T): T {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ConfigError(key, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** https only, except on loopback (tests, local issuers): keys fetched in clear text could be swapped. */
function url(v: unknown, key: string): string {
  const s = str(v, key);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new ConfigError(key, `not a URL: ${s}`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || /^127\./.test(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) throw new ConfigError(key, `must be an https URL (http only on loopback): ${s}`);
  return s;
}

function guids(v: unknown, key: string, nonEmpty = false): string[] {
  return strList(v, key, { nonEmpty }).map((g, i) => {
    if (!guid.test(g)) throw new ConfigError(`${key}[${i}]`, `must be a GUID (tenant and object ids, never display names): ${g}`);
    return g.toLowerCase();
  });
}

function algorithms(v: unknown, key: string, dflt: string[]): string[] {
  if (v === undefined) return dflt;
  const list = strList(v, key, { nonEmpty: true });
  list.forEach((a, i) => {
    if (a.toLowerCase() === 'none') throw new ConfigError(`${key}[${i}]`, 'alg "none" (unsigned tokens) can never be allowed');
    if (/^HS/i.test(a)) throw new ConfigError(`${key}[${i}]`, `${a} is symmetric: an issuer publishing public keys must not be trusted with HMAC (key-confusion attack)`);
    if (!asymmetricAlgorithms.includes(a)) throw new ConfigError(`${key}[${i}]`, `unknown algorithm ${a} (allowed: ${asymmetricAlgorithms.join(', ')})`);
  });
  return list;
}

const commonKeys = ['name', 'preset', 'jwks_url', 'discovery_url', 'audiences', 'client_ids', 'algorithms', 'leeway_seconds', 'max_lifetime_seconds'];
const keysByPreset: Record<Preset, string[]> = {
  entra_id: [...commonKeys, 'tenants', 'versions', 'managed_identity_object_ids', 'service_principal_object_ids', 'token_use', 'groups_claim'],
  github_actions: [...commonKeys, 'issuer'],
  oidc: [...commonKeys, 'issuer', 'token_use', 'groups_claim', 'roles_claim', 'client_id_claims', 'principal_type'],
};

function issuerConfig(raw: unknown, key: string): IssuerConfig {
  const o = obj(raw, key);
  const preset = oneOf(o.preset, `${key}.preset`, presets);
  known(o, key, keysByPreset[preset]);
  const name = str(o.name, `${key}.name`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new ConfigError(`${key}.name`, 'must be letters, digits, _ . - (it appears in principal ids)');
  if (o.jwks_url !== undefined && o.discovery_url !== undefined) throw new ConfigError(`${key}.jwks_url`, 'give jwks_url or discovery_url, not both');
  const c: IssuerConfig = {
    name,
    preset,
    audiences: strList(o.audiences, `${key}.audiences`, { nonEmpty: true }),
    algorithms: algorithms(o.algorithms, `${key}.algorithms`, preset === 'oidc' ? defaultAlgorithms : ['RS256']),
    leeway_seconds: int(o.leeway_seconds, `${key}.leeway_seconds`, 60, 0, 600),
    max_lifetime_seconds: int(o.max_lifetime_seconds, `${key}.max_lifetime_seconds`, 86_400, 60, 7 * 86_400),
    token_use: oneOf<TokenUse>(o.token_use, `${key}.token_use`, ['access', 'id', 'any'], preset === 'entra_id' ? 'access' : 'any'),
    groups_claim: o.groups_claim === undefined ? 'groups' : str(o.groups_claim, `${key}.groups_claim`),
    roles_claim: o.roles_claim === undefined ? 'roles' : str(o.roles_claim, `${key}.roles_claim`),
    client_id_claims: o.client_id_claims === undefined ? ['azp', 'client_id'] : strList(o.client_id_claims, `${key}.client_id_claims`, { nonEmpty: true }),
    principal_type: preset === 'github_actions' ? 'ci_job' : oneOf(o.principal_type, `${key}.principal_type`, principalTypes, 'user'),
  };
  if (o.client_ids !== undefined) c.client_ids = strList(o.client_ids, `${key}.client_ids`, { nonEmpty: true });
  if (preset === 'entra_id') {
    const versions = o.versions === undefined ? ['v2'] : strList(o.versions, `${key}.versions`, { nonEmpty: true });
    versions.forEach((v, i) => oneOf(v, `${key}.versions[${i}]`, ['v1', 'v2'] as const));
    c.entra = {
      tenants: guids(o.tenants, `${key}.tenants`, true),
      versions: [...new Set(versions)] as EntraVersion[],
      managed_identity_object_ids: guids(o.managed_identity_object_ids, `${key}.managed_identity_object_ids`),
      service_principal_object_ids: guids(o.service_principal_object_ids, `${key}.service_principal_object_ids`),
    };
    if (o.jwks_url === undefined && o.discovery_url === undefined) c.jwks_url = entraCommonJwks;
  } else {
    const dflt = preset === 'github_actions' ? githubActionsIssuer : undefined;
    if (o.issuer === undefined && !dflt) throw new ConfigError(`${key}.issuer`, 'is required for preset oidc (the exact iss of its tokens)');
    c.issuer = o.issuer === undefined ? dflt : url(o.issuer, `${key}.issuer`);
    if (o.jwks_url === undefined && o.discovery_url === undefined) c.discovery_url = `${c.issuer!.replace(/\/$/, '')}/.well-known/openid-configuration`;
  }
  if (o.jwks_url !== undefined) c.jwks_url = url(o.jwks_url, `${key}.jwks_url`);
  if (o.discovery_url !== undefined) c.discovery_url = url(o.discovery_url, `${key}.discovery_url`);
  return c;
}

/** Validate the `identity:` value of writ.yaml (undefined means no issuers: every token is refused). */
export function validateIdentityConfig(raw: unknown): IdentityConfig {
  const root = obj(raw, 'identity');
  known(root, 'identity', ['issuers', 'jwks', 'require_client_token', 'verified_token_cache_seconds']);
  if (root.require_client_token !== undefined && typeof root.require_client_token !== 'boolean') throw new ConfigError('identity.require_client_token', 'must be true or false');
  const jwks = obj(root.jwks, 'identity.jwks');
  known(jwks, 'identity.jwks', ['cache_seconds', 'min_refresh_seconds', 'timeout_ms']);
  if (root.issuers !== undefined && !Array.isArray(root.issuers)) throw new ConfigError('identity.issuers', 'must be a list');
  const issuers = ((root.issuers as unknown[] | undefined) ?? []).map((r, i) => issuerConfig(r, `identity.issuers[${i}]`));
  const names = new Set<string>();
  issuers.forEach((c, i) => {
    if (names.has(c.name)) throw new ConfigError(`identity.issuers[${i}].name`, `duplicate issuer name ${c.name}`);
    names.add(c.name);
  });
  const cache = int(jwks.cache_seconds, 'identity.jwks.cache_seconds', 3600, 1, 7 * 86_400);
  const minRefresh = int(jwks.min_refresh_seconds, 'identity.jwks.min_refresh_seconds', 30, 0, 3600);
  if (minRefresh > cache) throw new ConfigError('identity.jwks.min_refresh_seconds', `must not exceed identity.jwks.cache_seconds (${cache})`);
  return {
    issuers,
    require_client_token: root.require_client_token === true,
    verified_token_cache_seconds: int(root.verified_token_cache_seconds, 'identity.verified_token_cache_seconds', 60, 0, 3600),
    jwks: { cache_seconds: cache, min_refresh_seconds: minRefresh, timeout_ms: int(jwks.timeout_ms, 'identity.jwks.timeout_ms', 5000, 100, 60_000) },
  };
}
