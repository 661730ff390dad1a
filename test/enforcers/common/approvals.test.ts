// The approvals wait against a tiny approvals service on loopback (node:http): approved, rejected,
// expired, timeouts, outages, garbage, wrong bindings, and the held command running once.
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseTtl, waitForApproval, type ApprovalWaitOptions, type PendingInfo, type ApprovalView } from '../../../enforcers/common/approvals.ts';
import type { EnforcerDecision } from '../../../enforcers/common/contract.ts';
import { FAIL_CLOSED_METRIC } from '../../../enforcers/common/metrics.ts';
import { deadPort, json, serve, type TestServer } from './servers.ts';

const decision: EnforcerDecision = {
  allow: false,
  reasons: ['writes to production need approval'],
  require_approval: { approvers: ['db-owners'], reason: 'production write', ttl: '10m' },
  decision_id: 'dec-1',
  provenance: { revision: 'r', bundle_sha256: 'b' },
};

/** The contract's view of a request, plus whether the held command already ran. */
type Approval = ApprovalView & { consumed?: boolean };

/** A minimal approvals service following README's contract; `script` changes the approval per poll. */
function approvalsService(script: (a: Approval, polls: number) => void, opts: { token?: string; hook?: (req: IncomingMessage, res: ServerResponse) => boolean } = {}) {
  const approvals = new Map<string, Approval>();
  let polls = 0;
  let n = 0;
  return async () => {
    const s = await serve((req, res, body) => {
      if (opts.hook?.(req, res)) return;
      if (req.headers.authorization !== `Bearer ${opts.token ?? 'tok'}`) return json(res, 401, { code: 'WRIT_UNAUTHENTICATED' });
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'POST' && url.pathname === '/v1/approvals') {
        const { decision_id } = JSON.parse(body);
        const a: Approval = { id: `apr-${++n}`, decision_id, status: 'pending', expires_at: new Date(Date.now() + 600_000).toISOString() };
        approvals.set(a.id, a);
        return json(res, 201, a);
      }
      const m = /^\/v1\/approvals\/([^/]+)(\/consume)?$/.exec(url.pathname);
      const a = m && approvals.get(decodeURIComponent(m[1]));
      if (!a) return json(res, 404, { code: 'WRIT_NOT_FOUND' });
      if (req.method === 'GET' && !m![2]) {
        script(a, ++polls);
        const { consumed: _c, ...view } = a;
        return json(res, 200, view);
      }
      if (req.method === 'POST' && m![2]) {
        if (a.status !== 'approved' || a.consumed) return json(res, 409, { code: 'WRIT_APPROVAL_CONSUMED' });
        a.consumed = true;
        const { consumed: _c, ...view } = a;
        return json(res, 200, view);
      }
      json(res, 405, {});
    });
    servers.push(s);
    return { s, approvals, polls: () => polls };
  };
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function failCount(reg: Registry, reason: string): Promise<number> {
  const m = await reg.getSingleMetric(FAIL_CLOSED_METRIC)?.get();
  return m?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

const base = (url: string, reg: Registry, over: Partial<ApprovalWaitOptions> = {}): ApprovalWaitOptions => ({ url, token: 'tok', decision, pollMs: 20, requestTimeoutMs: 300, registry: reg, ...over });

describe('approvals wait', () => {
  it('parses ttls', () => {
    expect(parseTtl('10m')).toBe(600_000);
    expect(parseTtl('1h30m')).toBe(5_400_000);
    expect(parseTtl('250ms')).toBe(250);
    expect(parseTtl('1.5s')).toBe(1500);
    for (const bad of ['', '10', 'ten minutes', '-5m', '5 m']) expect(parseTtl(bad), bad).toBeUndefined();
  });

  it('creates the request, tells the enforcer once, waits for approval, and consumes it once', async () => {
    const reg = new Registry();
    const { s, approvals } = await approvalsService((a, polls) => {
      if (polls === 3) Object.assign(a, { status: 'approved', approved_by: ['alice@corp'] });
    })();
    const told: PendingInfo[] = [];
    const r = await waitForApproval(base(s.url, reg, { onPending: (p) => told.push(p) }));
    expect(r).toEqual({ approved: true, id: 'apr-1', decision_id: 'dec-1', approved_by: ['alice@corp'] });
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ id: 'apr-1', url: `${s.url}/v1/approvals/apr-1`, approvers: ['db-owners'], reason: 'production write' });
    expect(JSON.parse(s.requests[0].body)).toEqual({ decision_id: 'dec-1' });
    expect(s.requests.map((q) => `${q.method} ${q.url}`)).toEqual(['POST /v1/approvals', 'GET /v1/approvals/apr-1', 'GET /v1/approvals/apr-1', 'GET /v1/approvals/apr-1', 'POST /v1/approvals/apr-1/consume']);
    expect(approvals.get('apr-1')!.consumed).toBe(true);
    // The same approval cannot run a second command.
    const again = await waitForApproval(base(s.url, reg, { decision: { ...decision, require_approval: { ...decision.require_approval!, id: 'apr-1' } } }));
    expect(again).toMatchObject({ approved: false, status: 'failed' });
    expect(again.approved === false && again.message).toBe('writ: approval apr-1 was already used or is no longer approved (HTTP 409 WRIT_APPROVAL_CONSUMED); denied');
  });

  it('keeps the service URL path prefix', async () => {
    const reg = new Registry();
    let seen = '';
    const s = await serve((q, res) => {
      seen = q.url!;
      json(res, q.method === 'POST' ? 201 : 200, { id: 'p-1', decision_id: 'dec-1', status: 'rejected', expires_at: new Date(Date.now() + 9e5).toISOString() });
    });
    servers.push(s);
    expect(await waitForApproval(base(`${s.url}/writ`, reg))).toMatchObject({ status: 'rejected' });
    expect(seen).toBe('/writ/v1/approvals/p-1');
  });

  it('uses an approval id the service created with the decision (no POST)', async () => {
    const reg = new Registry();
    const { s, approvals } = await approvalsService((a) => Object.assign(a, { status: 'approved', approved_by: ['bob'] }))();
    approvals.set('pre-7', { id: 'pre-7', decision_id: 'dec-1', status: 'pending', expires_at: new Date(Date.now() + 60_000).toISOString() });
    const r = await waitForApproval(base(s.url, reg, { decision: { ...decision, require_approval: { ...decision.require_approval!, id: 'pre-7' } } }));
    expect(r).toMatchObject({ approved: true, id: 'pre-7' });
    expect(s.requests[0].method).toBe('GET');
  });

  it('rejection and expiry are denials (not failures)', async () => {
    const reg = new Registry();
    const rej = await approvalsService((a, p) => p === 2 && Object.assign(a, { status: 'rejected', rejected_by: 'carol', reason: 'not in a change window' }))();
    expect(await waitForApproval(base(rej.s.url, reg))).toEqual({ approved: false, status: 'rejected', id: 'apr-1', message: 'writ: approval apr-1 rejected by carol: not in a change window; denied' });
    const exp = await approvalsService((a) => Object.assign(a, { status: 'expired' }))();
    const e = await waitForApproval(base(exp.s.url, reg));
    expect(e).toMatchObject({ approved: false, status: 'expired' });
    expect(e.approved === false && e.message).toMatch(/^writ: approval apr-1 expired at .* without a decision; denied$/);
    // Past expires_at while still "pending" is expired too (the enforcer does not trust a stale pending).
    const stale = await approvalsService((a) => Object.assign(a, { expires_at: new Date(Date.now() - 1000).toISOString() }))();
    expect(await waitForApproval(base(stale.s.url, reg))).toMatchObject({ status: 'expired' });
    expect(await failCount(reg, 'approval_timeout')).toBe(0);
  });

  it('times out as a denial when nobody decides', async () => {
    const reg = new Registry();
    const { s } = await approvalsService(() => undefined)();
    const t0 = Date.now();
    const r = await waitForApproval(base(s.url, reg, { timeoutMs: 200 }));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(r).toEqual({ approved: false, status: 'timeout', id: 'apr-1', message: 'writ: approval apr-1 not granted within 200 ms; denied' });
    expect(await failCount(reg, 'approval_timeout')).toBe(1);
  });

  it('the ttl bounds the wait when no timeout is given', async () => {
    const reg = new Registry();
    const { s } = await approvalsService(() => undefined)();
    const r = await waitForApproval(base(s.url, reg, { decision: { ...decision, require_approval: { ...decision.require_approval!, ttl: '150ms' } } }));
    expect(r).toMatchObject({ status: 'timeout', message: 'writ: approval apr-1 not granted within 150 ms; denied' });
    const bad = await waitForApproval(base(s.url, reg, { decision: { ...decision, require_approval: { ...decision.require_approval!, ttl: 'soon' } } }));
    expect(bad).toMatchObject({ status: 'failed', message: 'writ: approval ttl "soon" is not a duration; denied' });
  });

  it('fails closed when the service is down, never answers, errors, or answers garbage', async () => {
    const reg = new Registry();
    const down = await waitForApproval(base(await deadPort(), reg));
    expect(down).toMatchObject({ status: 'failed', message: 'writ: approvals service unavailable (connection refused, 3 failures in a row); denied' });
    const silent = await serve(() => undefined);
    servers.push(silent);
    expect(await waitForApproval(base(silent.url, reg, { requestTimeoutMs: 50 }))).toMatchObject({ status: 'failed', message: 'writ: approvals service unavailable (no answer in time, 3 failures in a row); denied' });
    const err = await serve((_q, res) => json(res, 500, 'oops'));
    servers.push(err);
    expect(await waitForApproval(base(err.url, reg))).toMatchObject({ status: 'failed', message: 'writ: approvals service unavailable (HTTP 500, 3 failures in a row); denied' });
    const garbage = await serve((_q, res) => json(res, 201, '{"id": "apr-'));
    servers.push(garbage);
    expect(await waitForApproval(base(garbage.url, reg))).toMatchObject({ status: 'failed', message: 'writ: approvals service answered malformed JSON (HTTP 201); denied' });
    expect(await failCount(reg, 'approval_unavailable')).toBe(3);
    expect(await failCount(reg, 'approval_malformed')).toBe(1);
  });

  it('rides out one transient error between polls', async () => {
    const reg = new Registry();
    let gets = 0;
    const { s } = await approvalsService((a, p) => p >= 2 && Object.assign(a, { status: 'approved', approved_by: ['alice'] }), {
      hook: (req, res) => {
        if (req.method === 'GET' && ++gets === 2) {
          json(res, 503, { code: 'WRIT_LOG_UNAVAILABLE' });
          return true;
        }
        return false;
      },
    })();
    expect(await waitForApproval(base(s.url, reg))).toMatchObject({ approved: true });
  });

  it('refuses answers outside the contract: unknown status, another decision, wrong id, approved without approvers, 404, 401', async () => {
    const reg = new Registry();
    const cases: Array<[(a: Approval) => void, RegExp]> = [
      [(a) => Object.assign(a, { status: 'maybe' }), /unknown status "maybe"/],
      [(a) => Object.assign(a, { decision_id: 'dec-OTHER' }), /belongs to decision dec-OTHER, not dec-1/],
      [(a) => Object.assign(a, { id: 'apr-999' }), /asked for approval apr-1, got apr-999/],
      [(a) => Object.assign(a, { status: 'approved' }), /approved without approved_by/],
      [(a) => Object.assign(a, { expires_at: 'later' }), /expires_at is not a time/],
    ];
    for (const [mut, re] of cases) {
      const { s } = await approvalsService(mut)();
      const r = await waitForApproval(base(s.url, reg));
      expect(r.approved).toBe(false);
      expect(r.approved === false && r.message).toMatch(/^writ: approvals service answered outside the contract \(.*\); denied$/);
      expect(r.approved === false && r.message).toMatch(re);
    }
    expect(await failCount(reg, 'approval_malformed')).toBe(cases.length);
    const { s } = await approvalsService(() => undefined)();
    expect(await waitForApproval(base(s.url, reg, { decision: { ...decision, require_approval: { ...decision.require_approval!, id: 'ghost' } } }))).toMatchObject({
      status: 'failed',
      message: 'writ: approval ghost is unknown to the service (HTTP 404); denied',
    });
    expect(await waitForApproval(base(s.url, reg, { token: 'wrong' }))).toMatchObject({ status: 'failed', message: 'writ: approvals service refused to create the request (HTTP 401 WRIT_UNAUTHENTICATED); denied' });
    expect(await waitForApproval(base(s.url, reg, { decision: { ...decision, decision_id: undefined } }))).toMatchObject({ status: 'failed' });
  });

  it('ends the wait as a denial when the client goes away', async () => {
    const reg = new Registry();
    const { s } = await approvalsService(() => undefined)();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await waitForApproval(base(s.url, reg, { signal: ac.signal }));
    expect(r).toMatchObject({ approved: false, status: 'cancelled', message: 'writ: approval wait cancelled (the client went away); denied' });
  });
});
