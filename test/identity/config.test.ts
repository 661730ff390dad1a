// The identity: section of writ.yaml: defaults filled once, every error names its key.
import { describe, expect, it } from 'vitest';
import { validateIdentityConfig } from '../../src/identity/index.ts';
import { ConfigError } from '../../src/service/config.ts';

const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('validateIdentityConfig', () => {
  it('fills preset defaults', () => {
    const c = validateIdentityConfig({
      issuers: [
        { name: 'entra', preset: 'entra_id', tenants: [tenant.toUpperCase()], audiences: 'api://writ' },
        { name: 'gh', preset: 'github_actions', audiences: ['https://github.com/octo-org'] },
        { name: 'okta', preset: 'oidc', issuer: 'https://corp.okta.com/oauth2/default', audiences: ['writ'] },
      ],
    });
    expect(c.jwks).toEqual({ cache_seconds: 3600, min_refresh_seconds: 30, timeout_ms: 5000 });
    const [e, g, o] = c.issuers;
    expect(e).toMatchObject({
      algorithms: ['RS256'],
      token_use: 'access',
      leeway_seconds: 60,
      audiences: ['api://writ'],
      jwks_url: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
      entra: { tenants: [tenant], versions: ['v2'], managed_identity_object_ids: [], service_principal_object_ids: [] },
    });
    expect(g).toMatchObject({ issuer: 'https://token.actions.githubusercontent.com', principal_type: 'ci_job', discovery_url: 'https://token.actions.githubusercontent.com/.well-known/openid-configuration' });
    expect(o).toMatchObject({ algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'], token_use: 'any', groups_claim: 'groups', client_id_claims: ['azp', 'client_id'], principal_type: 'user' });
    expect(validateIdentityConfig(undefined).issuers).toEqual([]);
  });

  const cases: Array<[string, unknown, string]> = [
    ['audiences are required', { issuers: [{ name: 'e', preset: 'entra_id', tenants: [tenant] }] }, 'writ.yaml: identity.issuers[0].audiences: is required (a non-empty list)'],
    ['empty audiences', { issuers: [{ name: 'e', preset: 'entra_id', tenants: [tenant], audiences: [] }] }, 'writ.yaml: identity.issuers[0].audiences: must not be empty'],
    ['alg none', { issuers: [{ name: 'o', preset: 'oidc', issuer: 'https://i', audiences: ['a'], algorithms: ['RS256', 'none'] }] }, 'writ.yaml: identity.issuers[0].algorithms[1]: alg "none" (unsigned tokens) can never be allowed'],
    ['HS256', { issuers: [{ name: 'o', preset: 'oidc', issuer: 'https://i', audiences: ['a'], algorithms: ['HS256'] }] }, 'writ.yaml: identity.issuers[0].algorithms[0]: HS256 is symmetric'],
    ['tenant display name', { issuers: [{ name: 'e', preset: 'entra_id', tenants: ['contoso.onmicrosoft.com'], audiences: ['a'] }] }, 'writ.yaml: identity.issuers[0].tenants[0]: must be a GUID'],
    ['unknown version', { issuers: [{ name: 'e', preset: 'entra_id', tenants: [tenant], versions: ['v3'], audiences: ['a'] }] }, 'writ.yaml: identity.issuers[0].versions[0]: must be one of v1, v2'],
    ['http issuer off loopback', { issuers: [{ name: 'o', preset: 'oidc', issuer: 'http://idp.example', audiences: ['a'] }] }, 'writ.yaml: identity.issuers[0].issuer: must be an https URL'],
    ['oidc without issuer', { issuers: [{ name: 'o', preset: 'oidc', audiences: ['a'] }] }, 'writ.yaml: identity.issuers[0].issuer: is required'],
    ['unknown preset', { issuers: [{ name: 'o', preset: 'okta', audiences: ['a'] }] }, 'writ.yaml: identity.issuers[0].preset: must be one of entra_id, github_actions, oidc'],
    ['key foreign to the preset', { issuers: [{ name: 'g', preset: 'github_actions', audiences: ['a'], tenants: [tenant] }] }, 'writ.yaml: identity.issuers[0].tenants: unknown key'],
    ['both key sources', { issuers: [{ name: 'o', preset: 'oidc', issuer: 'https://i', audiences: ['a'], jwks_url: 'https://i/k', discovery_url: 'https://i/d' }] }, 'writ.yaml: identity.issuers[0].jwks_url: give jwks_url or discovery_url, not both'],
    ['duplicate names', { issuers: [{ name: 'g', preset: 'github_actions', audiences: ['a'] }, { name: 'g', preset: 'github_actions', audiences: ['b'] }] }, 'writ.yaml: identity.issuers[1].name: duplicate issuer name g'],
    ['leeway range', { issuers: [{ name: 'g', preset: 'github_actions', audiences: ['a'], leeway_seconds: 3600 }] }, 'writ.yaml: identity.issuers[0].leeway_seconds: must be an integer between 0 and 600'],
    ['refresh beyond TTL', { jwks: { cache_seconds: 10, min_refresh_seconds: 60 } }, 'writ.yaml: identity.jwks.min_refresh_seconds: must not exceed identity.jwks.cache_seconds (10)'],
    ['unknown top key', { issuer: [] }, 'writ.yaml: identity.issuer: unknown key'],
  ];
  for (const [note, raw, msg] of cases) {
    it(`refuses: ${note}`, () => {
      let err: unknown;
      try {
        validateIdentityConfig(raw);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(msg);
    });
  }
});
