// Real tokens from a loopback issuer, verified end to end; the principal checked field by field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateIdentityConfig, verifyToken, principalFromToken, type IdentityConfig } from '../../src/identity/index.ts';
import { TestIssuer } from './issuer.ts';
import * as cs from './claimsets.ts';

let iss: TestIssuer;
let config: IdentityConfig;
const now = Math.floor(Date.now() / 1000);
const at = { now: now * 1000 };

beforeAll(async () => {
  iss = await TestIssuer.start();
  await iss.addKey('rsa-1', 'RS256');
  await iss.addKey('ec-1', 'ES256');
  await iss.addKey('ed-1', 'EdDSA');
  config = validateIdentityConfig({
    issuers: [
      { name: 'entra-v2', preset: 'entra_id', tenants: [cs.tenant], versions: ['v2'], audiences: [cs.apiClientId], discovery_url: `${iss.base}/common/v2.0/.well-known/openid-configuration` },
      { name: 'entra-v1', preset: 'entra_id', tenants: [cs.tenant], versions: ['v1'], audiences: ['api://writ'], jwks_url: iss.jwksUrl },
      { name: 'github', preset: 'github_actions', audiences: ['https://github.com/octo-org'], jwks_url: iss.jwksUrl },
      { name: 'corp', preset: 'oidc', issuer: iss.base, audiences: ['writ'], groups_claim: 'realm_access.groups', roles_claim: 'realm_access.roles', principal_type: 'user' },
    ],
  });
});
afterAll(() => iss.stop());

