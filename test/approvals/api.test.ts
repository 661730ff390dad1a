// The approvals API on the real service app (openService + inject): the whole life of a request,
// who may approve, rejection and expiry as denials, and every step as a verified log record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service/service.ts';
import { actionDigest } from '../../src/approvals/routes.ts';
import { as, approvalRecords, decide, expectLogVerifies, input, openApprovals } from './helpers.ts';

let svc: Service;
let dataDir: string;

beforeAll(async () => {
  ({ svc, dataDir } = await openApprovals());
});
afterAll(async () => svc?.close());

const req = (method: 'GET' | 'POST', url: string, who: 'admin' | 'enforcer' | 'other', payload?: unknown) =>
  svc.app.inject({ method, url, headers: as(who), ...(payload !== undefined ? { payload: payload as object } : {}) });

async function pending(over: Parameters<typeof decide>[1] = {}) {
  const d = await decide(svc, over);
  expect(d.require_approval).toBeDefined();
  const r = await req('POST', '/v1/approvals', 'enforcer', { decision_id: d.decision_id });
  expect(r.statusCode, r.body).toBe(201);
  return { d, a: r.json() };
}

const alice = { id: 'alice@corp', groups: ['staff', 'db-owners'] };

describe('approve, consume once', () => {
  it('runs the whole flow and logs every step', async () => {
    const { d, a } = await pending();
    expect(a).toMatchObject({ decision_id: d.decision_id, status: 'pending', consumed: false, requester: 'ci:deploy', approvers: ['db-owners', 'dba'], ttl: '15m', request_reason: 'write to production' });
    expect(a.id).toMatch(/^apr-/);
    expect(a.action_digest).toBe(actionDigest(input().action));
    expect(a.resource).toMatchObject({ name: 'orders-prod' });
    expect(Date.parse(a.expires_at) - Date.parse(a.created_at)).toBe(15 * 60_000);

    // Asking again for the same decision finds the same request.
    const again = await req('POST', '/v1/approvals', 'enforcer', { decision_id: d.decision_id });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(a.id);

    expect((await req('GET', `/v1/approvals/${a.id}`, 'enforcer')).json()).toMatchObject({ id: a.id, status: 'pending' });
    const list = await req('GET', '/v1/approvals?status=pending', 'admin');
    expect(list.statusCode).toBe(200);
    expect(list.json().approvals.map((x: { id: string }) => x.id)).toContain(a.id);

    // Consuming before approval is refused.
    const early = await req('POST', `/v1/approvals/${a.id}/consume`, 'enforcer');
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('WRIT_APPROVAL_NOT_APPROVED');

    const ok = await req('POST', `/v1/approvals/${a.id}/approve`, 'admin', { approver: alice, reason: 'change ticket 42' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', approved_by: ['alice@corp'], reason: 'change ticket 42' });
    expect((await req('GET', '/v1/approvals?status=pending', 'admin')).json().approvals.map((x: { id: string }) => x.id)).not.toContain(a.id);

    const c1 = await req('POST', `/v1/approvals/${a.id}/consume`, 'enforcer');
    expect(c1.statusCode).toBe(200);
    expect(c1.json()).toMatchObject({ id: a.id, decision_id: d.decision_id, status: 'approved', consumed: true, approved_by: ['alice@corp'] });
    const c2 = await req('POST', `/v1/approvals/${a.id}/consume`, 'enforcer');
    expect(c2.statusCode).toBe(409);
    expect(c2.json().code).toBe('WRIT_APPROVAL_CONSUMED');
    // A second approval of a used request is refused too.
    expect((await req('POST', `/v1/approvals/${a.id}/approve`, 'admin', { approver: alice })).json().code).toBe('WRIT_APPROVAL_NOT_PENDING');
    expect((await req('GET', '/v1/approvals?status=consumed', 'admin')).json().approvals.map((x: { id: string }) => x.id)).toContain(a.id);

    const recs = approvalRecords(svc).filter((r) => r.approval_id === a.id);
    expect(recs.map((r) => r.step)).toEqual(['created', 'approved', 'consumed']);
    for (const r of recs) {
      expect(r).toMatchObject({ kind: 'approval', request_decision_id: d.decision_id, requester: 'ci:deploy', resource: 'orders-prod', action_digest: a.action_digest, approvers: ['db-owners', 'dba'], expires_at: a.expires_at });
      expect(r.decision_id).not.toBe(d.decision_id);
    }
    expect(recs[0]).toMatchObject({ caller: 'pg-enforcer', ttl: '15m', request_reason: 'write to production' });
    expect(recs[1]).toMatchObject({ caller: 'admin-1', approver: alice, reason: 'change ticket 42' });
    expect(recs[2]).toMatchObject({ caller: 'pg-enforcer' });
    await expectLogVerifies(svc, dataDir);
  });
});

describe('races', () => {
  it('of ten concurrent consumes exactly one succeeds, and of two approvers exactly one decides', async () => {
    const { a } = await pending({ sql: 'update orders set n = 1 where id = 99' });
    const decisions = await Promise.all([
      req('POST', `/v1/approvals/${a.id}/approve`, 'admin', { approver: alice }),
      req('POST', `/v1/approvals/${a.id}/reject`, 'admin', { approver: { id: 'bob', groups: ['dba'] } }),
    ]);
    expect(decisions.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const winner = decisions[0].statusCode === 200 ? 'approved' : 'rejected';
    expect((await req('GET', `/v1/approvals/${a.id}`, 'admin')).json().status).toBe(winner);
    expect(approvalRecords(svc).filter((r) => r.approval_id === a.id).map((r) => r.step)).toEqual(['created', winner]);

    const { a: b } = await pending({ sql: 'update orders set n = 3 where id = 97' });
    expect((await req('POST', `/v1/approvals/${b.id}/approve`, 'admin', { approver: alice })).statusCode).toBe(200);
    const all = await Promise.all(Array.from({ length: 10 }, () => req('POST', `/v1/approvals/${b.id}/consume`, 'enforcer')));
    expect(all.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(all.filter((r) => r.statusCode === 409 && r.json().code === 'WRIT_APPROVAL_CONSUMED')).toHaveLength(9);
    expect(approvalRecords(svc).filter((r) => r.approval_id === b.id).map((r) => r.step)).toEqual(['created', 'approved', 'consumed']);
  });

  it('concurrent creates for one decision make one request', async () => {
    const d = await decide(svc, { sql: 'update orders set n = 2 where id = 98' });
    const rs = await Promise.all(Array.from({ length: 5 }, () => req('POST', '/v1/approvals', 'enforcer', { decision_id: d.decision_id })));
    expect(rs.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(rs.map((r) => r.json().id)).size).toBe(1);
    expect(approvalRecords(svc).filter((r) => r.request_decision_id === d.decision_id && r.step === 'created')).toHaveLength(1);
  });
});

describe('who may approve', () => {
  it('refuses the requester, in any letter case, even in an approver group', async () => {
    const { a } = await pending();
    for (const id of ['ci:deploy', 'CI:Deploy']) {
      const r = await req('POST', `/v1/approvals/${a.id}/approve`, 'admin', { approver: { id, groups: ['db-owners'] } });
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'WRIT_APPROVAL_SELF' });
      expect(r.json().message).toContain('cannot approve their own request');
    }
    expect((await req('GET', `/v1/approvals/${a.id}`, 'admin')).json().status).toBe('pending');
    const refused = approvalRecords(svc).filter((r) => r.approval_id === a.id && r.step === 'refused');
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({ attempted: 'approve', refusal: 'WRIT_APPROVAL_SELF', approver: { id: 'ci:deploy', groups: ['db-owners'] } });
  });

  it('refuses an approver outside the groups, for approve and reject', async () => {
    const { a } = await pending();
    for (const verb of ['approve', 'reject']) {
      const r = await req('POST', `/v1/approvals/${a.id}/${verb}`, 'admin', { approver: { id: 'mallory', groups: ['db-readers', 'DB-OWNERS'] } });
      expect(r.statusCode).toBe(403);
      expect(r.json().code).toBe('WRIT_APPROVAL_NOT_APPROVER');
      expect(r.json().message).toBe(`mallory is in none of the approver groups of approval ${a.id} (db-owners, dba)`);
    }
    const c = await req('POST', `/v1/approvals/${a.id}/consume`, 'enforcer');
    expect(c.statusCode).toBe(409);
    // Another listed group works.
    expect((await req('POST', `/v1/approvals/${a.id}/approve`, 'admin', { approver: { id: 'bob', groups: ['dba'] } })).json()).toMatchObject({ status: 'approved', approved_by: ['bob'] });
    await expectLogVerifies(svc, dataDir);
  });

  it('checks roles, bodies, and what a decision allows', async () => {
    const d = await decide(svc);
    expect((await req('POST', '/v1/approvals', 'admin', { decision_id: d.decision_id })).statusCode).toBe(403);
    expect((await req('GET', '/v1/approvals', 'enforcer')).statusCode).toBe(403);
    expect((await svc.app.inject({ method: 'GET', url: '/v1/approvals' })).statusCode).toBe(401);
    expect((await req('POST', '/v1/approvals', 'enforcer', {})).statusCode).toBe(400);
    expect((await req('POST', '/v1/approvals', 'enforcer', { decision_id: 'no-such' })).statusCode).toBe(404);
    // A decision made for another enforcer cannot be turned into its request.
    expect((await req('POST', '/v1/approvals', 'other', { decision_id: d.decision_id })).json().code).toBe('WRIT_FORBIDDEN');
    const read = await decide(svc, { operation: 'select' });
    const nr = await req('POST', '/v1/approvals', 'enforcer', { decision_id: read.decision_id });
    expect(nr.statusCode).toBe(409);
    expect(nr.json().code).toBe('WRIT_APPROVAL_NOT_REQUIRED');
    const a = (await req('POST', '/v1/approvals', 'enforcer', { decision_id: d.decision_id })).json();
    expect((await req('POST', `/v1/approvals/${a.id}/approve`, 'enforcer', { approver: alice })).statusCode).toBe(403);
    expect((await req('POST', `/v1/approvals/${a.id}/approve`, 'admin', { approver: { id: 'alice' } })).statusCode).toBe(400);
    expect((await req('GET', `/v1/approvals/${a.id}`, 'other')).statusCode).toBe(403);
    await req('POST', `/v1/approvals/${a.id}/approve`, 'admin', { approver: alice });
    expect((await req('POST', `/v1/approvals/${a.id}/consume`, 'other')).statusCode).toBe(403);
    const wrong = await req('POST', `/v1/approvals/${a.id}/consume`, 'enforcer', { action_digest: actionDigest({ kind: 'statement', sql: { text: 'drop table orders' } }) });
    expect(wrong.json().code).toBe('WRIT_APPROVAL_MISMATCH');
    expect((await req('POST', `/v1/approvals/${a.id}/consume`, 'enforcer', { action_digest: a.action_digest })).statusCode).toBe(200);
    expect((await req('GET', '/v1/approvals/apr-nope', 'admin')).statusCode).toBe(404);
    expect((await req('GET', '/v1/approvals?status=maybe', 'admin')).statusCode).toBe(400);
  });
});

describe('rejection and expiry are denials', () => {
  it('a rejected request cannot be consumed or approved', async () => {
    const { a } = await pending();
    const r = await req('POST', `/v1/approvals/${a.id}/reject`, 'admin', { approver: alice, reason: 'not during the freeze' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'rejected', rejected_by: 'alice@corp', reason: 'not during the freeze' });
    expect(r.json().approved_by).toBeUndefined();
    expect((await req('POST', `/v1/approvals/${a.id}/consume`, 'enforcer')).json().code).toBe('WRIT_APPROVAL_NOT_APPROVED');
    expect((await req('POST', `/v1/approvals/${a.id}/approve`, 'admin', { approver: { id: 'bob', groups: ['dba'] } })).statusCode).toBe(409);
    const recs = approvalRecords(svc).filter((x) => x.approval_id === a.id);
    expect(recs.map((x) => x.step)).toEqual(['created', 'rejected']);
    expect(recs[1]).toMatchObject({ approver: alice, reason: 'not during the freeze', caller: 'admin-1' });
  });

  it('after its ttl a request reads expired, cannot be approved or consumed, and the expiry is logged', async () => {
    const { a } = await pending({ ttl: '300ms' });
    const { a: approvedThenLate } = await pending({ ttl: '300ms', sql: 'update orders set paid = false where id = 8' });
    await req('POST', `/v1/approvals/${approvedThenLate.id}/approve`, 'admin', { approver: alice });
    await new Promise((r) => setTimeout(r, 400));
    const g = (await req('GET', `/v1/approvals/${a.id}`, 'enforcer')).json();
    expect(g.status).toBe('expired');
    const ap = await req('POST', `/v1/approvals/${a.id}/approve`, 'admin', { approver: alice });
    expect(ap.statusCode).toBe(410);
    expect(ap.json().code).toBe('WRIT_APPROVAL_EXPIRED');
    // Approved in time but not used in time: the command is still denied.
    const c = await req('POST', `/v1/approvals/${approvedThenLate.id}/consume`, 'enforcer');
    expect(c.statusCode).toBe(410);
    expect(c.json().code).toBe('WRIT_APPROVAL_EXPIRED');
    const recs = approvalRecords(svc);
    expect(recs.filter((x) => x.approval_id === a.id).map((x) => x.step)).toEqual(['created', 'expired']);
    expect(recs.filter((x) => x.approval_id === approvedThenLate.id).map((x) => x.step)).toEqual(['created', 'approved', 'expired']);
    const exp = recs.find((x) => x.approval_id === a.id && x.step === 'expired')!;
    expect(exp).toMatchObject({ was: 'pending' });
    // Whoever saw it first recorded it: this read, or the service's sweep (every second).
    expect(['pg-enforcer', '(service)']).toContain(exp.caller);
    expect(recs.find((x) => x.approval_id === approvedThenLate.id && x.step === 'expired')).toMatchObject({ was: 'approved' });
  });

  it('expires requests nobody looks at, with their log record', async () => {
    const { a } = await pending({ ttl: '200ms' });
    await new Promise((r) => setTimeout(r, 1600));
    const rec = approvalRecords(svc).find((x) => x.approval_id === a.id && x.step === 'expired');
    expect(rec).toMatchObject({ caller: '(service)', was: 'pending' });
    expect((await req('GET', `/v1/approvals/${a.id}`, 'admin')).json().status).toBe('expired');
    await expectLogVerifies(svc, dataDir);
  });

  it('refuses to open a request for a decision older than its ttl', async () => {
    const d = await decide(svc, { ttl: '100ms' });
    await new Promise((r) => setTimeout(r, 150));
    const r = await req('POST', '/v1/approvals', 'enforcer', { decision_id: d.decision_id });
    expect(r.statusCode).toBe(410);
  });
});

describe('the log is the gate', () => {
  it('answers 503 and changes nothing when the step cannot be logged', async () => {
    const { svc: s2, dataDir: dd2 } = await openApprovals();
    try {
      const d = (await s2.app.inject({ method: 'POST', url: '/v1/decisions', headers: as('enforcer'), payload: { input: input() } })).json();
      const a = (await s2.app.inject({ method: 'POST', url: '/v1/approvals', headers: as('enforcer'), payload: { decision_id: d.decision_id } })).json();
      await s2.log.close();
      const r = await s2.app.inject({ method: 'POST', url: `/v1/approvals/${a.id}/approve`, headers: as('admin'), payload: { approver: alice } });
      expect(r.statusCode).toBe(503);
      expect(r.json().code).toBe('WRIT_LOG_UNAVAILABLE');
      expect((await s2.app.inject({ method: 'GET', url: `/v1/approvals/${a.id}`, headers: as('admin') })).json().status).toBe('pending');
      const d2 = await s2.app.inject({ method: 'POST', url: '/v1/approvals', headers: as('enforcer'), payload: { decision_id: 'x' } });
      expect(d2.statusCode).toBe(503);
    } finally {
      await s2.close();
    }
    expect(dd2).toBeTruthy();
  });
});
