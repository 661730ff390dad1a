// Inject tests for every route of the decision service: auth, limits, the decision contract, logging.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { open, auth, pgInput, policyDir, tokens } from './helpers.ts';
import type { Service } from '../../src/service/service.ts';
import { inputDigest, unsealInput, loadReplayKey, type DecisionEntry } from '../../src/audit/record.ts';
import { explainDecision } from '../../src/audit/explain.ts';
import { join } from 'node:path';

const policy = {
  'pg.rego': `package writ.postgres

default decision := {"allow": false, "reasons": ["not a reader"]}

decision := {"allow": true, "reasons": ["reader"], "mask": [{"column": "ssn", "strategy": "redact"}]} if "db-readers" in input.principal.groups

stamp := time.now_ns()
`,
  'contract.rego': `package bad

# ssh: a string, not an object
ssh := "yes"

# http: an object without a boolean allow
http := {"allow": "true", "reasons": []}

# kubernetes: conflicting values abort evaluation
k8s := 1 if input.version == 1
k8s := 2 if input.version == 1

approval := {"allow": false, "reasons": ["needs approval"], "require_approval": {"approvers": ["sec"], "reason": "prod", "ttl": "15m"}}
`,
  'system.rego': `package system.log

mask contains "/input/context/secret"

mask contains {"op": "upsert", "path": "/input/principal/id", "value": "**"}
`,
};

let svc: Service;
let rev: string;

beforeAll(async () => {
  svc = await open({
    policiesDir: policyDir(policy),
    raw: { policies: { entrypoints: { ssh: 'bad/ssh', http: 'bad/http', kubernetes: 'bad/k8s', approval: 'bad/approval', missing: 'no/such/rule' } }, limits: { body_bytes: 4096 } },
  });
  rev = svc.store.active.current()!.revision;
});
afterAll(async () => svc?.close());

const decide = (input: unknown, role: keyof typeof tokens = 'enforcer') =>
  svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth(role), payload: { input } });

describe('authentication and roles', () => {
  const routes: Array<[string, string, keyof typeof tokens, keyof typeof tokens]> = [
    ['POST', '/v1/decisions', 'enforcer', 'admin'],
    ['POST', '/v1/data/writ/postgres/decision', 'enforcer', 'pusher'],
    ['GET', '/v1/policies', 'admin', 'enforcer'],
    ['GET', '/v1/decisions/x', 'admin', 'enforcer'],
    ['GET', '/metrics', 'admin', 'enforcer'],
    ['POST', '/v1/bundles', 'admin', 'enforcer'],
  ];
  for (const [method, url, , wrong] of routes) {
    it(`${method} ${url}: 401 without a token, with a bad one, 403 for role ${wrong}`, async () => {
      const payload = method === 'POST' ? { input: pgInput() } : undefined;
      const none = await svc.app.inject({ method: method as 'GET', url, payload });
      expect(none.statusCode).toBe(401);
      expect(none.json().code).toBe('WRIT_UNAUTHENTICATED');
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      const bad = await svc.app.inject({ method: method as 'GET', url, payload, headers: { authorization: 'Bearer nope' } });
      expect(bad.statusCode).toBe(401);
      const basic = await svc.app.inject({ method: method as 'GET', url, payload, headers: { authorization: `Basic ${Buffer.from(`x:${tokens.enforcer}`).toString('base64')}` } });
      expect(basic.statusCode).toBe(401);
      const forbidden = await svc.app.inject({ method: method as 'GET', url, payload, headers: auth(wrong) });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json().code).toBe('WRIT_FORBIDDEN');
    });
  }
  it('health, readiness and the OpenAPI document are public', async () => {
    expect((await svc.app.inject('/health')).json()).toEqual({ status: 'ok' });
    const ready = await svc.app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().revision).toBe(rev);
    const doc = (await svc.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/data/{path}', '/v1/decisions', '/v1/decisions/{id}', '/v1/policies', '/health', '/ready', '/metrics']));
  });
});

