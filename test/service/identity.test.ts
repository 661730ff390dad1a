// End clients' tokens through the real decision service: a loopback OIDC issuer, build() via openService, inject, the log read back.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { open, auth, pgInput, policyDir, testConfig } from './helpers.ts';
import type { Service } from '../../src/service/service.ts';
import { TestIssuer } from '../identity/issuer.ts';
import * as cs from '../identity/claimsets.ts';

// Allows managed identities and CI jobs, names the principal it saw: the policy sees exactly what the service put in input.principal.
const policy = {
  'pg.rego': `package writ.postgres

default decision := {"allow": false, "reasons": ["no rule allows this principal"]}

decision := {"allow": true, "reasons": [sprintf("%s %s", [input.principal.type, input.principal.id])]} if input.principal.type in {"managed_identity", "ci_job"}
`,
};

const nowSec = 1_790_000_000;
let clockMs = nowSec * 1000;
const clock = () => new Date(clockMs);
let iss: TestIssuer;
let svc: Service;
let strict: Service;

const identity = (extra: Record<string, unknown> = {}) => ({
  issuers: [{ name: 'entra', preset: 'entra_id', tenants: [cs.tenant], versions: ['v2'], audiences: [cs.apiClientId], jwks_url: iss.jwksUrl }],
  ...extra,
});

beforeAll(async () => {
  iss = await TestIssuer.start();
  await iss.addKey('rsa-1', 'RS256');
  const policiesDir = policyDir(policy);
  svc = await open({ policiesDir, raw: { identity: identity() } }, { now: clock });
  strict = await open({ policiesDir, raw: { identity: identity({ require_client_token: true }) } }, { now: clock });
});
afterAll(async () => {
  await svc?.close();
  await strict?.close();
  await iss?.stop();
});

const decide = (s: Service, input: unknown, client_token?: string) =>
  s.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input, ...(client_token !== undefined ? { client_token } : {}) } });

