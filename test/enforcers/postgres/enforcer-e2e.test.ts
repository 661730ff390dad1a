// The PostgreSQL enforcer end to end: real psql and node-postgres through writ to the real PostgreSQL on
// 127.0.0.1:5432, tokens from a loopback OIDC issuer, decisions from the shipped policies/postgres.rego.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecisionClient, inProcessTransport } from '../../../enforcers/common/index.ts';
import { Registry } from 'prom-client';
import { createSchema, direct, dropSchema, pgClient, psql, startHarness, type Harness } from './harness.ts';

let h: Harness;
let schema: string;
// A CI job whose repository owns the test schema (the policy's ci_schemas_by_repository): reads and writes it only.
let reader: string;
// A service principal in db-writers; the harness's database is not production, so its writes are not held.
let writer: string;
// A user in pii-readers: sees emails and card numbers unmasked.
let analyst: string;

beforeAll(async () => {
  schema = await createSchema();
  h = await startHarness({ ciSchema: schema });
  reader = await h.token([], { sub: 'reader-job' });
  writer = await h.token(['db-writers'], { sub: 'writer-app', kind: 'service_principal' });
  analyst = await h.token(['db-readers', 'pii-readers'], { sub: 'analyst', kind: 'user' });
});
afterAll(async () => {
  await h?.stop();
  if (schema) await dropSchema(schema);
});

const lastDecision = () => h.log.at(-1)!;

