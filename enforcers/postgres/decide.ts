// One statement's decision, as the relay acts on it: allow (with mask rules) or a ready-made ErrorResponse.
// Fail closed: a decider that throws, hangs, or answers outside the contract is a denial with a message.
import { decisionClientTimeout, waitForApproval, type EnforcerDecision, type MaskRule } from '../common/index.ts';
import { sessionExpired } from '../../src/identity/index.ts';
import { errorResponse, noticeResponse } from './protocol/index.ts';
import { statementInput, type ApprovalFact, type SessionFacts } from './input.ts';
import type { PostgresEnforcerConfig } from './config.ts';
import type { ClassifiedStatement } from './sql/index.ts';

export type Verdict = { allow: true; mask: MaskRule[]; decisionId?: string } | { allow: false; error: Buffer };

/** The session cannot go on (its token expired): the engine ends it with this FATAL. */
export class SessionFatal extends Error {
  constructor(
    message: string,
    readonly sqlstate: string,
  ) {
    super(message);
  }
}

// A custom Decider gets this long; enforcers/common's client has its own, shorter timeout (500 ms).
const GUARD_TIMEOUT_MS = 5000;

export function denial(message: string, d?: EnforcerDecision, sqlstate = '42501'): Buffer {
  const detail = d?.decision_id ? `decision ${d.decision_id}${d.provenance ? ` (policy revision ${d.provenance.revision})` : ''}` : undefined;
  return errorResponse({ severity: 'ERROR', code: sqlstate, message, ...(detail ? { detail } : {}) });
}

function policyMessage(d: EnforcerDecision): string {
  if (d.failClosed) return d.failClosed.message;
  const reasons = d.reasons.length ? d.reasons.join('; ') : 'no reason given';
  return `writ: permission denied by policy: ${reasons}`;
}