describe('request hygiene', () => {
  it('malformed JSON is 400', async () => {
    const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: { ...auth('enforcer'), 'content-type': 'application/json' }, payload: '{"input": {' });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('WRIT_BAD_REQUEST');
  });
  it('__proto__ and constructor.prototype payloads are refused with 400', async () => {
    for (const payload of ['{"input": {"version": 1, "__proto__": {"allow": true}}}', '{"input": {"constructor": {"prototype": {"allow": true}}}}']) {
      const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: { ...auth('enforcer'), 'content-type': 'application/json' }, payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('WRIT_BAD_REQUEST');
    }
  });
  it('bodies over limits.body_bytes are 413', async () => {
    const r = await decide(pgInput({ context: { pad: 'x'.repeat(5000) } }));
    expect(r.statusCode).toBe(413);
    expect(r.json().code).toBe('WRIT_PAYLOAD_TOO_LARGE');
  });
  it('only JSON is accepted (415)', async () => {
    const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: { ...auth('enforcer'), 'content-type': 'text/plain' }, payload: 'allow' });
    expect(r.statusCode).toBe(415);
  });
  it('a body that is not {"input": {...}} is 400', async () => {
    const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: [1] });
    expect(r.statusCode).toBe(400);
  });
  it('unknown routes are 404 with a code', async () => {
    const r = await svc.app.inject('/v2/nothing');
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('WRIT_NOT_FOUND');
  });
});

describe('POST /v1/decisions', () => {
  it('answers the normalised decision with decision_id and provenance, logged with that revision', async () => {
    const r = await decide(pgInput());
    expect(r.statusCode).toBe(200);
    const d = r.json();
    expect(d).toMatchObject({ allow: true, reasons: ['reader'], mask: [{ column: 'ssn', strategy: 'redact' }], provenance: { revision: rev } });
    const rec = (await svc.app.inject({ url: `/v1/decisions/${d.decision_id}`, headers: auth('admin') })).json();
    expect(rec.policy).toEqual(d.provenance);
    expect(rec.result).toEqual({ allow: true, reasons: ['reader'], mask: [{ column: 'ssn', strategy: 'redact' }] });
    expect(rec).toMatchObject({ api: 'v1/decisions', entrypoint: 'writ/postgres/decision', caller: 'test-enforcer', enforcer: { kind: 'postgres' } });
    expect(rec.seq).toBeGreaterThan(0);
    expect(rec.hash).toMatch(/^[0-9a-f]{64}$/);
  });
  it('a denied decision keeps the policy reasons', async () => {
    const d = (await decide(pgInput({ principal: { id: 'u', type: 'user', groups: [] } }))).json();
    expect(d).toMatchObject({ allow: false, reasons: ['not a reader'] });
  });
  it('require_approval passes through', async () => {
    const d = (await decide(pgInput({ enforcer: { id: 'x', kind: 'approval' } }))).json();
    expect(d.require_approval).toEqual({ approvers: ['sec'], reason: 'prod', ttl: '15m' });
  });
  const contract: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a string result', { enforcer: { id: 's', kind: 'ssh' } }, /outside the contract.*string/],
    ['allow not a boolean', { enforcer: { id: 'h', kind: 'http' } }, /"allow" must be a boolean/],
    ['an evaluation error', { enforcer: { id: 'k', kind: 'kubernetes' } }, /evaluation failed.*conflict/],
    ['an undefined entrypoint', { enforcer: { id: 'm', kind: 'missing' } }, /undefined/],
    ['an unconfigured enforcer kind', { enforcer: { id: 'q', kind: 'quantum' } }, /no entrypoint is configured for enforcer kind "quantum"/],
    ['a wrong input version', { version: 2 }, /unsupported input version 2/],
    ['no enforcer kind', { enforcer: {} }, /enforcer.kind is missing/],
  ];
  for (const [note, over, reason] of contract) {
    it(`${note} is a deny saying why (and is logged)`, async () => {
      const r = await decide(pgInput(over));
      expect(r.statusCode).toBe(200);
      const d = r.json();
      expect(d.allow).toBe(false);
      expect(d.reasons.join('\n')).toMatch(reason);
      const rec = (await svc.app.inject({ url: `/v1/decisions/${d.decision_id}`, headers: auth('admin') })).json();
      expect(rec.result.allow).toBe(false);
    });
  }
  it('the record masks the input with data.system.log.mask, keeps the digest of the unmasked input and seals it', async () => {
    const input = pgInput({ context: { approvals: [], secret: 'hunter2' } });
    const d = (await decide(input)).json();
    const rec = (await svc.app.inject({ url: `/v1/decisions/${d.decision_id}`, headers: auth('admin') })).json();
    expect(rec.input.context).toEqual({ approvals: [] });
    expect(rec.input.principal.id).toBe('**');
    expect(JSON.stringify(rec)).not.toContain('hunter2');
    expect(rec.input_digest).toBe(inputDigest(input));
    const key = loadReplayKey(join(svc.store.repo, '..', 'replay.key'));
    expect(unsealInput(rec.input_sealed, key, rec.decision_id)).toEqual(input);
  });
});

