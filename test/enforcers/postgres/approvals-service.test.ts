// Approvals end to end with the real decision service (shipped policies, its /v1/approvals routes, its log):
// psql through writ holds a service principal's write to a production table (and DDL by a machine identity) for
// db-owners, an approver runs `writ approvals approve`, the statement runs once.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecisionClient, httpTransport } from '../../../enforcers/common/index.ts';
import type { Service } from '../../../src/service/service.ts';
import { open, tempDir, tokens } from '../../service/helpers.ts';
import { createSchema, direct, dropSchema, psql, startHarness, type Harness } from './harness.ts';

const repo = resolve(import.meta.dirname, '../../..');
let svc: Service;
let url: string;
let adminFile: string;
let h: Harness;
let schema: string;

beforeAll(async () => {
  svc = await open({ dataDir: tempDir('writ-pg-apr-') });
  await svc.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(svc.app.server.address() as { port: number }).port}`;
  adminFile = join(tempDir('writ-pg-apr-tok-'), 'admin.token');
  writeFileSync(adminFile, tokens.admin, { mode: 0o600 });
  h = await startHarness({
    decider: createDecisionClient({ transport: httpTransport({ url, token: tokens.enforcer }), registry: new Registry(), timeoutMs: 3000 }),
    config: { resourceAttributes: { environment: 'production' }, approvals: { url, token: tokens.enforcer, pollMs: 50 } },
  });
  schema = await createSchema();
}, 50_000);
afterAll(async () => {
  await h?.stop();
  await svc?.close();
  if (schema) await dropSchema(schema);
});

function writ(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [join(repo, 'bin/writ.js'), ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('close', (code) => done({ code: code ?? -1, out, err }));
  });
}

async function pendingId(): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const r = await fetch(`${url}/v1/approvals?status=pending`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    const body = (await r.json()) as { approvals?: Array<{ id: string }> } | Array<{ id: string }>;
    const list = Array.isArray(body) ? body : (body.approvals ?? []);
    if (list.length) return list[0]!.id;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error('no pending approval appeared');
}

describe('approvals through the real service', () => {
  it("a service principal's write to a production table waits; `writ approvals approve` by db-owners lets it run once", { timeout: 50_000 }, async () => {
    const app = await h.token(['db-writers'], { sub: 'orders-app', kind: 'service_principal' });
    const run = psql(h.port, app, `update ${schema}.people set note = 'approved change' where id = 1`);
    const id = await pendingId();
    const self = await writ(['approvals', 'approve', id, '--as', 'apps:orders-app', '--groups', 'db-owners', '--service', url, '--token-file', adminFile]);
    expect(self.code).toBe(1); // the requester never approves their own command
    expect(self.err).toContain('WRIT_APPROVAL_SELF');
    const outsider = await writ(['approvals', 'approve', id, '--as', 'mallory@example.com', '--groups', 'db-admins', '--service', url, '--token-file', adminFile]);
    expect(outsider.code).toBe(1); // approvers come from the policy: db-owners only
    expect(outsider.err).toContain('WRIT_APPROVAL_NOT_APPROVER');
    const ok = await writ(['approvals', 'approve', id, '--as', 'alice@example.com', '--groups', 'db-owners', '--reason', 'planned data fix', '--service', url, '--token-file', adminFile]);
    expect(ok.code, ok.err).toBe(0);
    const r = await run;
    expect(r.stderr).toContain(`waiting for approval ${id}`);
    expect(r.stderr).toContain('by db-owners (production_write: a write by a service principal to production table');
    expect(r.stdout).toContain('UPDATE 1');
    const t = await direct((c) => c.query(`select note from ${schema}.people where id = 1`));
    expect(t.rows[0].note).toBe('approved change');
    // The same approval cannot run the command again.
    const again = await fetch(`${url}/v1/approvals/${id}/consume`, { method: 'POST', headers: { authorization: `Bearer ${tokens.enforcer}` } });
    expect(again.status).toBe(409);
  });

  it('DDL by a machine identity waits too; a rejection by an approver is a denial naming who and why', { timeout: 50_000 }, async () => {
    const admin = await h.token(['db-admins'], { sub: 'migrations', kind: 'service_principal' });
    const run = psql(h.port, admin, `create table ${schema}.rejected (id int)`);
    const id = await pendingId();
    const no = await writ(['approvals', 'reject', id, '--as', 'bob@example.com', '--groups', 'db-owners', '--reason', 'freeze week', '--service', url, '--token-file', adminFile]);
    expect(no.code, no.err).toBe(0);
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`ERROR:\\s+42501: writ: approval ${id} rejected by bob@example.com: freeze week; denied`));
    expect(r.stderr).toContain('by db-owners (machine_ddl: DDL by a non-human identity)');
    const t = await direct((c) => c.query(`select to_regclass('${schema}.rejected') is null as absent`));
    expect(t.rows[0].absent).toBe(true);
  });
});
