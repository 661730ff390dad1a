// The client's token forwarded to the real decision service (openService with an identity: section, the loopback
// issuer, the shipped policies): the enforcer has no verifier; the service verifies, fills input.principal, and logs.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecisionClient, httpTransport, type DecisionClient, type EnforcerDecision } from '../../../enforcers/common/index.ts';
import type { Service } from '../../../src/service/service.ts';
import { open, tempDir, tokens } from '../../service/helpers.ts';
import { createSchema, dropSchema, harnessIssuers, harnessPolicyConfig, pgClient, policiesWithConfig, psql, startHarness, type Harness } from './harness.ts';

let svc: Service;
let url: string;
let h: Harness;
let schema: string;
let client: DecisionClient;
// The service's clock: moved forward to expire a token in the middle of a session (the enforcer's stays real).
let serviceSkewMs = 0;
// What the enforcer sent and got back, to find decisions in the service's log.
const seen: Array<{ input: Record<string, any>; clientToken?: string; d: EnforcerDecision }> = [];

beforeAll(async () => {
  h = await startHarness({
    decider: {
      async decide(input, opts) {
        const d = await client.decide(input, opts);
        seen.push({ input: input as Record<string, any>, clientToken: opts?.clientToken, d });
        return d;
      },
    },
    // No local verifier: the token goes to the service.
    config: { verifier: undefined },
  });
  schema = await createSchema();
  const identity = { issuers: harnessIssuers(h.issuer) };
  // The shipped policies with the deployment's data: the CI job tokens' repository owns the test schema.
  const policiesDir = policiesWithConfig(harnessPolicyConfig(h.issuer, schema));
  svc = await open({ dataDir: tempDir('writ-pg-fwd-'), policiesDir, raw: { identity } }, { now: () => new Date(Date.now() + serviceSkewMs) });
  await svc.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(svc.app.server.address() as { port: number }).port}`;
  client = createDecisionClient({ transport: httpTransport({ url, token: tokens.enforcer }), registry: new Registry(), timeoutMs: 3000 });
}, 50_000);
afterAll(async () => {
  await h?.stop();
  await svc?.close();
  if (schema) await dropSchema(schema);
});

async function logged(id: string): Promise<Record<string, any>> {
  const r = await fetch(`${url}/v1/decisions/${id}`, { headers: { authorization: `Bearer ${tokens.admin}` } });
  expect(r.status).toBe(200);
  return (await r.json()) as Record<string, any>;
}

/** The same claims with other groups, the signature kept: a forged token. */
function forge(token: string, groups: string[]): string {
  const [head, body, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'));
  return [head, Buffer.from(JSON.stringify({ ...claims, groups })).toString('base64url'), sig].join('.');
}

describe('the PostgreSQL enforcer forwards the client token to the service', () => {
  it('valid token: allowed; the token goes with connect and every statement; the service fills the principal', async () => {
    seen.length = 0;
    const t = await h.token([], { sub: 'fwd-job' });
    const r = await psql(h.port, t, `select name from ${schema}.people where id = 1`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Alice');
    const kinds = seen.map((s) => s.input.action.kind);
    expect(kinds[0]).toBe('connect');
    expect(kinds).toContain('statement');
    for (const s of seen) {
      expect(s.clientToken).toBe(t);
      // The enforcer builds no principal; the service answers the token's expiry.
      expect(s.input.principal).toBeNull();
      expect(s.d.allow).toBe(true);
      expect(Date.parse(s.d.token_expires_at!)).toBeGreaterThan(Date.now());
    }
    const rec = await logged(seen[0]!.d.decision_id!);
    expect(rec.input.principal.id).toContain('fwd-job');
    expect(rec.input.principal.type).toBe('ci_job');
    expect(rec.input.principal.claims.repository).toBe('writ-tests/app');
    expect(rec.input.action.kind).toBe('connect');
    // The bearer token itself is never written to the log.
    expect(JSON.stringify(rec)).not.toContain(t);
  });

  it("the service's policy data decides the CI job's schema: another repository's job may not read it", async () => {
    const other = await h.token(['db-readers'], { sub: 'other-job', repository: 'writ-tests/other' });
    const r = await psql(h.port, other, `select name from ${schema}.people where id = 1`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`ERROR:\\s+42501: writ: permission denied by policy: ci_schema: CI job ci:other-job has no schema of its own .*; it may not use ${schema}\\.people`));
  });

  it('forged token: FATAL 28000 at connect with the service reason; the denied connect is in the service log', async () => {
    seen.length = 0;
    const forged = forge(await h.token(['db-readers']), ['db-admins']);
    const r = await psql(h.port, forged, 'select 1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FATAL:\s+writ: token refused by the decision service: WRIT_TOKEN_BAD_SIGNATURE: token signature does not verify/);
    expect(seen).toHaveLength(1);
    // psql shows no SQLSTATE for a failed login; node-postgres does.
    const e = await pgClient(h.port, forged).then(
      () => undefined,
      (x: Error & { code?: string; severity?: string }) => x,
    );
    expect(e?.code).toBe('28000');
    expect(e?.severity).toBe('FATAL');
    const d = seen[0]!.d;
    expect(d.allow).toBe(false);
    expect(d.token_expires_at).toBeUndefined();
    const rec = await logged(d.decision_id!);
    expect(rec.input.action.kind).toBe('connect');
    expect(rec.input.principal).toBeNull();
    expect(rec.result.allow).toBe(false);
    expect(rec.result.reasons[0]).toMatch(/^WRIT_TOKEN_BAD_SIGNATURE: /);
  });

  it('token expired by the service mid-session: the statement deny says re-authenticate and the session ends FATAL 28000', async () => {
    const t = await h.token([], { expiresIn: 600 });
    const c = await pgClient(h.port, t);
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    try {
      expect((await c.query('select 1 as one')).rows[0].one).toBe(1);
      serviceSkewMs = 3600_000;
      const e = await c.query('select 2').then(
        () => undefined,
        (x: Error & { code?: string; severity?: string }) => x,
      );
      expect(e?.code).toBe('28000');
      expect(e?.severity).toBe('FATAL');
      expect(e?.message).toMatch(/^writ: token refused by the decision service: WRIT_TOKEN_EXPIRED: .*re-authenticate/);
    } finally {
      serviceSkewMs = 0;
      await c.end().catch(() => undefined);
    }
  });
});

describe('a decider that does not verify the forwarded token', () => {
  it('an allow without token_expires_at is FATAL 28000 (fail closed), before any upstream connection', async () => {
    const got: Array<string | undefined> = [];
    const lax = await startHarness({
      decider: {
        async decide(_input, opts) {
          got.push(opts?.clientToken);
          return { allow: true, reasons: [], decision_id: 'd-1', provenance: { revision: 'r', bundle_sha256: 's' } };
        },
      },
      config: { verifier: undefined },
    });
    try {
      const t = await lax.token(['db-readers']);
      const e = await pgClient(lax.port, t).then(
        () => undefined,
        (x: Error & { code?: string }) => x,
      );
      expect(e?.code).toBe('28000');
      expect(e?.message).toBe('writ: the decision service did not verify the client token (no token_expires_at in its answer); denied');
      expect(got).toEqual([t]);
    } finally {
      await lax.stop();
    }
  });
});
