// Every bad token the issue names, each refused with its own stable code and a message that says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportSPKI } from 'jose';
import { validateIdentityConfig, verifyToken, IdentityError, type IdentityConfig, type IdentityErrorCode } from '../../src/identity/index.ts';
import { TestIssuer } from './issuer.ts';
import * as cs from './claimsets.ts';

let iss: TestIssuer;
const now = Math.floor(Date.now() / 1000);
const at = { now: now * 1000 };
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

function entra(extra: Record<string, unknown> = {}): IdentityConfig {
  return validateIdentityConfig({
    issuers: [{ name: 'entra', preset: 'entra_id', tenants: [cs.tenant], versions: ['v2'], audiences: [cs.apiClientId], jwks_url: iss.jwksUrl, ...extra }],
  });
}
function generic(extra: Record<string, unknown> = {}): IdentityConfig {
  return validateIdentityConfig({ issuers: [{ name: 'corp', preset: 'oidc', issuer: iss.base, audiences: ['writ'], ...extra }] });
}

async function refused(token: string, config: IdentityConfig, code: IdentityErrorCode, message?: RegExp, opts = at): Promise<IdentityError> {
  try {
    const v = await verifyToken(token, config, opts);
    throw new Error(`accepted: ${JSON.stringify(v.principal.id)}`);
  } catch (e) {
    if (!(e instanceof IdentityError)) throw e;
    expect(e.code, e.message).toBe(code);
    if (message) expect(e.message).toMatch(message);
    return e;
  }
}

beforeAll(async () => {
  iss = await TestIssuer.start();
  await iss.addKey('rsa-1', 'RS256');
  await iss.addKey('rsa-2', 'RS256');
  await iss.addKey('ec-1', 'ES256');
  await iss.addKey('rogue', 'RS256', false);
});
afterAll(() => iss.stop());

