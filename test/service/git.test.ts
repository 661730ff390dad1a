// End to end with the real git client against a server on port 0: clone, push good, broken and
// test-failing policies; pushes are authenticated and the pusher recorded.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, auth, pgInput, tokens, run, gitIn, tempDir } from './helpers.ts';
import type { Service } from '../../src/service/service.ts';

let svc: Service;
let base: string;
let clone: string;

beforeAll(async () => {
  svc = await open();
  base = (await svc.app.listen({ host: '127.0.0.1', port: 0 })) + '/git/policies.git';
  clone = join(tempDir('writ-clone-'), 'policies');
  const r = await run('git', ['clone', base.replace('http://', `http://pusher:${tokens.pusher}@`), clone]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => svc?.close());

const decision = async () => (await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input: pgInput() } })).json();
const head = async () => (await gitIn(clone, 'rev-parse', 'HEAD')).stdout.trim();

describe('git push to the hosted policy repository', () => {
  it('the clone holds the repository seeded from policies/, committed by writ', async () => {
    expect(readFileSync(join(clone, 'postgres.rego'), 'utf8')).toContain('package writ.postgres');
    const log = await gitIn(clone, 'log', '--format=%an <%ae>');
    expect(log.stdout.trim()).toBe('writ <writ@localhost>');
    expect((await decision()).provenance.revision).toBe(await head());
  });

  it('a good push is activated before git returns; decisions carry its commit and the pusher is recorded', async () => {
    const file = join(clone, 'postgres.rego');
    writeFileSync(file, readFileSync(file, 'utf8').replace('default readers := ["db-readers"]', 'default readers := ["db-readers", "analysts"]'));
    await gitIn(clone, 'commit', '-qam', 'analysts may read');
    const r = await gitIn(clone, 'push', 'origin', 'main');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/remote: writ: [0-9a-f]{12} compiled and its tests pass/);
    const commit = await head();
    const d = await svc.app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: auth('enforcer'),
      payload: { input: pgInput({ principal: { id: 'a', type: 'user', groups: ['analysts'] } }) },
    });
    expect(d.json()).toMatchObject({ allow: true, provenance: { revision: commit } });
    const rec = (await svc.app.inject({ url: `/v1/decisions/${d.json().decision_id}`, headers: auth('admin') })).json();
    expect(rec.policy.revision).toBe(commit);
    const p = (await svc.app.inject({ url: '/v1/policies', headers: auth('admin') })).json();
    expect(p.active).toMatchObject({ revision: commit, pushed_by: 'test-pusher', source: 'git' });
    expect(p.history).toHaveLength(2);
  });

  it('a broken push is refused with file:line:col diagnostics as remote: lines; the old version keeps serving', async () => {
    const before = (await decision()).provenance;
    writeFileSync(join(clone, 'lib', 'broken.rego'), 'package writ.lib.broken\n\nx := {\n');
    await gitIn(clone, 'add', '.');
    await gitIn(clone, 'commit', '-qm', 'broken');
    const r = await gitIn(clone, 'push', 'origin', 'main');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^remote: lib\/broken\.rego:\d+:\d+: rego_parse_error: /m);
    expect(r.stderr).toContain('pre-receive hook declined');
    expect((await decision()).provenance).toEqual(before);
    await gitIn(clone, 'reset', '-q', '--hard', 'origin/main');
  });

  it('a type error is refused with its location too', async () => {
    writeFileSync(join(clone, 'lib', 'typed.rego'), 'package writ.lib.typed\n\ny := upper(42)\n');
    await gitIn(clone, 'add', '.');
    await gitIn(clone, 'commit', '-qm', 'type error');
    const r = await gitIn(clone, 'push', 'origin', 'main');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^remote: lib\/typed\.rego:3:\d+: rego_type_error: /m);
    await gitIn(clone, 'reset', '-q', '--hard', 'origin/main');
  });

  it('a push whose Rego tests fail is refused, naming the test and its location', async () => {
    const before = (await decision()).provenance;
    writeFileSync(join(clone, 'extra_test.rego'), 'package writ.extra_test\n\nimport data.writ.postgres\n\ntest_everyone_is_admin if {\n\tpostgres.is_admin with input as {"principal": {"groups": []}}\n}\n');
    await gitIn(clone, 'add', '.');
    await gitIn(clone, 'commit', '-qm', 'failing test');
    const r = await gitIn(clone, 'push', 'origin', 'main');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^remote: extra_test\.rego:5:1: rego_test_failure: data\.writ\.extra_test\.test_everyone_is_admin failed/m);
    expect((await decision()).provenance).toEqual(before);
    await gitIn(clone, 'reset', '-q', '--hard', 'origin/main');
  });

  it('pushes need a pusher token: none is 401, an enforcer is 403, an admin may fetch but not push', async () => {
    const anon = await run('git', ['ls-remote', base]);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/Authentication failed|could not read Username/);
    const enforcer = await run('git', ['ls-remote', base.replace('http://', `http://x:${tokens.enforcer}@`)]);
    expect(enforcer.stderr).toMatch(/403/);
    const admin = base.replace('http://', `http://x:${tokens.admin}@`);
    expect((await run('git', ['ls-remote', admin])).code).toBe(0);
    writeFileSync(join(clone, 'note.rego'), 'package writ.note\n\nn := 1\n');
    await gitIn(clone, 'add', '.');
    await gitIn(clone, 'commit', '-qm', 'by admin');
    const push = await gitIn(clone, 'push', admin, 'main');
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/403/);
    await gitIn(clone, 'reset', '-q', '--hard', 'origin/main');
  });
});
