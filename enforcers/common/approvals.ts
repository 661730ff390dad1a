// Waiting for a human's approval (client side): create or find the approval request for a
// require_approval decision, poll GET /v1/approvals/{id} until it is approved, rejected or expired,
// then consume it (the held command runs once). Every failure along the way is a denial.
// The REST contract is in README.md ("Approvals REST contract").
import type { Registry } from 'prom-client';
import type { EnforcerDecision } from './contract.ts';
import { failClosedCounter } from './metrics.ts';
import { serviceUrl } from './decision-client.ts';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface ApprovalView {
  id: string;
  decision_id: string;
  status: ApprovalStatus;
  expires_at: string;
  approved_by?: string[];
  rejected_by?: string;
  reason?: string;
}

export interface PendingInfo {
  id: string;
  /** Where an approver acts (the API resource; `writ approvals approve <id>` uses it). */
  url: string;
  expires_at: string;
  approvers: string[];
  reason: string;
}

export interface ApprovalWaitOptions {
  /** Base URL of the decision service. */
  url: string;
  /** The enforcer's bearer token. */
  token: string;
  decision: EnforcerDecision;
  /** Longest wait (default: the decision's ttl, at most 1 hour). */
  timeoutMs?: number;
  /** Pause between polls (default 1000 ms). */
  pollMs?: number;
  /** Timeout of each request (default 2000 ms). */
  requestTimeoutMs?: number;
  /** Network errors and 5xx answers tolerated in a row before giving up (default 3): a service restart is not a denial. */
  maxConsecutiveErrors?: number;
  /** Told once the request exists, so the enforcer can tell its client what it waits for. */
  onPending?: (info: PendingInfo) => void;
  /** Aborted when the client goes away: the wait ends as a denial. */
  signal?: AbortSignal;
  registry?: Registry;
  fetch?: typeof fetch;
}

export type ApprovalOutcome =
  | { approved: true; id: string; decision_id: string; approved_by: string[] }
  | { approved: false; status: 'rejected' | 'expired' | 'timeout' | 'failed' | 'cancelled'; id?: string; message: string };

const MAX_WAIT_MS = 3_600_000;

