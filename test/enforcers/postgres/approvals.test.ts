// Statements that need a human's approval: the client gets a NoticeResponse saying what it waits for and where to
// approve, the enforcer waits (enforcers/common waitForApproval), and the held statement runs once when approved.
// The approvals API here is a loopback server speaking enforcers/common/README.md's REST contract, so the test sets
// the approver's answer exactly; approvals-service.test.ts runs the same flow against the real service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, serve, type TestServer } from '../common/servers.ts';
import net from 'node:net';
import { serializeClientMessage } from '../../../enforcers/postgres/protocol/index.ts';
import { createSchema, direct, dropSchema, pgClient, psql, startHarness, type Harness } from './harness.ts';
import type { ApprovalView } from '../../../enforcers/common/approvals.ts';

/** The contract's view of a request, plus whether the held command already ran. */
type Approval = ApprovalView & { consumed?: boolean };

let api: TestServer;
const approvals = new Map<string, Approval>();
let h: Harness;
let plain: Harness;
let schema: string;
// A service principal in db-writers: its writes to the harness's production database wait for db-owners.
let app: string;

beforeAll(async () => {
  api = await serve((req, res, body) => {
    const url = req.url ?? '';
    if (req.headers.authorization !== 'Bearer enforcer-token') return json(res, 401, { code: 'WRIT_UNAUTHENTICATED' });
    if (req.method === 'POST' && url === '/v1/approvals') {
      const { decision_id } = JSON.parse(body);
      const a: Approval = { id: `apr-${approvals.size + 1}`, decision_id, status: 'pending', expires_at: new Date(Date.now() + 60_000).toISOString() };
      approvals.set(a.id, a);
      return json(res, 201, a);
    }
    const m = /^\/v1\/approvals\/([^/]+)(\/consume)?$/.exec(url);
    const a = m && approvals.get(m[1]!);
    if (!a) return json(res, 404, { code: 'WRIT_NOT_FOUND' });
    if (req.method === 'GET') return json(res, 200, a);
    if (a.status !== 'approved' || a.consumed) return json(res, 409, { code: 'WRIT_APPROVAL_CONSUMED' });
    a.consumed = true;
    return json(res, 200, a);
  });
  const production = { resourceAttributes: { environment: 'production' } };
  h = await startHarness({ config: { ...production, approvals: { url: api.url, token: 'enforcer-token', pollMs: 50 } } });
  plain = await startHarness({ config: production });
  schema = await createSchema();
  app = await h.token(['db-writers'], { sub: 'orders-app', kind: 'service_principal' });
});
afterAll(async () => {
  await h?.stop();
  await plain?.stop();
  await api?.close();
  if (schema) await dropSchema(schema);
});

/** Waits until the enforcer has asked for an approval, then approves or rejects it as a human would. */
async function answerNext(how: { approve: string } | { reject: string; reason: string }): Promise<Approval> {
  const seen = approvals.size;
  for (let i = 0; i < 200 && approvals.size === seen; i++) await new Promise((r) => setTimeout(r, 25));
  const a = [...approvals.values()].at(-1)!;
  await new Promise((r) => setTimeout(r, 100));
  if ('approve' in how) Object.assign(a, { status: 'approved', approved_by: [how.approve] });
  else Object.assign(a, { status: 'rejected', rejected_by: how.reject, reason: how.reason });
  return a;
}

describe('approvals', () => {
  it("holds a service principal's write to a production table, tells psql where to approve, runs it once approved", async () => {
    const sql = `insert into ${schema}.people values (50, 'Held', 'held@example.com', '')`;
    const run = psql(h.port, app, sql);
    const a = await answerNext({ approve: 'alice@example.com' });
    const r = await run;
    expect(r.stderr).toMatch(
      new RegExp(`NOTICE:\\s+01000: writ: waiting for approval ${a.id} of this statement by db-owners \\(production_write: a write by a service principal to production table ${schema}\\.people\\)`),
    );
    expect(r.stderr).toContain(`writ approvals approve ${a.id}`);
    expect(r.stdout).toContain('INSERT 0 1');
    expect(r.code).toBe(0);
    // The approval was evidence for a second, allowing decision; the first one required approval.
    const mine = h.log.filter((x) => x.input.action.sql?.text === sql);
    expect(mine.map((x) => [x.decision.allow, !!x.decision.require_approval])).toEqual([
      [false, true],
      [true, false],
    ]);
    expect(mine[0]!.decision.decision_id).toBe(a.decision_id);
    expect(mine[1]!.input.context.approvals).toEqual([{ id: a.id, decision_id: a.decision_id, status: 'approved', approved_by: ['alice@example.com'] }]);
    expect(mine[0]!.input.principal).toMatchObject({ type: 'service_principal', groups: ['db-writers'] });
    expect(mine[0]!.decision.require_approval).toMatchObject({ approvers: ['db-owners'], ttl: '15m' });
    expect(mine[1]!.decision.reasons).toContain(`approved: production_write: a write by a service principal to production table ${schema}.people`);
    const t = await direct((c) => c.query(`select count(*)::int as n from ${schema}.people where id = 50`));
    expect(t.rows[0].n).toBe(1);
  });

  it('a rejection is a denial with who rejected and why', async () => {
    const run = psql(h.port, app, `update ${schema}.people set note = 'rejected' where id = 1`);
    await answerNext({ reject: 'bob@example.com', reason: 'not during the freeze' });
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR:\s+42501: writ: approval apr-\d+ rejected by bob@example.com: not during the freeze; denied/);
    const t = await direct((c) => c.query(`select note from ${schema}.people where id = 1`));
    expect(t.rows[0].note).toBe('call me');
  });

  it('a CancelRequest (psql Ctrl-C) ends the wait with 57014; the session goes on', async () => {
    const c = await pgClient(h.port, app);
    try {
      const seen = approvals.size;
      const q = c.query(`delete from ${schema}.people where id = 2`);
      q.catch(() => undefined); // asserted below; rejects as soon as the cancel lands
      for (let i = 0; i < 200 && approvals.size === seen; i++) await new Promise((r) => setTimeout(r, 25));
      const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
      const key = Buffer.alloc(4);
      key.writeInt32BE(secretKey);
      await new Promise<void>((resolve) => {
        const s = net.connect(h.port, '127.0.0.1', () => s.end(serializeClientMessage({ name: 'cancelRequest', processId: processID, secretKey: key })));
        s.on('close', () => resolve());
      });
      await expect(q).rejects.toMatchObject({ code: '57014', message: expect.stringContaining('approval wait for this statement cancelled by the client') });
      expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      const n = await direct((d) => d.query(`select count(*)::int as n from ${schema}.people where id = 2`));
      expect(n.rows[0].n).toBe(1);
    } finally {
      await c.end();
    }
  });

  it('without an approvals service configured, the statement is denied saying approvals are not wired', async () => {
    // DDL by a machine identity in db-admins is held too (machine_ddl), whatever the environment.
    const r = await psql(plain.port, await plain.token(['db-admins'], { sub: 'migrations', kind: 'service_principal' }), `create table ${schema}.never (id int)`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR:\s+42501: writ: this statement needs approval \(machine_ddl: DDL by a non-human identity; approvers: db-owners\), but approvals are not wired in this enforcer/);
    const t = await direct((c) => c.query(`select to_regclass('${schema}.never') is null as absent`));
    expect(t.rows[0].absent).toBe(true);
  });
});
