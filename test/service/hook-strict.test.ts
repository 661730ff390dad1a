// The pre-receive hook compiles and tests a push in the mode the service activates it in
// (policies.strict_builtin_errors): a push whose Rego tests only fail under strict builtin errors is
// refused by a strict service (and the running version stays), and accepted by a default one.
import { describe, it, expect, afterEach } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, auth, pgInput, policyDir, tokens, run, gitIn, tempDir } from './helpers.ts';
import type { Service } from '../../src/service/service.ts';

const seed = {
  'pg.rego': 'package writ.postgres\n\ndecision := {"allow": true, "reasons": ["seed"]}\n',
};

// `1 / 0` is undefined by default (so `not ratio(0)` holds) and an eval_builtin_error when strict.
const ratio = 'package writ.ratio\n\nratio(n) := 1 / n\n';
const ratioTest = 'package writ.ratio_test\n\nimport data.writ.ratio\n\ntest_zero_is_undefined if {\n\tnot ratio.ratio(0)\n}\n';

let svc: Service | undefined;
afterEach(async () => {
  await svc?.close();
  svc = undefined;
});

async function serveAndClone(strict: boolean) {
  svc = await open({ dataDir: tempDir(), policiesDir: policyDir(seed), raw: { policies: { strict_builtin_errors: strict } } });
  const base = (await svc.app.listen({ host: '127.0.0.1', port: 0 })) + '/git/policies.git';
  const clone = join(tempDir('writ-clone-'), 'policies');
  const r = await run('git', ['clone', base.replace('http://', `http://pusher:${tokens.pusher}@`), clone]);
  expect(r.code, r.stderr).toBe(0);
  return { s: svc, clone };
}

async function pushRatio(clone: string) {
  writeFileSync(join(clone, 'ratio.rego'), ratio);
  writeFileSync(join(clone, 'ratio_test.rego'), ratioTest);
  writeFileSync(join(clone, 'pg.rego'), readFileSync(join(clone, 'pg.rego'), 'utf8').replace('"seed"', '"pushed"'));
  await gitIn(clone, 'add', '.');
  await gitIn(clone, 'commit', '-qm', 'ratio with a test that relies on 1/0 being undefined');
  return gitIn(clone, 'push', 'origin', 'main');
}

const decide = async (s: Service) => (await s.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input: pgInput() } })).json();

describe('pre-receive hook and policies.strict_builtin_errors', () => {
  it('a strict service refuses a push whose tests error only under strict builtin errors; the running version stays', async () => {
    const { s, clone } = await serveAndClone(true);
    const before = await decide(s);
    expect(before.reasons).toEqual(['seed']);
    const r = await pushRatio(clone);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^remote: ratio_test\.rego:5:1: rego_test_failure: data\.writ\.ratio_test\.test_zero_is_undefined errored \(.*eval_builtin_error: div: divide by zero/m);
    expect(r.stderr).toContain('with strict builtin errors, as the service runs');
    expect(r.stderr).toContain('pre-receive hook declined');
    const after = await decide(s);
    expect(after.reasons).toEqual(['seed']);
    expect(after.provenance).toEqual(before.provenance);
  });

  it('a default service accepts the same push and activates it', async () => {
    const { s, clone } = await serveAndClone(false);
    const r = await pushRatio(clone);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/remote: writ: [0-9a-f]{12} compiled and its tests pass; activating/);
    const d = await decide(s);
    expect(d.reasons).toEqual(['pushed']);
    expect(d.provenance.revision).toBe((await gitIn(clone, 'rev-parse', 'HEAD')).stdout.trim());
  });
});
