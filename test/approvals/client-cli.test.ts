// The approvals API on a real server (port 0), driven by the enforcers' own client (waitForApproval)
// and by `writ approvals` run as a child process, as an approver would run it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import type { Service } from '../../src/service/service.ts';
import { checkDecision, type EnforcerDecision } from '../../enforcers/common/contract.ts';
import { waitForApproval } from '../../enforcers/common/approvals.ts';
import { tempDir } from '../service/helpers.ts';
import { approvalRecords, expectLogVerifies, input, openApprovals, tok } from './helpers.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let svc: Service;
let dataDir: string;
let url: string;
let adminFile: string;
let enforcerFile: string;

beforeAll(async () => {
  ({ svc, dataDir } = await openApprovals());
  await svc.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = svc.app.server.address() as { port: number };
  url = `http://127.0.0.1:${addr.port}`;
  const d = tempDir('writ-apr-tok-');
  adminFile = join(d, 'admin.token');
  enforcerFile = join(d, 'enforcer.token');
  writeFileSync(adminFile, tok.admin + '\n', { mode: 0o600 });
  writeFileSync(enforcerFile, tok.enforcer + '\n', { mode: 0o600 });
});
afterAll(async () => svc?.close());

/** `writ ...` as a child process; asynchronous, since the server under test lives in this process. */
function writ(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [join(repo, 'bin/writ.js'), ...args], { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('error', fail);
    p.on('close', (code) => done({ code: code ?? -1, out, err }));
  });
}

async function decision(over: Parameters<typeof input>[0] = {}): Promise<EnforcerDecision> {
  const r = await fetch(`${url}/v1/decisions`, { method: 'POST', headers: { authorization: `Bearer ${tok.enforcer}`, 'content-type': 'application/json' }, body: JSON.stringify({ input: input(over) }) });
  expect(r.status).toBe(200);
  const c = checkDecision(await r.json());
  if (!('decision' in c)) throw new Error(`decision outside the contract: ${c.problem}`);
  expect(c.decision.require_approval).toBeDefined();
  return c.decision;
}

const svcFlags = () => ['--service', url, '--token-file', adminFile];

describe('waitForApproval against the real service, approvers using writ approvals', { timeout: 60_000 }, () => {
  it('approve: the held command runs once; the same approval cannot run it again', async () => {
    const d = await decision();
    const cli: Array<Promise<{ code: number; out: string; err: string }>> = [];
    const outcome = await waitForApproval({
      url,
      token: tok.enforcer,
      decision: d,
      pollMs: 50,
      // A failed approver step ends the wait in time to see why (instead of waiting out the 15 m ttl).
      timeoutMs: 30_000,
      registry: new Registry(),
      onPending: (info) => {
        cli.push(
          (async () => {
            const list = await writ(['approvals', 'list', ...svcFlags()]);
            expect(list.code, list.err).toBe(0);
            expect(list.out).toContain(info.id);
            expect(list.out).toContain('update orders set paid = true where id = 7');
            expect(list.out).toContain('requester ci:deploy');
            // The requester cannot approve it, nor can someone outside the groups.
            const self = await writ(['approvals', 'approve', info.id, '--as', 'ci:deploy', '--groups', 'db-owners', ...svcFlags()]);
            expect(self.code).toBe(1);
            expect(self.err).toContain('a requester cannot approve their own request (HTTP 403 WRIT_APPROVAL_SELF)');
            const outsider = await writ(['approvals', 'approve', info.id, '--as', 'mallory', '--groups', 'db-readers', ...svcFlags()]);
            expect(outsider.code).toBe(1);
            expect(outsider.err).toContain('WRIT_APPROVAL_NOT_APPROVER');
            const ok = await writ(['approvals', 'approve', info.id, '--as', 'alice@corp', '--groups', 'staff,db-owners', '--reason', 'ticket 42', ...svcFlags()]);
            expect(ok.code, ok.err).toBe(0);
            expect(ok.out).toContain(`${info.id}: approved by alice@corp`);
            return ok;
          })(),
        );
      },
    });
    await Promise.all(cli);
    expect(cli).toHaveLength(1);
    expect(outcome).toMatchObject({ approved: true, decision_id: d.decision_id, approved_by: ['alice@corp'] });
    const id = (outcome as { id: string }).id;

    const again = await waitForApproval({ url, token: tok.enforcer, decision: d, pollMs: 50, registry: new Registry() });
    expect(again).toMatchObject({ approved: false, status: 'failed' });
    expect((again as { message: string }).message).toContain('HTTP 409 WRIT_APPROVAL_CONSUMED');

    const steps = approvalRecords(svc).filter((r) => r.approval_id === id).map((r) => r.step);
    expect(steps).toEqual(['created', 'refused', 'refused', 'approved', 'consumed']);
    await expectLogVerifies(svc, dataDir);
    // After: the auditor's own tool agrees.
    const v = await writ(['audit', 'verify', '--data-dir', dataDir]);
    expect(v.code, v.out + v.err).toBe(0);
  });

  it('reject: the wait ends as a denial naming who rejected and why', async () => {
    const d = await decision({ sql: 'update orders set paid = false' });
    const outcome = await waitForApproval({
      url,
      token: tok.enforcer,
      decision: d,
      pollMs: 50,
      registry: new Registry(),
      onPending: (info) => void writ(['approvals', 'reject', info.id, '--as', 'bob', '--groups', 'dba', '--reason', 'no WHERE clause', ...svcFlags()]),
    });
    expect(outcome).toMatchObject({ approved: false, status: 'rejected' });
    expect((outcome as { message: string }).message).toMatch(/^writ: approval apr-\S+ rejected by bob: no WHERE clause; denied$/);
  });

  it('expiry: nobody answers within the ttl, the wait ends as a denial', async () => {
    const d = await decision({ ttl: '1s', sql: 'update orders set note = 1 where id = 3' });
    const outcome = await waitForApproval({ url, token: tok.enforcer, decision: d, pollMs: 100, timeoutMs: 5000, registry: new Registry() });
    expect(outcome).toMatchObject({ approved: false, status: 'expired' });
  });
});