export async function askDecider(cfg: PostgresEnforcerConfig, input: unknown, clientToken?: string): Promise<EnforcerDecision> {
  let timer: NodeJS.Timeout | undefined;
  const fail = (why: string): EnforcerDecision => {
    const message = `writ: decision failed (${why}); denied`;
    return { allow: false, reasons: [message], failClosed: { reason: 'internal', message } };
  };
  try {
    const opts = clientToken !== undefined ? { clientToken } : undefined;
    // enforcers/common's client never rejects and fails closed within its own timeout: when that is the shorter
    // one, a guard of this length would never fire, so it is not set up. Any other decider is guarded.
    const own = decisionClientTimeout(cfg.decider);
    let d: EnforcerDecision;
    if (own !== undefined && own < GUARD_TIMEOUT_MS) d = await cfg.decider.decide(input, opts);
    else {
      const guard = new Promise<EnforcerDecision>((resolve) => {
        timer = setTimeout(() => resolve(fail(`no answer within ${GUARD_TIMEOUT_MS} ms`)), GUARD_TIMEOUT_MS);
      });
      d = await Promise.race([cfg.decider.decide(input, opts), guard]);
    }
    // Only a literal true allows: anything else a custom decider returns is a denial.
    if (typeof d !== 'object' || d === null || typeof d.allow !== 'boolean' || !Array.isArray(d.reasons)) return fail('answer outside the contract');
    return d;
  } catch (e) {
    return fail((e as Error)?.message ?? String(e));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A deny for a forwarded token that the service did not verify: it answers token_expires_at whenever it verified the
 * token, so a non-fail-closed deny without it is the service refusing the token (its reason: "<CODE>: <message>").
 */
export function tokenRefused(d: EnforcerDecision, clientToken: string | undefined): SessionFatal | undefined {
  if (clientToken === undefined || d.allow || d.failClosed || d.token_expires_at !== undefined) return undefined;
  return new SessionFatal(`writ: token refused by the decision service: ${d.reasons.join('; ') || 'no reason given'}`, '28000');
}

export interface StatementContext {
  cfg: PostgresEnforcerConfig;
  facts: SessionFacts;
  expiresAt: string;
  /** The client's token, forwarded with every decision when the service verifies it (no local verifier). */
  clientToken?: string;
  /** Sends a NoticeResponse to the client at once (approval waits). */
  notify(frame: Buffer): void;
  /** A signal for one approval wait: aborted when the client goes away or sends a CancelRequest for this session. */
  waitSignal(): AbortSignal;
  /** Appends to the session recording (throws SessionFatal when the recording cannot be written). */
  record(type: string, fields: Record<string, unknown>): void;
}

export async function decideStatement(
  ctx: StatementContext,
  st: ClassifiedStatement,
  opts: { protocol: 'simple' | 'extended'; phase?: 'parse' | 'execute'; parameters?: Array<string | null> },
): Promise<Verdict> {
  const now = ctx.cfg.now?.() ?? new Date();
  const expired = sessionExpired(ctx.expiresAt, now);
  if (expired) throw new SessionFatal(`writ: ${expired.message}`, '28000');
  const d = await askDecider(ctx.cfg, statementInput(ctx.facts, now, st, opts), ctx.clientToken);
  ctx.record('statement', {
    sql: st.text,
    operation: st.operation,
    protocol: opts.protocol,
    ...(opts.phase ? { phase: opts.phase } : {}),
    decision_id: d.decision_id ?? null,
    allow: d.allow,
    ...(d.allow ? {} : { reasons: d.reasons }),
    ...(d.require_approval ? { require_approval: true } : {}),
  });
  // The service refused the forwarded token (expired mid-session, key retired ...): the session ends, as at login.
  const refused = tokenRefused(d, ctx.clientToken);
  if (refused) throw refused;
  if (d.allow) return { allow: true, mask: d.mask ?? [], decisionId: d.decision_id };
  if (!d.require_approval || d.failClosed) return { allow: false, error: denial(policyMessage(d), d) };
  const v = await approvalFlow(ctx, st, opts, d);
  ctx.record('approval', { sql: st.text, allow: v.allow });
  return v;
}

async function approvalFlow(ctx: StatementContext, st: ClassifiedStatement, opts: Parameters<typeof decideStatement>[2], d: EnforcerDecision): Promise<Verdict> {
  const req = d.require_approval!;
  const a = ctx.cfg.approvals;
  if (!a) {
    const msg = `writ: this statement needs approval (${req.reason}; approvers: ${req.approvers.join(', ')}), but approvals are not wired in this enforcer (no decision service URL for /v1/approvals); denied`;
    return { allow: false, error: denial(msg, d) };
  }
  const signal = ctx.waitSignal();
  const outcome = await waitForApproval({
    url: a.url,
    token: a.token,
    decision: d,
    pollMs: a.pollMs,
    timeoutMs: a.timeoutMs,
    signal,
    onPending: (info) =>
      ctx.notify(
        noticeResponse({
          severity: 'NOTICE',
          code: '01000',
          message: `writ: waiting for approval ${info.id} of this statement by ${info.approvers.join(', ')} (${info.reason}) until ${info.expires_at}`,
          hint: `an approver runs: writ approvals approve ${info.id}   (${info.url})`,
        }),
      ),
  });
  if (!outcome.approved) {
    if (outcome.status === 'cancelled' && signal.reason === 'cancel') return { allow: false, error: denial(`writ: approval wait for this statement cancelled by the client; denied`, d, '57014') };
    return { allow: false, error: denial(outcome.message, d) };
  }
  // The approval is evidence for a new decision (logged too): the held command runs only if policy now allows it.
  const approvals: ApprovalFact[] = [{ id: outcome.id, decision_id: outcome.decision_id, status: 'approved', approved_by: outcome.approved_by }];
  const now = ctx.cfg.now?.() ?? new Date();
  const d2 = await askDecider(ctx.cfg, statementInput(ctx.facts, now, st, { ...opts, approvals }), ctx.clientToken);
  const refused = tokenRefused(d2, ctx.clientToken);
  if (refused) throw refused;
  if (d2.allow) return { allow: true, mask: d2.mask ?? [], decisionId: d2.decision_id };
  return { allow: false, error: denial(d2.require_approval ? 'writ: policy still requires approval after it was approved; denied' : policyMessage(d2), d2) };
}