/** Go-style durations as policies write them: "30s", "15m", "1h30m", "250ms". */
export function parseTtl(ttl: string): number | undefined {
  const m = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.exec(ttl.trim());
  if (!m) return undefined;
  let ms = 0;
  for (const [, n, u] of ttl.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[u as 'ms']!;
  return ms;
}

/** transient: worth retrying; otherwise `reason` is the fail-closed counter label and the message is shown as is. */
class WaitError extends Error {
  constructor(
    readonly transient: boolean,
    message: string,
    readonly reason = 'approval_refused',
  ) {
    super(message);
  }
}

const STATUSES = new Set(['pending', 'approved', 'rejected', 'expired']);

export async function waitForApproval(o: ApprovalWaitOptions): Promise<ApprovalOutcome> {
  const counter = failClosedCounter(o.registry);
  const f = o.fetch ?? fetch;
  const pollMs = o.pollMs ?? 1000;
  const requestTimeoutMs = o.requestTimeoutMs ?? 2000;
  const maxErrors = o.maxConsecutiveErrors ?? 3;
  const d = o.decision;
  let id: string | undefined = d.require_approval?.id;

  const deny = (status: 'rejected' | 'expired', message: string): ApprovalOutcome => ({ approved: false, status, id, message: `writ: ${message}; denied` });
  const fail = (status: 'timeout' | 'failed' | 'cancelled', reason: string, message: string): ApprovalOutcome => {
    counter.inc({ reason });
    return { approved: false, status, id, message: `writ: ${message}; denied` };
  };

  if (!d.require_approval || !d.decision_id) return fail('failed', 'approval_contract', 'approval wait without a logged require_approval decision');
  const ttl = parseTtl(d.require_approval.ttl);
  if (ttl === undefined || ttl <= 0) return fail('failed', 'approval_contract', `approval ttl ${JSON.stringify(d.require_approval.ttl)} is not a duration`);
  const waitMs = o.timeoutMs ?? Math.min(ttl, MAX_WAIT_MS);
  const deadline = Date.now() + waitMs;

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    o.signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => ac.abort(), Math.max(1, Math.min(requestTimeoutMs, deadline - Date.now())));
    try {
      let res: Response;
      try {
        res = await f(serviceUrl(o.url, path.slice(1)), {
          method,
          headers: { authorization: `Bearer ${o.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: ac.signal,
        });
      } catch (e) {
        const code = (e as { cause?: { code?: string } }).cause?.code;
        throw new WaitError(true, ac.signal.aborted ? 'no answer in time' : code === 'ECONNREFUSED' ? 'connection refused' : (code ?? (e as Error).message));
      }
      const text = await res.text().catch(() => {
        throw new WaitError(true, 'answer cut off');
      });
      if (res.status >= 500) throw new WaitError(true, `HTTP ${res.status}`);
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new WaitError(false, `approvals service answered malformed JSON (HTTP ${res.status})`, 'approval_malformed');
      }
      return { status: res.status, json };
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Runs a request, retrying transient failures (up to maxErrors in a row) until the deadline. */
  let errors = 0;
  async function reliably<T>(what: () => Promise<T>): Promise<T | ApprovalOutcome> {
    for (;;) {
      if (o.signal?.aborted) return fail('cancelled', 'approval_cancelled', `approval wait cancelled (the client went away)`);
      try {
        const r = await what();
        errors = 0;
        return r;
      } catch (e) {
        if (o.signal?.aborted) return fail('cancelled', 'approval_cancelled', `approval wait cancelled (the client went away)`);
        if (e instanceof WaitError && !e.transient) return fail('failed', e.reason, e.message);
        if (!(e instanceof WaitError) || ++errors >= maxErrors) {
          return fail('failed', 'approval_unavailable', `approvals service unavailable (${(e as Error).message}${errors >= maxErrors ? `, ${errors} failures in a row` : ''})`);
        }
        if (Date.now() + pollMs >= deadline) return fail('timeout', 'approval_timeout', `approval${id ? ` ${id}` : ''} not granted within ${fmtMs(waitMs)}`);
        await sleep(pollMs, o.signal);
      }
    }
  }

  const isOutcome = (v: unknown): v is ApprovalOutcome => typeof v === 'object' && v !== null && 'approved' in v;

  // 1. The request: created by the service with the decision, or asked for now (bound by the service to the logged decision).
  if (!id) {
    const r = await reliably(async () => {
      const a = await call('POST', '/v1/approvals', { decision_id: d.decision_id });
      if (a.status !== 201 && a.status !== 200) throw new WaitError(false, `approvals service refused to create the request (HTTP ${a.status}${errCode(a.json)})`);
      return checkView(a.json, d.decision_id!);
    });
    if (isOutcome(r)) return r;
    if (typeof r === 'string') return fail('failed', 'approval_malformed', `approvals service answered outside the contract (${r})`);
    id = r.id;
  }

  // 2. Poll until it is decided, expired, or the wait is over; the enforcer hears of the request on the first answer.
  let notified = false;
  for (;;) {
    const v = await reliably(async () => {
      const a = await call('GET', `/v1/approvals/${encodeURIComponent(id!)}`);
      if (a.status === 404) throw new WaitError(false, `approval ${id} is unknown to the service (HTTP 404)`);
      if (a.status !== 200) throw new WaitError(false, `approvals service answered HTTP ${a.status}${errCode(a.json)} for approval ${id}`);
      return checkView(a.json, d.decision_id!, id);
    });
    if (isOutcome(v)) return v;
    if (typeof v === 'string') return fail('failed', 'approval_malformed', `approvals service answered outside the contract (${v})`);
    if (!notified) {
      notified = true;
      o.onPending?.({ id: id!, url: serviceUrl(o.url, `v1/approvals/${encodeURIComponent(id!)}`), expires_at: v.expires_at, approvers: d.require_approval.approvers, reason: d.require_approval.reason });
    }
    if (v.status === 'rejected') return deny('rejected', `approval ${id} rejected${v.rejected_by ? ` by ${v.rejected_by}` : ''}${v.reason ? `: ${v.reason}` : ''}`);
    if (v.status === 'expired' || Date.parse(v.expires_at) <= Date.now()) return deny('expired', `approval ${id} expired at ${v.expires_at} without a decision`);
    if (v.status === 'approved') break;
    if (Date.now() + pollMs >= deadline) return fail('timeout', 'approval_timeout', `approval ${id} not granted within ${fmtMs(waitMs)}`);
    await sleep(pollMs, o.signal);
    if (o.signal?.aborted) return fail('cancelled', 'approval_cancelled', 'approval wait cancelled (the client went away)');
  }

  // 3. Consume: the service answers 200 once; a second use of the same approval is refused (409).
  const c = await reliably(async () => {
    const a = await call('POST', `/v1/approvals/${encodeURIComponent(id!)}/consume`);
    if (a.status === 409) throw new WaitError(false, `approval ${id} was already used or is no longer approved (HTTP 409${errCode(a.json)})`);
    if (a.status !== 200) throw new WaitError(false, `consuming approval ${id} answered HTTP ${a.status}${errCode(a.json)}`);
    return checkView(a.json, d.decision_id!, id);
  });
  if (isOutcome(c)) return c;
  if (typeof c === 'string') return fail('failed', 'approval_malformed', `approvals service answered outside the contract (${c})`);
  if (c.status !== 'approved') return fail('failed', 'approval_malformed', `consuming approval ${id} answered status ${c.status}`);
  return { approved: true, id, decision_id: d.decision_id, approved_by: c.approved_by ?? [] };
}

function fmtMs(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function errCode(j: unknown): string {
  const code = (j as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? ` ${code}` : '';
}

/** The approval resource, checked: its binding to this decision is what makes it usable here. */
function checkView(j: unknown, decisionId: string, id?: string): ApprovalView | string {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) return 'the answer is not an object';
  const v = j as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id === '') return 'id is missing';
  if (id !== undefined && v.id !== id) return `asked for approval ${id}, got ${String(v.id)}`;
  if (typeof v.status !== 'string' || !STATUSES.has(v.status)) return `unknown status ${JSON.stringify(v.status ?? null)}`;
  if (v.decision_id !== decisionId) return `approval ${v.id} belongs to decision ${String(v.decision_id)}, not ${decisionId}`;
  if (typeof v.expires_at !== 'string' || Number.isNaN(Date.parse(v.expires_at))) return 'expires_at is not a time';
  if (v.approved_by !== undefined && !(Array.isArray(v.approved_by) && v.approved_by.every((s) => typeof s === 'string'))) return 'approved_by is not a list of strings';
  if (v.status === 'approved' && !(Array.isArray(v.approved_by) && v.approved_by.length > 0)) return 'approved without approved_by';
  return v as unknown as ApprovalView;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