describe('writ approvals: usage and errors', { timeout: 60_000 }, () => {
  it('has help for itself and each subcommand', async () => {
    const h = await writ(['approvals', '--help']);
    expect(h.code).toBe(0);
    for (const s of ['list', 'approve', 'reject']) expect(h.out).toContain(s);
    const a = await writ(['approvals', 'approve', '--help']);
    expect(a.code).toBe(0);
    expect(a.out).toContain('Usage: writ approvals approve <id> --as PRINCIPAL --groups G1,G2');
    expect((await writ(['--help'])).out).toContain('approvals');
  });

  it('says what is missing or wrong', async () => {
    const noAs = await writ(['approvals', 'approve', 'apr-1', '--groups', 'dba', ...svcFlags()]);
    expect(noAs.code).toBe(2);
    expect(noAs.err).toContain('--as <principal> is required');
    const noId = await writ(['approvals', 'reject', '--as', 'a', '--groups', 'dba', ...svcFlags()]);
    expect(noId.code).toBe(2);
    expect((await writ(['approvals', 'frob'])).err).toContain("unknown subcommand 'frob'");
    const noTok = await writ(['approvals', 'list', '--service', url], { WRIT_TOKEN_FILE: '' });
    expect(noTok.code).toBe(2);
    expect(noTok.err).toContain('--token-file <file> is required');
    const unknown = await writ(['approvals', 'approve', 'apr-missing', '--as', 'alice', '--groups', 'dba', ...svcFlags()]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no approval apr-missing (HTTP 404 WRIT_NOT_FOUND)');
    const wrongRole = await writ(['approvals', 'list', '--service', url, '--token-file', enforcerFile]);
    expect(wrongRole.code).toBe(1);
    expect(wrongRole.err).toContain('WRIT_FORBIDDEN');
    const down = await writ(['approvals', 'list', '--service', 'http://127.0.0.1:9', '--token-file', adminFile]);
    expect(down.code).toBe(2);
    expect(down.err).toContain('cannot reach the decision service at http://127.0.0.1:9');
    const json = await writ(['approvals', 'list', '--status', 'all', '--json', ...svcFlags()]);
    expect(json.code).toBe(0);
    expect(Array.isArray(JSON.parse(json.out).approvals)).toBe(true);
  });
});
