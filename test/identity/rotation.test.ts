// Key rotation while verifications flow, and a key set endpoint that goes down: with an injected clock.
import { afterEach, describe, expect, it } from 'vitest';
import { validateIdentityConfig, verifierFor, verifyToken, IdentityError, type IdentityConfig } from '../../src/identity/index.ts';
import { TestIssuer } from './issuer.ts';
import * as cs from './claimsets.ts';

const t0 = Math.floor(Date.now() / 1000);
const issuers: TestIssuer[] = [];
afterEach(async () => {
  for (const i of issuers.splice(0)) await i.stop().catch(() => undefined);
});

async function start(): Promise<TestIssuer> {
  const i = await TestIssuer.start();
  issuers.push(i);
  return i;
}

function config(iss: TestIssuer, jwks: Record<string, number>): IdentityConfig {
  return validateIdentityConfig({
    jwks,
    issuers: [{ name: 'entra', preset: 'entra_id', tenants: [cs.tenant], audiences: [cs.apiClientId], jwks_url: iss.jwksUrl }],
  });
}

async function outcome(token: string, c: IdentityConfig, nowSec: number): Promise<string> {
  try {
    await verifyToken(token, c, { now: nowSec * 1000 });
    return 'ok';
  } catch (e) {
    if (e instanceof IdentityError) return e.code;
    throw e;
  }
}

describe('key rotation', () => {
  it('rotates A -> B while tokens flow: no valid token refused; A tokens refused once the cache TTL passed the retirement', async () => {
    const iss = await start();
    await iss.addKey('A');
    const ttl = 300;
    const c = config(iss, { cache_seconds: ttl, min_refresh_seconds: 10 });
    const life = 1800;
    const outstanding: Array<{ kid: string; token: string; exp: number }> = [];
    let signing = 'A';
    const publishB = 300;
    const switchToB = 600;
    const retireA = 920;
    let acceptedA = 0;
    let refusedA = 0;
    for (let t = 0; t <= 2000; t += 5) {
      const now = t0 + t;
      if (t === publishB) await iss.addKey('B');
      if (t === switchToB) signing = 'B';
      if (t === retireA) iss.retire('A');
      outstanding.push({ kid: signing, token: await iss.sign(cs.entraV2App(now, { iat: now, nbf: now, exp: now + life }), signing), exp: now + life });
      // Several decisions in flight at once, on every live token.
      const alive = outstanding.filter((o) => o.exp > now);
      const live = ['A', 'B'].flatMap((k) => alive.filter((o) => o.kid === k).slice(-4));
      const results = await Promise.all(live.map((o) => outcome(o.token, c, now)));
      live.forEach((o, i) => {
        const r = results[i];
        const keyPublished = iss.published.includes(o.kid);
        if (keyPublished) expect(r, `t=${t} kid=${o.kid}`).toBe('ok');
        if (o.kid === 'A' && t >= retireA + ttl) expect(r, `t=${t}: retired key A after the TTL`).toBe('WRIT_TOKEN_KEY_RETIRED');
        if (o.kid === 'A' && t >= retireA) r === 'ok' ? acceptedA++ : refusedA++;
      });
    }
    // A tokens were checked on both sides of the TTL boundary, and the key set was not hammered.
    expect(acceptedA).toBeGreaterThan(0);
    expect(refusedA).toBeGreaterThan(0);
    expect(iss.hitCount('/keys')).toBeLessThanOrEqual(2000 / ttl + 3);
  });
});

