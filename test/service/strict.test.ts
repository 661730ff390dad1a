// policies.strict_builtin_errors: the served policy compiles and loads with OPA's strict builtin errors.
// Default: a failing builtin is undefined (deny "undefined"); strict: the evaluation fails and the deny
// names eval_builtin_error / eval_type_error; /v1/data answers 500 WRIT_EVAL_FAILED as for any evaluation error.
import { describe, it, expect, afterEach } from 'vitest';
import { join } from 'node:path';
import { open, auth, pgInput, policyDir, testConfig, tempDir } from './helpers.ts';
import type { Service } from '../../src/service/service.ts';
import { validateConfig } from '../../src/service/config.ts';
import { dataDirLayout, loadReplayKey, type DecisionEntry } from '../../src/audit/record.ts';
import { explainDecision } from '../../src/audit/explain.ts';

const policy = {
  'pg.rego': `package writ.postgres

decision := {"allow": true, "reasons": [sprintf("ratio %v", [r])]} if {
  r := 1 / count(input.action.sql.relations)
}

num := to_number(input.resource.name)
`,
};

let svc: Service | undefined;
afterEach(async () => {
  await svc?.close();
  svc = undefined;
});

async function start(strict?: boolean) {
  const dataDir = tempDir();
  svc = await open({ dataDir, policiesDir: policyDir(policy), raw: strict === undefined ? {} : { policies: { strict_builtin_errors: strict } } });
  return { svc, dataDir };
}

const decide = (s: Service, input: unknown) => s.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input } });
const record = async (s: Service, id: string) => (await s.app.inject({ url: `/v1/decisions/${id}`, headers: auth('admin') })).json();

describe('policies.strict_builtin_errors config', () => {
  it('defaults to false and must be a boolean (the error names the key)', () => {
    expect(testConfig().policies.strict_builtin_errors).toBe(false);
    expect(testConfig({ raw: { policies: { strict_builtin_errors: true } } }).policies.strict_builtin_errors).toBe(true);
    expect(() => validateConfig({ policies: { strict_builtin_errors: 'yes' } })).toThrow(/policies\.strict_builtin_errors: must be true or false/);
  });
});

describe('default mode', () => {
  it('a failing builtin is undefined: deny "undefined", data path undefined', async () => {
    const { svc } = await start();
    const r = await decide(svc, pgInput());
    expect(r.statusCode).toBe(200);
    const d = r.json();
    expect(d.allow).toBe(false);
    expect(d.reasons[0]).toMatch(/undefined/);
    const data = await svc.app.inject({ method: 'POST', url: '/v1/data/writ/postgres/num', headers: auth('enforcer'), payload: { input: pgInput() } });
    expect(data.statusCode).toBe(200);
    expect(data.json().result).toBeUndefined();
  });
});

describe('strict mode', () => {
  it('an evaluation error is a logged deny naming the error code; explain rebuilds the strict bundle', async () => {
    const { svc, dataDir } = await start(true);
    const ok = await decide(svc, pgInput({ action: { kind: 'statement', sql: { text: 'select 1', operation: 'select', effects: ['read'], relations: ['a', 'b'] } } }));
    expect(ok.json()).toMatchObject({ allow: true, reasons: ['ratio 0.5'] });
    const r = await decide(svc, pgInput());
    expect(r.statusCode).toBe(200);
    const d = r.json();
    expect(d.allow).toBe(false);
    expect(d.reasons).toHaveLength(1);
    expect(d.reasons[0]).toMatch(/^policy evaluation failed \(writ\/postgres\/decision\): pg\.rego:\d+:\d+: eval_builtin_error: div: divide by zero$/);
    const rec = await record(svc, d.decision_id);
    expect(rec.result).toEqual({ allow: false, reasons: d.reasons });
    expect(rec.policy).toEqual(d.provenance);

    const x = await explainDecision(rec as DecisionEntry, { repo: join(dataDir, dataDirLayout.policyRepo), replayKey: loadReplayKey(join(dataDir, dataDirLayout.replayKey)) });
    expect(x.same_result).toBe(true);
    expect(x.bundle_sha256).toBe(d.provenance.bundle_sha256);
  });

  it('POST /v1/data answers an evaluation error as 500 WRIT_EVAL_FAILED with the error, logged', async () => {
    const { svc } = await start(true);
    const r = await svc.app.inject({ method: 'POST', url: '/v1/data/writ/postgres/num', headers: auth('enforcer'), payload: { input: pgInput() } });
    expect(r.statusCode).toBe(500);
    const b = r.json();
    expect(b.code).toBe('WRIT_EVAL_FAILED');
    expect(b.message).toMatch(/eval_builtin_error: to_number: invalid syntax|eval_(builtin|type)_error: to_number/);
    expect(typeof b.decision_id).toBe('string');
    const rec = await record(svc, b.decision_id);
    expect(JSON.stringify(rec.result)).toMatch(/to_number/);
  });

  it('the strict and default builds of one revision have different bundle hashes', async () => {
    const a = (await start(false)).svc.store.active.current()!;
    await svc!.close();
    svc = undefined;
    const b = (await start(true)).svc.store.active.current()!;
    expect(a.bundle_sha256).not.toBe(b.bundle_sha256);
  });
});