describe('a record whose input was not masked', () => {
  it('keeps the whole input with its digest and no sealed copy; explain replays it from the record', async () => {
    const s = await open({ policiesDir: policyDir({ 'p.rego': 'package writ.postgres\n\ndecision := {"allow": input.principal.id == "ci:1"}\n' }) });
    try {
      const input = pgInput();
      const d = (await s.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input } })).json();
      expect(d.allow).toBe(true);
      const rec = s.logStore.get(d.decision_id)! as unknown as DecisionEntry;
      expect(rec.input).toEqual(input);
      expect(rec.input_digest).toBe(inputDigest(input));
      expect(rec).not.toHaveProperty('input_sealed');
      expect(rec).not.toHaveProperty('digest_input');
      const x = await explainDecision(rec, { repo: s.store.repo, bundleDir: join(s.store.repo, '..', 'bundles') });
      expect(x.input_source).toBe('record');
      expect(x.same_result).toBe(true);
      // A record whose input was edited no longer matches its digest: explain refuses it.
      await expect(explainDecision({ ...rec, input: { ...input, principal: { id: 'ci:2' } } }, { repo: s.store.repo, bundleDir: join(s.store.repo, '..', 'bundles') })).rejects.toThrow(/masked: give the unmasked input with --input/);
    } finally {
      await s.close();
    }
  });
});

describe('POST /v1/data/{path} (OPA-compatible)', () => {
  it('returns result, decision_id and provenance', async () => {
    const r = await svc.app.inject({ method: 'POST', url: '/v1/data/writ/postgres/decision', headers: auth('enforcer'), payload: { input: pgInput() } });
    expect(r.json()).toMatchObject({ result: { allow: true }, provenance: { revision: rev } });
  });
  it('any package path works', async () => {
    const r = await svc.app.inject({ method: 'POST', url: '/v1/data/bad', headers: auth('enforcer'), payload: { input: {} } });
    expect(r.json().result).toMatchObject({ ssh: 'yes', approval: { allow: false } });
  });
  it('an undefined document answers without result, as OPA', async () => {
    const r = await svc.app.inject({ method: 'POST', url: '/v1/data/no/such/doc', headers: auth('enforcer'), payload: { input: {} } });
    expect(r.statusCode).toBe(200);
    const b = r.json();
    expect(b).not.toHaveProperty('result');
    expect(Object.keys(b).sort()).toEqual(['decision_id', 'provenance']);
  });
  it('input is optional', async () => {
    const r = await svc.app.inject({ method: 'POST', url: '/v1/data/writ/postgres/decision', headers: auth('enforcer'), payload: {} });
    expect(r.json().result).toEqual({ allow: false, reasons: ['not a reader'] });
  });
  it('non-deterministic builtins are recorded', async () => {
    const r = (await svc.app.inject({ method: 'POST', url: '/v1/data/writ/postgres/stamp', headers: auth('enforcer'), payload: {} })).json();
    const rec = (await svc.app.inject({ url: `/v1/decisions/${r.decision_id}`, headers: auth('admin') })).json();
    expect(typeof r.result).toBe('number');
    expect(rec.nondeterministic.map((c: { name: string }) => c.name)).toContain('time.now_ns');
  });
  it('an evaluation error is 500 WRIT_EVAL_FAILED, still logged', async () => {
    const r = await svc.app.inject({ method: 'POST', url: '/v1/data/bad/k8s', headers: auth('enforcer'), payload: { input: { version: 1 } } });
    expect(r.statusCode).toBe(500);
    expect(r.json().code).toBe('WRIT_EVAL_FAILED');
    const rec = await svc.app.inject({ url: `/v1/decisions/${r.json().decision_id}`, headers: auth('admin') });
    expect(rec.statusCode).toBe(200);
  });
});

