// Approvals through an enforcer that `writ serve` started from writ.yaml (decisions in process, approvals over the
// service's own /v1/approvals): a service principal's write to a production table is held, the real psql waits
// with a notice, `writ approvals approve` by a db-owner lets it run once, and each step is in the decision log.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestIssuer } from '../../identity/issuer.ts';
import { createSchema, direct, dropSchema, psql } from './harness.ts';
import { callerToken, root, run, serve, stop, type Started } from './writ-cli.ts';


let dir: string;
let issuer: TestIssuer;
let service: Started | undefined;
let port: number;
let serviceUrl: string;
let adminFile: string;
let schema: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'writ-serve-apr-'));
  issuer = await TestIssuer.start();
  await issuer.addKey('k1', 'ES256');
  schema = await createSchema();
  cpSync(join(root, 'policies'), join(dir, 'policies'), { recursive: true });
  // The resource is production (its attributes): the shipped policy holds service principals' writes to it for db-owners.
  writeFileSync(
    join(dir, 'writ.yaml'),
    `policies:\n  dir: ${join(dir, 'policies')}\n` +
      `identity:\n  issuers:\n    - name: apps\n      preset: oidc\n      issuer: ${issuer.base}\n      audiences: [writ]\n      jwks_url: ${issuer.jwksUrl}\n      principal_type: service_principal\n      groups_claim: groups\n` +
      `enforcers:\n  postgres:\n    - name: ledger\n      listen: 127.0.0.1:0\n      upstream: {host: 127.0.0.1, port: 5432, user: postgres, database: test}\n      resource: {name: ledger-db, attributes: {environment: production}}\n`,
  );
  service = await serve(join(dir, 'writ.yaml'), join(dir, 'data'));
  port = Number(/enforcer ledger listening on 127\.0\.0\.1:(\d+)/.exec(service!.stderr())![1]);
  serviceUrl = /writ serve: listening on (http:\/\/\S+?);/.exec(service!.stderr())![1]!;
  adminFile = join(dir, 'admin.token');
  writeFileSync(adminFile, callerToken(join(dir, 'data'), 'admin'), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await stop(service?.p);
  await issuer?.stop();
  if (schema) await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

async function pendingId(): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const l = await run(['approvals', 'list', '--service', serviceUrl, '--token-file', adminFile, '--json']);
    if (l.code === 0) {
      const body = JSON.parse(l.stdout) as { approvals?: Array<{ id: string }> } | Array<{ id: string }>;
      const list = Array.isArray(body) ? body : (body.approvals ?? []);
      if (list.length) return list[0]!.id;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no pending approval appeared');
}

describe('approvals through a serve-started enforcer', () => {
  it("a service principal's production write waits for db-owners; approved, it runs once; the log holds every step", { timeout: 60_000 }, async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.sign({ iss: issuer.base, aud: 'writ', sub: 'ledger-app', groups: ['db-writers'], iat: now, exp: now + 600 }, 'k1');
    const update = psql(port, token, `update ${schema}.people set note = 'approved through serve' where id = 2`);
    const id = await pendingId();
    // Nothing ran while it waits.
    const before = await direct((c) => c.query(`select note from ${schema}.people where id = 2`));
    expect(before.rows[0].note).not.toBe('approved through serve');
    const ok = await run(['approvals', 'approve', id, '--as', 'olga@example.com', '--groups', 'db-owners', '--reason', 'ticket 42', '--service', serviceUrl, '--token-file', adminFile]);
    expect(ok.code, ok.stderr).toBe(0);
    const r = await update;
    expect(r.stderr).toContain(`waiting for approval ${id}`);
    expect(r.stdout).toContain('UPDATE 1');
    const after = await direct((c) => c.query(`select note from ${schema}.people where id = 2`));
    expect(after.rows[0].note).toBe('approved through serve');

    // The log: the held decision, the approval, and the decision that let the statement run (with the approval as evidence).
    const exported = await run(['audit', 'export', '--data-dir', join(dir, 'data')]);
    expect(exported.code, exported.stderr).toBe(0);
    const records = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const updates = records.filter((x) => x.kind === 'decision' && x.action?.sql?.operation === 'update');
    expect(updates.map((x) => Boolean(x.result?.require_approval))).toEqual([true, false]);
    expect(updates[1]!.result.allow).toBe(true);
    expect(updates[1]!.input.context.approvals[0]).toMatchObject({ id, status: 'approved', approved_by: ['olga@example.com'] });
    expect(records.some((x) => JSON.stringify(x).includes(id) && x.kind !== 'decision')).toBe(true);
    const verify = await run(['audit', 'verify', '--data-dir', join(dir, 'data')]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});
