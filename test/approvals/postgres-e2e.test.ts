// End to end: psql through the PostgreSQL enforcer, decided by the real service (over HTTP) with the
// shipped policy; a service principal's write to a production table waits in the service's approvals store until
// a db-owners approver acts with `writ approvals`, then runs once. Needs the PostgreSQL on 127.0.0.1:5432 the
// enforcer tests use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import type { Service } from '../../src/service/service.ts';
import { createDecisionClient, httpTransport } from '../../enforcers/common/decision-client.ts';
import { createSchema, direct, dropSchema, psql, startHarness, type Harness } from '../enforcers/postgres/harness.ts';
import { repoPolicies, tempDir } from '../service/helpers.ts';
import { approvalRecords, expectLogVerifies, openApprovals, tok } from './helpers.ts';
import { parseExact } from '../../src/audit/json.ts';
import type { ChainedRecord } from '../../src/audit/chain.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let svc: Service;
let dataDir: string;
let url: string;
let h: Harness;
let schema: string;
let job: string;
let adminFile: string;

beforeAll(async () => {
  ({ svc, dataDir } = await openApprovals({ policiesDir: repoPolicies }));
  await svc.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(svc.app.server.address() as { port: number }).port}`;
  h = await startHarness({
    decider: createDecisionClient({ transport: httpTransport({ url, token: tok.enforcer }), registry: new Registry(), timeoutMs: 5000 }),
    // The enforcer's resource attributes mark this database production (the policy's production_write rule).
    config: { resourceAttributes: { environment: 'production' }, approvals: { url, token: tok.enforcer, pollMs: 50 } },
  });
  schema = await createSchema();
  job = await h.token(['db-writers'], { sub: 'billing-app', kind: 'service_principal' });
  adminFile = join(tempDir('writ-apr-tok-'), 'admin.token');
  writeFileSync(adminFile, tok.admin + '\n', { mode: 0o600 });
});
afterAll(async () => {
  await h?.stop();
  await svc?.close();
  if (schema) await dropSchema(schema);
});

function writ(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [join(repo, 'bin/writ.js'), ...args, '--service', url, '--token-file', adminFile], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('error', fail);
    p.on('close', (code) => done({ code: code ?? -1, out, err }));
  });
}

/** The pending request for this SQL text, once the enforcer has created it. */
async function pendingFor(sql: string): Promise<{ id: string; requester: string; decision_id: string; action: { sql: { text: string } } }> {
  for (let i = 0; i < 200; i++) {
    const r = await svc.app.inject({ method: 'GET', url: '/v1/approvals?status=pending', headers: { authorization: `Bearer ${tok.admin}` } });
    const a = (r.json().approvals as Array<{ id: string; requester: string; decision_id: string; action: { sql: { text: string } } }>).find((x) => x.action?.sql?.text === sql);
    if (a) return a;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`no pending approval for ${sql}`);
}

function decisionsFor(sql: string): ChainedRecord[] {
  const out: ChainedRecord[] = [];
  for (const row of svc.logStore.scan(1) as Iterable<{ text: string }>) {
    const r = parseExact(row.text) as ChainedRecord & { action?: { sql?: { text?: string } } };
    if (r.kind === 'decision' && r.action?.sql?.text === sql) out.push(r);
  }
  return out;
}

describe('psql, the enforcer and the service approvals', { timeout: 90_000 }, () => {
  it("a service principal's write to a production table waits for a db-owners approver, then runs once", async () => {
    const sql = `update ${schema}.people set note = 'refund 12' where id = 2`;
    const run = psql(h.port, job, sql);
    const a = await pendingFor(sql);
    expect(a.requester).toBe('apps:billing-app');
    // The job's own identity cannot approve it, nor can someone outside the policy's approver groups.
    const self = await writ(['approvals', 'approve', a.id, '--as', a.requester, '--groups', 'db-owners']);
    expect(self.code).toBe(1);
    expect(self.err).toContain('WRIT_APPROVAL_SELF');
    const outsider = await writ(['approvals', 'approve', a.id, '--as', 'mallory@example.com', '--groups', 'db-approvers']);
    expect(outsider.code).toBe(1);
    expect(outsider.err).toContain('WRIT_APPROVAL_NOT_APPROVER');
    const ok = await writ(['approvals', 'approve', a.id, '--as', 'alice@example.com', '--groups', 'db-owners', '--reason', 'refund 12']);
    expect(ok.code, ok.err).toBe(0);
    const r = await run;
    expect(r.stderr).toContain(`writ approvals approve ${a.id}`);
    expect(r.stderr).toContain(`by db-owners (production_write: a write by a service principal to production table ${schema}.people)`);
    expect(r.stdout).toContain('UPDATE 1');
    expect(r.code).toBe(0);
    const t = await direct((c) => c.query(`select note from ${schema}.people where id = 2`));
    expect(t.rows[0].note).toBe('refund 12');

    // The log: the holding decision, the approval's steps, then the allowing decision citing the approval.
    const ds = decisionsFor(sql);
    expect(ds.map((d) => [(d.result as { allow: boolean }).allow, !!(d.result as { require_approval?: unknown }).require_approval])).toEqual([
      [false, true],
      [true, false],
    ]);
    expect(ds[0]!.decision_id).toBe(a.decision_id);
    expect((ds[1]!.input as { context: { approvals: unknown[] } }).context.approvals).toEqual([{ id: a.id, decision_id: a.decision_id, status: 'approved', approved_by: ['alice@example.com'] }]);
    const steps = approvalRecords(svc).filter((x) => x.approval_id === a.id);
    expect(steps.map((x) => x.step)).toEqual(['created', 'refused', 'refused', 'approved', 'consumed']);
    expect(steps.every((x) => x.seq > ds[0]!.seq && x.seq < ds[1]!.seq)).toBe(true);
    await expectLogVerifies(svc, dataDir);
  });

  it('a rejection is a denial; the rows are never deleted', async () => {
    const sql = `delete from ${schema}.people where id = 1`;
    const run = psql(h.port, job, sql);
    const a = await pendingFor(sql);
    const no = await writ(['approvals', 'reject', a.id, '--as', 'bob@example.com', '--groups', 'db-owners', '--reason', 'not during the freeze']);
    expect(no.code, no.err).toBe(0);
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`writ: approval ${a.id} rejected by bob@example.com: not during the freeze; denied`);
    const t = await direct((c) => c.query(`select count(*)::int as n from ${schema}.people where id = 1`));
    expect(t.rows[0].n).toBe(1);
  });
});