describe('admin routes', () => {
  it('GET /v1/policies lists the active version and history', async () => {
    const p = (await svc.app.inject({ url: '/v1/policies', headers: auth('admin') })).json();
    expect(p.active).toMatchObject({ revision: rev, pushed_by: 'writ (initial import)', source: 'git' });
    expect(p.active.bundle_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.history[0].revision).toBe(rev);
  });
  it('GET /v1/decisions/{id} is 404 for an unknown id', async () => {
    const r = await svc.app.inject({ url: '/v1/decisions/01234567-0000-7000-8000-000000000000', headers: auth('admin') });
    expect(r.statusCode).toBe(404);
  });
  it('GET /metrics has decision latency by entrypoint and outcome, log write latency and the active revision', async () => {
    const text = (await svc.app.inject({ url: '/metrics', headers: auth('admin') })).body;
    expect(text).toMatch(/writ_decision_duration_seconds_bucket\{le="[^"]+",entrypoint="writ\/postgres\/decision",outcome="allow"\}/);
    expect(text).toMatch(/writ_log_write_duration_seconds_count \d+/);
    expect(text).toContain(`writ_policy_active_info{revision="${rev}"`);
    expect(text).toMatch(/writ_failures_total\{kind="evaluation_error"\} [1-9]/);
  });
});

describe('the log fails closed', () => {
  it('a writer thread that dies answers 503 WRIT_LOG_UNAVAILABLE, and nothing after it is answered', async () => {
    const s = await open({ policiesDir: policyDir({ 'p.rego': 'package writ.postgres\n\ndecision := {"allow": true}\n' }) });
    try {
      const ok = await s.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input: pgInput() } });
      expect(ok.statusCode).toBe(200);
      await s.logWriter.terminate(); // as a crash of the writer thread would
      for (let i = 0; i < 2; i++) {
        const r = await s.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input: pgInput() } });
        expect(r.statusCode).toBe(503);
        expect(r.json().code).toBe('WRIT_LOG_UNAVAILABLE');
        expect(r.json()).not.toHaveProperty('allow');
      }
      expect((await s.app.inject('/ready')).statusCode).toBe(503);
    } finally {
      await s.close();
    }
  });

  it('a log that cannot be written answers 503 WRIT_LOG_UNAVAILABLE and /ready turns 503', async () => {
    // The table goes away underneath the writer thread: its next INSERT fails inside SQLite.
    svc.logStore.db.exec('ALTER TABLE decisions RENAME TO decisions_gone');
    const r = await decide(pgInput());
    expect(r.statusCode).toBe(503);
    expect(r.json().code).toBe('WRIT_LOG_UNAVAILABLE');
    expect(r.json()).not.toHaveProperty('allow');
    const again = await svc.app.inject({ method: 'POST', url: '/v1/data/writ/postgres/decision', headers: auth('enforcer'), payload: {} });
    expect(again.statusCode).toBe(503);
    const ready = await svc.app.inject('/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().problems).toContain('the decision log cannot be written');
  });
});