async function record(s: Service, id: string): Promise<{ text: string; rec: Record<string, any> }> {
  const r = await s.app.inject({ method: 'GET', url: `/v1/decisions/${id}`, headers: auth('admin') });
  expect(r.statusCode).toBe(200);
  return { text: r.body, rec: r.json() };
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('a forwarded client token fills input.principal', () => {
  it('Entra v2 managed identity: verified principal, field by field, in the answer, the policy and the log', async () => {
    clockMs = nowSec * 1000;
    const token = await iss.sign(cs.entraV2ManagedIdentity(nowSec), 'rsa-1');
    // The enforcer's own principal (a ci_job) must be ignored: the verified one replaces it.
    const r = await decide(svc, pgInput({ principal: { id: 'forged', type: 'ci_job', groups: ['admins'] }, session: { id: 's-1' } }), token);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    const expires = new Date((nowSec - 60 + 3600) * 1000).toISOString().replace('.000Z', 'Z');
    expect(body.allow).toBe(true);
    expect(body.reasons).toEqual([`managed_identity entra:${cs.tenant}:${cs.miObjectId}`]);
    expect(body.token_expires_at).toBe(expires);
    const { text, rec } = await record(svc, body.decision_id);
    const p = rec.principal;
    expect(p.id).toBe(`entra:${cs.tenant}:${cs.miObjectId}`);
    expect(p.type).toBe('managed_identity');
    expect(p.issuer).toBe(`https://login.microsoftonline.com/${cs.tenant}/v2.0`);
    expect(p.subject).toBe(cs.miObjectId);
    expect(p.client_id).toBe(cs.callerAppId);
    expect(p.tenant).toBe(cs.tenant);
    expect(p.roles).toEqual(['Orders.Read']);
    expect(p.groups).toEqual([]);
    expect(p.claims.xms_mirid).toBe(cs.mirid);
    expect(rec.input.principal).toEqual(p);
    expect(rec.input.session).toEqual({ id: 's-1', token_expires_at: expires });
    expect(rec.result).toMatchObject({ allow: true });
    // The bearer token itself is never written to the log.
    expect(text).not.toContain(token.split('.')[2]);
  });

  it('a service principal token overrides the enforcer claiming a CI job: the policy denies the real principal', async () => {
    clockMs = nowSec * 1000;
    const r = await decide(svc, pgInput(), await iss.sign(cs.entraV2App(nowSec), 'rsa-1'));
    expect(r.json()).toMatchObject({ allow: false, reasons: ['no rule allows this principal'] });
    expect((await record(svc, r.json().decision_id)).rec.principal.type).toBe('service_principal');
  });

  it('no token: the enforcer-supplied principal, as before', async () => {
    const r = await decide(svc, pgInput());
    expect(r.json()).toMatchObject({ allow: true, reasons: ['ci_job ci:1'] });
    expect(r.json().token_expires_at).toBeUndefined();
  });
});

describe('refused tokens are logged denies, never errors', () => {
  async function refused(s: Service, token: string | undefined, code: string, input = pgInput()): Promise<Record<string, any>> {
    const r = await decide(s, input, token);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.allow).toBe(false);
    expect(body.reasons).toHaveLength(1);
    expect(body.reasons[0]).toMatch(new RegExp(`^${code}: `));
    const { rec } = await record(s, body.decision_id);
    expect(rec.result).toEqual({ allow: false, reasons: body.reasons });
    return { body, rec };
  }

  it('expired token: the reason says to re-authenticate; the enforcer principal is not used', async () => {
    clockMs = nowSec * 1000;
    const { body, rec } = await refused(svc, await iss.sign(cs.entraV2ManagedIdentity(nowSec - 7200), 'rsa-1'), 'WRIT_TOKEN_EXPIRED');
    expect(body.reasons[0]).toMatch(/re-authenticate/);
    expect(rec.principal).toBeNull();
  });

  it('alg none', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(cs.entraV2ManagedIdentity(nowSec))}.`;
    expect((await refused(svc, unsigned, 'WRIT_TOKEN_ALG_NONE')).rec.principal).toBeNull();
  });

  it('a token for another audience (confused deputy)', async () => {
    const { body } = await refused(svc, await iss.sign(cs.entraV2ManagedIdentity(nowSec, { aud: 'api://another-service' }), 'rsa-1'), 'WRIT_TOKEN_AUDIENCE');
    expect(body.reasons[0]).toContain('api://another-service');
  });

  it('an altered payload (signature no longer verifies)', async () => {
    const [h, , s] = (await iss.sign(cs.entraV2App(nowSec), 'rsa-1')).split('.');
    await refused(svc, `${h}.${b64(cs.entraV2ManagedIdentity(nowSec))}.${s}`, 'WRIT_TOKEN_BAD_SIGNATURE');
  });

  it('garbage', async () => {
    await refused(svc, 'not-a-jwt', 'WRIT_TOKEN_MALFORMED');
  });

  it('a non-string client_token is the enforcer\'s bug: 400', async () => {
    const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input: pgInput(), client_token: 42 } });
    expect(r.statusCode).toBe(400);
    const d = await svc.app.inject({ method: 'POST', url: '/v1/data/writ/postgres/decision', headers: auth('enforcer'), payload: { input: pgInput(), client_token: 'x' } });
    expect(d.statusCode).toBe(400);
    expect(d.json().message).toMatch(/client_token/);
    const doc = (await svc.app.inject('/openapi.json')).json();
    expect(doc.paths['/v1/decisions'].post.requestBody.content['application/json'].schema.properties.client_token.type).toBe('string');
  });

  it('a later command after the session token expired: denied with the re-authenticate message', async () => {
    clockMs = nowSec * 1000;
    const token = await iss.sign(cs.entraV2ManagedIdentity(nowSec), 'rsa-1');
    const first = (await decide(svc, pgInput({ session: { id: 's-2' } }), token)).json();
    expect(first.allow).toBe(true);
    // The enforcer carries the expiry it was answered in the session of later commands.
    const later = pgInput({ session: { id: 's-2', token_expires_at: first.token_expires_at } });
    clockMs = nowSec * 1000 + 1000;
    expect((await decide(svc, later)).json().allow).toBe(true);
    clockMs = Date.parse(first.token_expires_at) + 1000;
    const { body } = await refused(svc, undefined, 'WRIT_TOKEN_EXPIRED', later);
    expect(body.reasons[0]).toContain(`expired at ${first.token_expires_at}: re-authenticate`);
    // The same token forwarded again after the leeway is refused by verification too.
    clockMs = Date.parse(first.token_expires_at) + 120_000;
    await refused(svc, token, 'WRIT_TOKEN_EXPIRED', later);
    clockMs = nowSec * 1000;
  });
});

describe('identity.require_client_token', () => {
  it('no token: deny, logged, the enforcer principal not recorded as the principal', async () => {
    clockMs = nowSec * 1000;
    const r = await decide(strict, pgInput());
    expect(r.statusCode).toBe(200);
    expect(r.json().allow).toBe(false);
    expect(r.json().reasons[0]).toMatch(/^WRIT_TOKEN_REQUIRED: /);
    const { rec } = await record(strict, r.json().decision_id);
    expect(rec.principal).toBeNull();
    expect(rec.result.reasons).toEqual(r.json().reasons);
  });

  it('a valid token is still allowed', async () => {
    clockMs = nowSec * 1000;
    const r = await decide(strict, pgInput(), await iss.sign(cs.entraV2ManagedIdentity(nowSec), 'rsa-1'));
    expect(r.json()).toMatchObject({ allow: true, reasons: [`managed_identity entra:${cs.tenant}:${cs.miObjectId}`] });
  });

  it('writ.yaml identity: is validated with the service config', () => {
    expect(() => testConfig({ raw: { identity: { require_client_token: 'yes' } } })).toThrow('writ.yaml: identity.require_client_token: must be true or false');
    expect(() => testConfig({ raw: { identity: { issuers: [{ name: 'e', preset: 'entra_id', tenants: [cs.tenant], audiences: [] }] } } })).toThrow(/identity\.issuers\[0\]\.audiences/);
    expect(testConfig().identity).toMatchObject({ issuers: [], require_client_token: false });
  });
});

describe('verified tokens are reused within a session, never past their expiry', () => {
  it('the same token is allowed until its exp (plus the issuer leeway) and refused from then on, though its verification was cached', async () => {
    clockMs = nowSec * 1000;
    const token = await iss.sign(cs.entraV2ManagedIdentity(nowSec, { exp: nowSec + 30 }), 'rsa-1');
    // The issuer's default leeway is 60 s: accepted until exp + 60, refused after.
    for (const at of [0, 10, 29, 89]) {
      clockMs = (nowSec + at) * 1000;
      const r = await decide(svc, pgInput(), token);
      expect(r.json().allow).toBe(true);
    }
    clockMs = (nowSec + 91) * 1000;
    const late = (await decide(svc, pgInput(), token)).json();
    expect(late.allow).toBe(false);
    expect(late.reasons[0]).toMatch(/^WRIT_TOKEN_EXPIRED: /);
    clockMs = nowSec * 1000;
  });

  it('a token changed after a verified one (same signature, other claims) is verified on its own and refused', async () => {
    clockMs = nowSec * 1000;
    const token = await iss.sign(cs.entraV2ManagedIdentity(nowSec), 'rsa-1');
    expect((await decide(svc, pgInput(), token)).json().allow).toBe(true);
    const [h, , sig] = token.split('.');
    const forged = [h, b64({ ...cs.entraV2ManagedIdentity(nowSec), oid: 'someone-else' }), sig].join('.');
    const r = (await decide(svc, pgInput(), forged)).json();
    expect(r.allow).toBe(false);
    expect(r.reasons[0]).toMatch(/^WRIT_TOKEN_BAD_SIGNATURE: /);
  });
});