describe('key set endpoint down', () => {
  it('cached keys serve until the TTL, then verification fails closed (and retries are rate-limited)', async () => {
    const iss = await start();
    await iss.addKey('A');
    const c = config(iss, { cache_seconds: 60, min_refresh_seconds: 5 });
    const token = await iss.sign(cs.entraV2App(t0, { exp: t0 + 3000 }), 'A');
    const rogue = await iss.addKey('new', 'RS256', false);
    const unknown = await iss.sign(cs.entraV2App(t0), rogue.kid);
    expect(await outcome(token, c, t0)).toBe('ok');
    await iss.stop();
    expect(await outcome(token, c, t0 + 30)).toBe('ok');
    // An unknown kid while the endpoint is down: refused, naming the fetch failure; cached keys keep serving.
    await expect(verifyToken(unknown, c, { now: (t0 + 31) * 1000 })).rejects.toMatchObject({ code: 'WRIT_JWKS_UNAVAILABLE', message: expect.stringMatching(/refetching it failed: cannot fetch the key set of issuer entra from http:\/\/127\.0\.0\.1:\d+\/keys: /) });
    expect(await outcome(token, c, t0 + 59)).toBe('ok');
    const cache = verifierFor(c).cache('entra')!;
    const fetches = cache.fetches;
    await expect(verifyToken(token, c, { now: (t0 + 61) * 1000 })).rejects.toMatchObject({
      code: 'WRIT_JWKS_UNAVAILABLE',
      message: expect.stringMatching(/cannot fetch the key set .*: ECONNREFUSED.*; cached keys expired at .*; failing closed/),
    });
    expect(cache.fetches).toBe(fetches + 1);
    // Within min_refresh_seconds the last failure answers without another fetch.
    expect(await outcome(token, c, t0 + 63)).toBe('WRIT_JWKS_UNAVAILABLE');
    expect(cache.fetches).toBe(fetches + 1);
    expect(await outcome(token, c, t0 + 70)).toBe('WRIT_JWKS_UNAVAILABLE');
    expect(cache.fetches).toBe(fetches + 2);
  });

  it('an endpoint answering 503 past the TTL fails closed, and recovers when it answers again', async () => {
    const iss = await start();
    await iss.addKey('A');
    const c = config(iss, { cache_seconds: 60, min_refresh_seconds: 5 });
    const token = await iss.sign(cs.entraV2App(t0, { exp: t0 + 3000 }), 'A');
    expect(await outcome(token, c, t0)).toBe('ok');
    iss.failWith = 503;
    expect(await outcome(token, c, t0 + 50)).toBe('ok');
    await expect(verifyToken(token, c, { now: (t0 + 60) * 1000 })).rejects.toMatchObject({ code: 'WRIT_JWKS_UNAVAILABLE', message: expect.stringMatching(/HTTP 503/) });
    iss.failWith = undefined;
    expect(await outcome(token, c, t0 + 66)).toBe('ok');
  });

  it('never reached at all: fails closed saying no keys were ever fetched', async () => {
    const iss = await start();
    await iss.addKey('A');
    const c = config(iss, {});
    const token = await iss.sign(cs.entraV2App(t0), 'A');
    await iss.stop();
    await expect(verifyToken(token, c, { now: t0 * 1000 })).rejects.toMatchObject({ code: 'WRIT_JWKS_UNAVAILABLE', message: expect.stringMatching(/no keys were ever fetched; failing closed/) });
  });
});

describe('key sources', () => {
  it("a discovery document naming another issuer is refused (OIDC Discovery 4.3)", async () => {
    const iss = await start();
    await iss.addKey('A');
    const c = validateIdentityConfig({ issuers: [{ name: 'x', preset: 'oidc', issuer: `${iss.base}/realms/x`, discovery_url: `${iss.base}/.well-known/openid-configuration`, audiences: ['writ'] }] });
    const token = await iss.sign({ iss: `${iss.base}/realms/x`, sub: 's', aud: 'writ', exp: t0 + 60 }, 'A');
    await expect(verifyToken(token, c, { now: t0 * 1000 })).rejects.toMatchObject({ code: 'WRIT_JWKS_INVALID', message: expect.stringMatching(/names issuer .* not issuer x/) });
  });

  it("Entra tenant discovery: the tenant's own document is accepted, another tenant's is refused", async () => {
    const iss = await start();
    await iss.addKey('A');
    const token = await iss.sign(cs.entraV2App(t0), 'A');
    const at = (tid: string) =>
      validateIdentityConfig({ issuers: [{ name: 'e', preset: 'entra_id', tenants: [cs.tenant], audiences: [cs.apiClientId], discovery_url: `${iss.base}/${tid}/v2.0/.well-known/openid-configuration` }] });
    expect(await outcome(token, at(cs.tenant), t0)).toBe('ok');
    await expect(verifyToken(token, at(cs.otherTenant), { now: t0 * 1000 })).rejects.toMatchObject({ code: 'WRIT_JWKS_INVALID', message: expect.stringContaining(cs.otherTenant) });
  });

  it('a new kid arriving on many concurrent requests: one refetch, none refused', async () => {
    const iss = await start();
    await iss.addKey('A');
    const c = config(iss, { cache_seconds: 600, min_refresh_seconds: 30 });
    expect(await outcome(await iss.sign(cs.entraV2App(t0), 'A'), c, t0)).toBe('ok');
    await iss.addKey('B');
    const tokenB = await iss.sign(cs.entraV2App(t0), 'B');
    const r = await Promise.all(Array.from({ length: 20 }, () => outcome(tokenB, c, t0 + 60)));
    expect(new Set(r)).toEqual(new Set(['ok']));
    expect(iss.hitCount('/keys')).toBe(2);
  });

  it('concurrent first verifications share one fetch', async () => {
    const iss = await start();
    await iss.addKey('A');
    const c = config(iss, {});
    const token = await iss.sign(cs.entraV2App(t0), 'A');
    const r = await Promise.all(Array.from({ length: 20 }, () => outcome(token, c, t0)));
    expect(new Set(r)).toEqual(new Set(['ok']));
    expect(iss.hitCount('/keys')).toBe(1);
  });
});