describe('refused tokens', () => {
  it('the control: a good v2.0 token is accepted', async () => {
    expect((await verifyToken(await iss.sign(cs.entraV2App(now), 'rsa-1'), entra(), at)).principal.type).toBe('service_principal');
  });

  it('alg none', async () => {
    const t = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(cs.entraV2App(now))}.`;
    await refused(t, entra(), 'WRIT_TOKEN_ALG_NONE', /unsigned/);
    await refused(`${b64({ alg: 'None' })}.${b64(cs.entraV2App(now))}.c2ln`, entra(), 'WRIT_TOKEN_ALG_NONE');
  });

  it("HS256 signed with the issuer's RSA public key as the HMAC secret", async () => {
    const pem = await exportSPKI(iss.keys.get('rsa-1')!.publicKey);
    const t = await new SignJWT(cs.entraV2App(now)).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode(pem));
    await refused(t, entra(), 'WRIT_TOKEN_ALG_SYMMETRIC', /HS256.*key-confusion/);
  });

  it('an algorithm outside the issuer allow-list (ES256 for an RS256-only Entra issuer)', async () => {
    await refused(await iss.sign(cs.entraV2App(now), 'ec-1'), entra(), 'WRIT_TOKEN_ALG_NOT_ALLOWED', /ES256 is not allowed for issuer entra \(algorithms: RS256\)/);
  });

  it('a token minted for another audience (confused deputy)', async () => {
    const t = await iss.sign(cs.entraV2App(now, { aud: '00000003-0000-0000-c000-000000000000' }), 'rsa-1');
    await refused(t, entra(), 'WRIT_TOKEN_AUDIENCE', /"00000003-0000-0000-c000-000000000000" is not accepted by issuer entra .*another service/);
  });

  it('wrong issuer (untrusted, and a trusted one with a trailing slash: iss is matched exactly)', async () => {
    await refused(await iss.sign(cs.entraV2App(now, { iss: 'https://evil.example/v2.0' }), 'rsa-1'), entra(), 'WRIT_TOKEN_ISSUER_UNKNOWN', /"https:\/\/evil.example\/v2.0" is not a trusted issuer/);
    const claims = { iss: `${iss.base}/`, sub: 's', aud: 'writ', exp: now + 60 };
    await refused(await iss.sign(claims, 'rsa-1'), generic(), 'WRIT_TOKEN_ISSUER_UNKNOWN');
  });

  it('an Entra v1.0 token where only v2.0 is configured', async () => {
    await refused(await iss.sign(cs.entraV1App(now), 'rsa-1'), entra({ versions: ['v2'] }), 'WRIT_TOKEN_ENTRA_VERSION', /v1\.0 token .* accepts only v2\.0 tokens/);
  });

  it('an Entra v2.0 token where only v1.0 is configured', async () => {
    await refused(await iss.sign(cs.entraV2App(now), 'rsa-1'), entra({ versions: ['v1'] }), 'WRIT_TOKEN_ENTRA_VERSION', /v2\.0 token .* accepts only v1\.0 tokens/);
  });

  it('another tenant', async () => {
    const t = await iss.sign(cs.entraV2App(now, { iss: `https://login.microsoftonline.com/${cs.otherTenant}/v2.0`, tid: cs.otherTenant }), 'rsa-1');
    await refused(t, entra(), 'WRIT_TOKEN_TENANT_NOT_ALLOWED', new RegExp(`tenant ${cs.otherTenant}`));
  });

  it('a tid that disagrees with the issuer tenant', async () => {
    await refused(await iss.sign(cs.entraV2App(now, { tid: cs.otherTenant }), 'rsa-1'), entra(), 'WRIT_TOKEN_CLAIMS_INVALID', /"tid"/);
  });

  it('expired (beyond the leeway), and accepted within it', async () => {
    await refused(await iss.sign(cs.entraV2App(now, { iat: now - 3700, nbf: now - 3700, exp: now - 100 }), 'rsa-1'), entra(), 'WRIT_TOKEN_EXPIRED', /expired at .*100 s ago.*re-authenticate/);
    await verifyToken(await iss.sign(cs.entraV2App(now, { iat: now - 3630, nbf: now - 3630, exp: now - 30 }), 'rsa-1'), entra(), at);
  });

  it('nbf in the future', async () => {
    await refused(await iss.sign(cs.entraV2App(now, { iat: now, nbf: now + 600, exp: now + 3600 }), 'rsa-1'), entra(), 'WRIT_TOKEN_NOT_YET_VALID', /not valid before .*600 s from now/);
  });

  it('clock skew beyond the leeway (iat ahead of this clock), and accepted within it', async () => {
    const skewed = cs.entraV2App(now, { iat: now + 300, exp: now + 3900 });
    delete skewed.nbf;
    await refused(await iss.sign(skewed, 'rsa-1'), entra(), 'WRIT_TOKEN_CLOCK_SKEW', /300 s ahead of this clock.*leeway of 60 s/);
    await verifyToken(await iss.sign({ ...skewed, iat: now + 30 }, 'rsa-1'), entra(), at);
    await refused(await iss.sign({ ...skewed, iat: now + 30 }, 'rsa-1'), entra({ leeway_seconds: 0 }), 'WRIT_TOKEN_CLOCK_SKEW');
  });

  it('an implausible lifetime', async () => {
    await refused(await iss.sign(cs.entraV2App(now, { exp: now + 30 * 86_400 }), 'rsa-1'), entra(), 'WRIT_TOKEN_LIFETIME', /at most 86400 s/);
  });

  it('unknown kid: one refetch, then refused; no refetch again within min_refresh_seconds', async () => {
    const c = entra();
    await verifyToken(await iss.sign(cs.entraV2App(now), 'rsa-1'), c, at);
    const before = iss.hitCount('/keys');
    const rogue = await iss.sign(cs.entraV2App(now), 'rogue');
    const later = { now: (now + 31) * 1000 };
    await refused(rogue, c, 'WRIT_TOKEN_UNKNOWN_KID', /kid "rogue" is not in the key set of issuer entra .*after refetching/, later);
    expect(iss.hitCount('/keys')).toBe(before + 1);
    await refused(rogue, c, 'WRIT_TOKEN_UNKNOWN_KID', /not refetched/, later);
    expect(iss.hitCount('/keys')).toBe(before + 1);
  });

  it('a kid removed after key rotation', async () => {
    const c = entra();
    const t2 = await iss.sign(cs.entraV2App(now), 'rsa-2');
    await verifyToken(t2, c, at);
    iss.retire('rsa-2');
    try {
      // After the cache TTL (default 3600 s) the refreshed set no longer has rsa-2.
      await refused(t2, c, 'WRIT_TOKEN_KEY_RETIRED', /kid "rsa-2" was removed .*key rotation/, { now: (now + 3601) * 1000 });
    } finally {
      iss.published.push('rsa-2');
    }
  });

  it('malformed: bad base64', async () => {
    const t = await iss.sign(cs.entraV2App(now), 'rsa-1');
    await refused(`${t.split('.')[0]}!.${t.split('.')[1]}.${t.split('.')[2]}`, entra(), 'WRIT_TOKEN_MALFORMED', /header is not base64url/);
    await refused(`${t.split('.')[0]}.${t.split('.')[1]}+/=.${t.split('.')[2]}`, entra(), 'WRIT_TOKEN_MALFORMED', /payload is not base64url/);
  });

  it('malformed: truncated tokens', async () => {
    const t = await iss.sign(cs.entraV2App(now), 'rsa-1');
    const [h, p, s] = t.split('.');
    await refused(`${h}.${p}`, entra(), 'WRIT_TOKEN_MALFORMED', /2 segments/);
    await refused(`${h}.${p.slice(0, p.length - 7)}.${s}`, entra(), 'WRIT_TOKEN_MALFORMED', /payload is not (JSON|base64url)/);
    await refused(`${h}.${p}.`, entra(), 'WRIT_TOKEN_MALFORMED', /empty signature/);
    await refused(`${h}.${p}.${s.slice(0, 40)}`, entra(), 'WRIT_TOKEN_BAD_SIGNATURE');
    await refused('', entra(), 'WRIT_TOKEN_MALFORMED', /no token/);
    await refused('not-a-jwt', entra(), 'WRIT_TOKEN_MALFORMED', /1 segment/);
  });

  it('malformed: a header over 16 KiB is refused before parsing', async () => {
    const huge = `${b64({ alg: 'RS256', kid: 'rsa-1', pad: 'x'.repeat(17 * 1024) })}.${b64(cs.entraV2App(now))}.c2ln`;
    await refused(huge, entra(), 'WRIT_TOKEN_TOO_LARGE', /header is about \d+ bytes; at most 16384 .*refused before parsing/);
    // Not even valid base64: size is decided on length alone.
    await refused(`${'!'.repeat(30_000)}.e30.c2ln`, entra(), 'WRIT_TOKEN_TOO_LARGE');
  });

  it('malformed: non-JSON and non-object segments, JWE', async () => {
    await refused(`${Buffer.from('{alg').toString('base64url')}.e30.c2ln`, entra(), 'WRIT_TOKEN_MALFORMED', /header is not JSON/);
    await refused(`${b64([1])}.e30.c2ln`, entra(), 'WRIT_TOKEN_MALFORMED', /header is not a JSON object/);
    await refused(`${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`, entra(), 'WRIT_TOKEN_MALFORMED', /JWE/);
  });

  it('malformed: crit / b64 header extensions', async () => {
    const [, p, sig] = (await iss.sign(cs.entraV2App(now), 'rsa-1')).split('.');
    await refused(`${b64({ alg: 'RS256', kid: 'rsa-1', crit: ['x'], x: 1 })}.${p}.${sig}`, entra(), 'WRIT_TOKEN_MALFORMED', /"crit"\/"b64"/);
    await refused(`${b64({ alg: 'RS256', kid: 'rsa-1', b64: false, crit: ['b64'] })}.${p}.${sig}`, entra(), 'WRIT_TOKEN_MALFORMED', /"crit"\/"b64"/);
  });

  it('an altered payload fails the signature', async () => {
    const [h, , s] = (await iss.sign(cs.entraV2App(now), 'rsa-1')).split('.');
    await refused(`${h}.${b64(cs.entraV2App(now, { roles: ['Orders.Admin'] }))}.${s}`, entra(), 'WRIT_TOKEN_BAD_SIGNATURE', /does not verify/);
  });

  it('an Entra ID token where an access token is required', async () => {
    await refused(await iss.sign(cs.entraV2IdToken(now), 'rsa-1'), entra(), 'WRIT_TOKEN_WRONG_TYPE', /ID token \(it has nonce\).*requires an access token/);
    // Accepted where ID tokens are what the operator asked for.
    await verifyToken(await iss.sign(cs.entraV2IdToken(now), 'rsa-1'), entra({ token_use: 'id' }), at);
  });

  it('a generic ID token (typ JWT) where an RFC 9068 access token (typ at+jwt) is required', async () => {
    const claims = { iss: iss.base, sub: 's', aud: 'writ', client_id: 'c', exp: now + 60, iat: now };
    await refused(await iss.sign(claims, 'rsa-1'), generic({ token_use: 'access' }), 'WRIT_TOKEN_WRONG_TYPE', /not "at\+jwt"/);
    expect((await verifyToken(await iss.sign(claims, 'rsa-1', { typ: 'at+jwt' }), generic({ token_use: 'access' }), at)).principal.client_id).toBe('c');
  });

  it('a client outside client_ids (azp), and a token naming no client', async () => {
    await refused(await iss.sign(cs.entraV2App(now), 'rsa-1'), entra({ client_ids: ['11111111-1111-1111-1111-111111111111'] }), 'WRIT_TOKEN_CLIENT_NOT_ALLOWED', /client 0f1e2d3c.* \(appid for v1\.0, azp for v2\.0\)/);
    await refused(await iss.sign({ iss: iss.base, sub: 's', aud: 'writ', exp: now + 60 }, 'rsa-1'), generic({ client_ids: ['c'] }), 'WRIT_TOKEN_CLIENT_NOT_ALLOWED', /names no client/);
  });

  it('no kid while the issuer has several keys', async () => {
    const k = iss.keys.get('rsa-1')!;
    const t = await new SignJWT(cs.entraV2App(now)).setProtectedHeader({ alg: 'RS256' }).sign(k.privateKey);
    await refused(t, entra(), 'WRIT_TOKEN_KID_MISSING', /names no kid .* 2 keys usable with RS256/);
  });

  it('no kid with exactly one usable key: that key is used', async () => {
    const k = iss.keys.get('ec-1')!;
    const claims = { iss: iss.base, sub: 's', aud: 'writ', exp: now + 60 };
    const t = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(k.privateKey);
    expect((await verifyToken(t, generic(), at)).principal.id).toBe('corp:s');
  });

  it('missing required claims', async () => {
    const { oid: _o, ...noOid } = cs.entraV2App(now);
    await refused(await iss.sign(noOid, 'rsa-1'), entra(), 'WRIT_TOKEN_CLAIMS_INVALID', /no string "oid"/);
    const { exp: _e, ...noExp } = cs.entraV2App(now);
    await refused(await iss.sign(noExp, 'rsa-1'), entra(), 'WRIT_TOKEN_CLAIMS_INVALID', /no "exp"/);
    await refused(await iss.sign({ sub: 's' }, 'rsa-1'), entra(), 'WRIT_TOKEN_CLAIMS_INVALID', /no string "iss"/);
  });

  it('no issuers configured: every token is refused', async () => {
    await refused(await iss.sign(cs.entraV2App(now), 'rsa-1'), validateIdentityConfig(undefined), 'WRIT_TOKEN_ISSUER_UNKNOWN', /no issuers are configured/);
  });
});