describe('Entra ID principals', () => {
  it('v2.0 service principal', async () => {
    const v = await verifyToken(await iss.sign(cs.entraV2App(now), 'rsa-1'), config, at);
    expect(v.issuer).toBe('entra-v2');
    expect(v.expires_at).toBe(new Date((now - 60 + 3600) * 1000).toISOString().replace('.000Z', 'Z'));
    const p = v.principal;
    expect(p.id).toBe(`entra:${cs.tenant}:${cs.spObjectId}`);
    expect(p.type).toBe('service_principal');
    expect(p.issuer).toBe(`https://login.microsoftonline.com/${cs.tenant}/v2.0`);
    expect(p.subject).toBe(cs.spObjectId);
    expect(p.client_id).toBe(cs.callerAppId);
    expect(p.tenant).toBe(cs.tenant);
    expect(p.roles).toEqual(['Orders.Read']);
    expect(p.groups).toEqual([]);
    expect(p.claims.azpacr).toBe('2');
    expect(v.header).toEqual({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' });
  });

  it('v2.0 managed identity (idtyp app + xms_mirid)', async () => {
    const p = (await verifyToken(await iss.sign(cs.entraV2ManagedIdentity(now), 'rsa-1'), config, at)).principal;
    expect(p.type).toBe('managed_identity');
    expect(p.id).toBe(`entra:${cs.tenant}:${cs.miObjectId}`);
    expect(p.subject).toBe(cs.miObjectId);
    expect(p.client_id).toBe(cs.callerAppId);
    expect(p.claims.xms_mirid).toBe(cs.mirid);
  });

  it('v1.0 service principal: client from appid, issuer sts.windows.net', async () => {
    const v = await verifyToken(await iss.sign(cs.entraV1App(now), 'rsa-1'), config, at);
    expect(v.issuer).toBe('entra-v1');
    const p = v.principal;
    expect(p).toMatchObject({
      id: `entra:${cs.tenant}:${cs.spObjectId}`,
      type: 'service_principal',
      issuer: `https://sts.windows.net/${cs.tenant}/`,
      subject: cs.spObjectId,
      client_id: cs.callerAppId,
      tenant: cs.tenant,
      groups: [],
      roles: ['Orders.Read', 'Orders.Write'],
    });
  });

  it('v1.0 managed identity', async () => {
    const p = (await verifyToken(await iss.sign(cs.entraV1ManagedIdentity(now), 'rsa-1'), config, at)).principal;
    expect(p.type).toBe('managed_identity');
    expect(p.id).toBe(`entra:${cs.tenant}:${cs.miObjectId}`);
    expect(p.client_id).toBe(cs.callerAppId);
  });

  it('managed identity by configured object id, without xms_mirid', async () => {
    const c = validateIdentityConfig({
      issuers: [{ name: 'e', preset: 'entra_id', tenants: [cs.tenant], audiences: [cs.apiClientId], jwks_url: iss.jwksUrl, managed_identity_object_ids: [cs.spObjectId.toUpperCase()] }],
    });
    const p = (await verifyToken(await iss.sign(cs.entraV2App(now), 'rsa-1'), c, at)).principal;
    expect(p.type).toBe('managed_identity');
  });

  it('app-only without idtyp: no scp and sub == oid is a service principal', async () => {
    const { idtyp: _drop, ...claims } = cs.entraV2App(now);
    const p = (await verifyToken(await iss.sign(claims, 'rsa-1'), config, at)).principal;
    expect(p.type).toBe('service_principal');
  });

  it('user (delegated) token with groups; display names never in the id', async () => {
    const p = (await verifyToken(await iss.sign(cs.entraV2User(now), 'rsa-1'), config, at)).principal;
    expect(p.type).toBe('user');
    expect(p.id).toBe(`entra:${cs.tenant}:${cs.userObjectId}`);
    expect(p.id).not.toContain('Ada');
    expect(p.subject).toBe('AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ');
    expect(p.groups).toEqual(['9a6c3f2e-0000-4000-8000-0000000000a1', '9a6c3f2e-0000-4000-8000-0000000000a2']);
    expect(p.roles).toEqual([]);
  });
});

describe('GitHub Actions principals', () => {
  it('classic subject with an environment', async () => {
    const v = await verifyToken(await iss.sign(cs.githubJob(now), 'rsa-1'), config, at);
    expect(v.issuer).toBe('github');
    expect(v.principal).toEqual({
      id: 'github:65/74:environment:prod',
      type: 'ci_job',
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'repo:octo-org/octo-repo:environment:prod',
      client_id: null,
      tenant: 'octo-org',
      groups: [],
      roles: [],
      claims: cs.githubJob(now),
    });
    const c = v.principal.claims;
    expect([c.repository, c.ref, c.workflow, c.job_workflow_ref, c.environment]).toEqual([
      'octo-org/octo-repo',
      'refs/heads/main',
      'deploy',
      'octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main',
      'prod',
    ]);
  });

  it('immutable id-based subject on a branch', async () => {
    const claims = cs.githubJob(now, { sub: 'repo:octo-org@65/octo-repo@74:ref:refs/heads/main', environment: undefined });
    delete claims.environment;
    const p = (await verifyToken(await iss.sign(claims, 'rsa-1'), config, at)).principal;
    expect(p.id).toBe('github:65/74:ref:refs/heads/main');
    expect(p.subject).toBe('repo:octo-org@65/octo-repo@74:ref:refs/heads/main');
    expect(p.type).toBe('ci_job');
  });

  it('a renamed-and-recycled repository: same name, other ids, other principal', async () => {
    const claims = cs.githubJob(now, { sub: 'repo:octo-org@65/octo-repo@999:environment:prod', repository_id: '999' });
    const p = (await verifyToken(await iss.sign(claims, 'rsa-1'), config, at)).principal;
    expect(p.id).toBe('github:65/999:environment:prod');
  });

  it('a subject that disagrees with the repository ids is refused', async () => {
    const claims = cs.githubJob(now, { sub: 'repo:octo-org@65/octo-repo@75:environment:prod' });
    const r = await principalFromToken(await iss.sign(claims, 'rsa-1'), config, at);
    expect(r).toMatchObject({ ok: false, error: { code: 'WRIT_TOKEN_CLAIMS_INVALID' } });
  });
});

describe('generic OIDC principals', () => {
  it('discovery, nested group and role claims, ES256 and EdDSA keys', async () => {
    for (const kid of ['ec-1', 'ed-1']) {
      const claims = { iss: iss.base, sub: 'u-123', aud: ['writ', 'other'], azp: 'cli', exp: now + 300, iat: now, realm_access: { groups: ['ops'], roles: ['admin'] } };
      const r = await principalFromToken(await iss.sign(claims, kid), config, at);
      expect(r).toEqual({
        ok: true,
        issuer: 'corp',
        expires_at: new Date((now + 300) * 1000).toISOString().replace('.000Z', 'Z'),
        principal: { id: 'corp:u-123', type: 'user', issuer: iss.base, subject: 'u-123', client_id: 'cli', tenant: null, groups: ['ops'], roles: ['admin'], claims },
      });
    }
  });
});