describe('psql through writ', () => {
  it('allows a select, masks the email column and emails elsewhere; the decision names the principal and policy', async () => {
    const r = await psql(h.port, reader, `select id, name, email, note from ${schema}.people order by id`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Alice');
    expect(r.stdout).not.toContain('alice@example.com');
    expect(r.stdout).not.toContain('bob.smith@example.org');
    expect(r.stdout).toMatch(/\*{5}@\*+e\.com/);
    expect(r.stdout).toContain('reach bob at [REDACTED]');
    const d = lastDecision();
    expect(d.input.action).toMatchObject({ kind: 'statement', sql: { operation: 'select', text: `select id, name, email, note from ${schema}.people order by id` } });
    expect(d.input.principal).toMatchObject({ id: 'ci:reader-job', type: 'ci_job', groups: [], claims: { repository: 'writ-tests/app' } });
    expect(d.input.resource.name).toBe('test-db');
    expect(d.decision).toMatchObject({ allow: true, provenance: { revision: 'working-tree' } });
    expect(h.log.some((x) => x.input.action.kind === 'connect' && x.decision.allow)).toBe(true);
  });

  it('column rules hold under an alias: the result column is traced to its table column', async () => {
    const r = await psql(h.port, reader, `select phone as p, email as contact, upper(name) as n from ${schema}.people where id = 1`);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('415 555 0100');
    expect(r.stdout).toMatch(/\+\* \*{3} \*{3} 0100/); // the phone rule's partial strategy (no detector would catch it)
    expect(r.stdout).toMatch(/\*{5}@\*+e\.com/); // the email column rule (partial), not the email detector's [REDACTED]
    expect(r.stdout).toContain('ALICE');
    // Without the lookup only result names count: the aliased phone would pass (why it is on by default).
    const names = await startHarness({ ciSchema: schema, config: { resolveSourceColumns: false } });
    try {
      const n = await psql(names.port, await names.token([]), `select phone as p from ${schema}.people where id = 1`);
      expect(n.stdout).toContain('+1 415 555 0100');
    } finally {
      await names.stop();
    }
  });

  it('a pii-reader sees emails unmasked; the decision carries no mask', async () => {
    const r = await psql(h.port, analyst, `select email, note from ${schema}.people order by id`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('alice@example.com');
    expect(r.stdout).toContain('reach bob at bob@corp.example');
    expect(lastDecision().input.principal).toMatchObject({ type: 'user', groups: ['db-readers', 'pii-readers'] });
    expect(lastDecision().decision).toMatchObject({ allow: true, mask: [] });
  });

  it("a CI job may not touch another schema: denied by the ci_schema rule, nothing runs", async () => {
    const r = await psql(h.port, reader, `select count(*) from information_schema.tables; select * from public.writ_not_mine`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`ERROR:\\s+42501: writ: permission denied by policy: ci_schema: CI job ci:reader-job has its schema ${schema}; it may not use public\\.writ_not_mine`));
    const own = await psql(h.port, reader, `insert into ${schema}.people values (40, 'Job', 'job@example.com', ''); delete from ${schema}.people where id = 40`);
    expect(own.stderr).toBe('');
    expect(own.stdout).toContain('DELETE 1');
  });

  it('denies DROP TABLE with 42501 and the policy reasons naming the rule; the table stays', async () => {
    const r = await psql(h.port, writer, `DROP TABLE ${schema}.people`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR:\s+42501: writ: permission denied by policy: destructive_ddl: DROP is forbidden through writ/);
    expect(r.stderr).toMatch(/DETAIL:\s+decision [0-9a-f-]{36} \(policy revision working-tree\)/);
    expect(lastDecision().input.action.sql.operation).toBe('drop');
    const n = await direct((c) => c.query(`select count(*)::int as n from ${schema}.people`));
    expect(n.rows[0].n).toBe(2);
  });

  it('refuses a whole multi-statement query when one statement is denied (nothing runs), one decision per statement', async () => {
    const before = h.log.length;
    const r = await psql(h.port, writer, `insert into ${schema}.people values (9, 'Eve', 'eve@example.com', ''); DELETE FROM ${schema}.people`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unbounded_write: DELETE without WHERE is forbidden (statement effect 'delete_without_where')");
    const stmts = h.log.slice(before).filter((x) => x.input.action.kind === 'statement');
    expect(stmts.map((x) => x.input.action.sql.operation)).toEqual(['insert', 'delete']);
    const n = await direct((c) => c.query(`select count(*)::int as n from ${schema}.people where id = 9`));
    expect(n.rows[0].n).toBe(0);
  });

  it('refuses an expired token with FATAL 28000 and a re-authenticate message', async () => {
    const expired = await h.token([], { iatOffset: -7200, expiresIn: 600 });
    const r = await psql(h.port, expired, 'select 1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FATAL:\s+writ: .*expired.*re-authenticate/);
    await expect(pgClient(h.port, expired)).rejects.toMatchObject({ code: '28000' });
  });

  it('refuses a connection the policy denies, before any upstream connection', async () => {
    // A CI job of a repository that owns no schema, in no granting group.
    const nobody = await h.token(['marketing'], { repository: 'writ-tests/other' });
    const r = await psql(h.port, nobody, 'select 1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FATAL:\s+writ: connection denied by policy: no_grant: no grant covers this action/);
    await expect(pgClient(h.port, nobody)).rejects.toMatchObject({ code: '42501' });
    expect(h.enforcer.finished.at(-1)!.stats).toBeUndefined(); // never reached the relay (no upstream connection)
  });
});

describe('transactions', () => {
  it('a denied statement inside a transaction leaves it failed, as PostgreSQL would; the session goes on', async () => {
    const c = await pgClient(h.port, writer);
    try {
      await c.query('BEGIN');
      await c.query(`insert into ${schema}.people values (20, 'Tx', 'tx@example.com', '')`);
      await expect(c.query(`TRUNCATE ${schema}.people`)).rejects.toMatchObject({ code: '42501' });
      // The upstream transaction really failed: PostgreSQL itself refuses the next statement.
      await expect(c.query('select 1')).rejects.toMatchObject({ code: '25P02' });
      await c.query('ROLLBACK');
      const r = await c.query(`select count(*)::int as n from ${schema}.people where id = 20`);
      expect(r.rows[0].n).toBe(0);
      // A denial outside a transaction leaves the session idle and usable.
      await expect(c.query(`DROP TABLE ${schema}.people`)).rejects.toMatchObject({ code: '42501' });
      expect((await c.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await c.end();
    }
  });
});

describe('extended protocol (node-postgres)', () => {
  it('decides at Parse and again at Execute with the bound parameters; masks the rows', async () => {
    const c = await pgClient(h.port, reader);
    try {
      const before = h.log.length;
      const r = await c.query(`select name, email from ${schema}.people where id = $1`, [2]);
      expect(r.rows).toHaveLength(1);
      expect(r.rows[0].name).toBe('Bob');
      expect(r.rows[0].email).not.toContain('bob.smith');
      expect(r.rows[0].email).toMatch(/\*/);
      const phases = h.log.slice(before).map((x) => [x.input.action.sql.phase, x.input.action.sql.parameters]);
      expect(phases).toEqual([
        ['parse', undefined],
        ['execute', ['2']],
      ]);
    } finally {
      await c.end();
    }
  });

  it('denies at Parse with 42501, then the connection keeps serving', async () => {
    const c = await pgClient(h.port, writer);
    try {
      const before = h.log.length;
      await expect(c.query(`DELETE FROM ${schema}.people WHERE id = $1`, ['x'])).rejects.toMatchObject({ code: '22P02' });
      // A denied Parse is never executed: one decision (phase parse), no execute decision.
      const mark = h.log.length;
      await expect(c.query({ text: `TRUNCATE ${schema}.people`, values: [], queryMode: 'extended' } as never)).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('destructive_ddl: TRUNCATE is forbidden') });
      expect(h.log.slice(mark).map((x) => x.input.action.sql.phase)).toEqual(['parse']);
      expect(h.log.slice(before, mark).map((x) => x.input.action.sql.phase)).toEqual(['parse', 'execute']);
      const r = await c.query('select $1::int + 1 as n', [41]);
      expect(r.rows).toEqual([{ n: 42 }]);
      const n = await direct((d) => d.query(`select count(*)::int as n from ${schema}.people`));
      expect(n.rows[0].n).toBe(2);
    } finally {
      await c.end();
    }
  });

  it('a named prepared statement is parsed once and decided again at every Execute', async () => {
    const c = await pgClient(h.port, reader);
    try {
      const before = h.log.length;
      for (const id of [1, 2]) {
        const r = await c.query({ name: 'person-by-id', text: `select name, email from ${schema}.people where id = $1`, values: [id] });
        expect(r.rows[0].email).not.toMatch(/^(alice|bob\.smith)@/);
      }
      expect(h.log.slice(before).map((x) => [x.input.action.sql.phase, x.input.action.sql.parameters ?? null])).toEqual([
        ['parse', null],
        ['execute', ['1']],
        ['execute', ['2']],
      ]);
    } finally {
      await c.end();
    }
  });

  it('refuses a Parse holding more than one statement', async () => {
    const c = await pgClient(h.port, reader);
    try {
      await expect(c.query('select $1::int; select 2', [1])).rejects.toMatchObject({ code: '42601', message: expect.stringContaining('exactly one statement') });
      expect((await c.query('select $1::text as t', ['ok'])).rows).toEqual([{ t: 'ok' }]);
    } finally {
      await c.end();
    }
  });

  it('refuses binary-format results of a masked column with a clear error', async () => {
    const c = await pgClient(h.port, reader);
    try {
      await expect(c.query({ text: `select email from ${schema}.people where id = $1`, values: [1], binary: true } as never)).rejects.toMatchObject({
        code: '0A000',
        message: expect.stringContaining('"email" must be masked but is requested in binary format'),
      });
      expect((await c.query(`select id from ${schema}.people where id = $1`, [1])).rows).toEqual([{ id: 1 }]);
    } finally {
      await c.end();
    }
  });
});

describe('COPY', () => {
  it('COPY FROM STDIN by a writer runs; COPY TO STDOUT under masking is refused (its output is not row-shaped)', async () => {
    const w = await psql(h.port, writer, `\\copy ${schema}.people (id, name, email, note) from stdin`, [], {}, '127.0.0.1', '30\tZed\tzed@example.com\tx\n31\tYan\tyan@example.com\ty\n\\.\n');
    expect(w.stderr).toBe('');
    expect(w.stdout).toContain('COPY 2');
    const n = await direct((c) => c.query(`delete from ${schema}.people where id in (30, 31)`));
    expect(n.rowCount).toBe(2);
    const r = await psql(h.port, reader, `copy ${schema}.people to stdout`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR:\s+42501: writ: COPY output cannot be masked/);
  });
});

describe('production (resource attributes environment: production)', () => {
  it('a service principal write is held for db-owners (refused here: no approvals wired); reads and human writes run', async () => {
    const prod = await startHarness({ ciSchema: schema, config: { resourceAttributes: { environment: 'production' } } });
    try {
      const app = await prod.token(['db-writers'], { sub: 'orders-app', kind: 'service_principal' });
      const r = await psql(prod.port, app, `update ${schema}.people set note = 'held' where id = 1`);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`ERROR:\\s+42501: writ: this statement needs approval \\(production_write: a write by a service principal to production table ${schema}\\.people; approvers: db-owners\\), but approvals are not wired in this enforcer`),
      );
      expect(prod.log.at(-1)!.input.resource).toEqual({ name: 'test-db', kind: 'postgres', attributes: { environment: 'production' } });
      expect(prod.log.at(-1)!.decision.require_approval).toEqual({ approvers: ['db-owners'], reason: `production_write: a write by a service principal to production table ${schema}.people`, ttl: '15m' });
      const read = await psql(prod.port, app, `select name from ${schema}.people where id = 1`);
      expect(read.stdout).toContain('Alice');
      const human = await psql(prod.port, await prod.token(['db-writers'], { sub: 'bob', kind: 'user' }), `update ${schema}.people set note = 'by bob' where id = 2`);
      expect(human.stderr).toBe('');
      const n = await direct((c) => c.query(`select id, note from ${schema}.people order by id`));
      expect(n.rows.map((x) => x.note)).toEqual(['call me', 'by bob']);
    } finally {
      await prod.stop();
    }
  });
});

describe('fail closed', () => {
  it('a database that cannot be reached: FATAL saying so, after the token and the connect decision', async () => {
    const down = await startHarness({ config: { upstream: { host: '127.0.0.1', port: 1, user: 'postgres', database: 'test' } } });
    try {
      const r = await psql(down.port, await down.token(['db-readers']), 'select 1');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/FATAL:\s+writ: cannot open the database connection: upstream 127\.0\.0\.1:1: connect ECONNREFUSED/);
      expect(down.log.map((x) => x.input.action.kind)).toEqual(['connect']);
      expect(down.enforcer.finished.filter((f) => f.internal)).toEqual([]);
    } finally {
      await down.stop();
    }
  });

  it('denies every statement when the decider throws, and connections when it times out', async () => {
    let calls = 0;
    const throwing = await startHarness({
      decider: {
        decide: async (input: any) => {
          calls++;
          if (input.action.kind === 'connect') return { allow: true, reasons: [], decision_id: 'c1' };
          throw new Error('decision service exploded');
        },
      },
    });
    const slow = await startHarness({
      decider: createDecisionClient({ transport: inProcessTransport(() => new Promise((r) => setTimeout(() => r({ allow: true, reasons: [] }), 1000))), timeoutMs: 100, registry: new Registry() }),
    });
    try {
      const r = await psql(throwing.port, await throwing.token(['db-readers']), 'select 1');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ERROR:\s+42501: writ: decision failed \(decision service exploded\); denied/);
      expect(calls).toBe(2);
      const s = await psql(slow.port, await slow.token(['db-readers']), 'select 1');
      expect(s.code).toBe(2);
      expect(s.stderr).toMatch(/FATAL:\s+writ: decision service unavailable \(timeout after 100 ms\); denied/);
    } finally {
      await throwing.stop();
      await slow.stop();
    }
  });
});
