// The approvals API (fastify plugin): enforcers create a request from a logged require_approval
// decision and consume it once approved; admins relay a human approver's approve/reject. Each step is
// an `approval` record in the decision log, durable before the answer leaves (else 503, nothing changed).
// The REST contract is enforcers/common/README.md "Approvals REST contract".
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DecisionLog } from '../audit/log.ts';
import type { LogStore } from '../audit/store.ts';
import { canonicalJson } from '../audit/canonical.ts';
import { uuidv7 } from '../audit/uuid7.ts';
import { parseTtl } from '../../enforcers/common/approvals.ts';
import { ApprovalStore } from './store.ts';
import { STORED_STATUSES, toView, type ApprovalRow, type ApprovalStep, type StoredStatus } from './types.ts';

export interface ApprovalRoutesOptions {
  dataDir: string;
  log: DecisionLog;
  logStore: LogStore;
  now?: () => Date;
  /** How often requests past expires_at are expired (and logged) without anyone asking (default 1000 ms). */
  sweepMs?: number;
}

export const APPROVALS_DB = 'approvals.db';

/** sha256 hex of the action's canonical JSON: the exact command an approval is bound to. */
export function actionDigest(action: unknown): string {
  return createHash('sha256').update(canonicalJson(action ?? null)).digest('hex');
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shortText = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

function callerOf(req: FastifyRequest): { name: string; role: string } {
  const c = (req as FastifyRequest & { caller?: { name: string; role: string } }).caller;
  if (!c) throw new Error('internal: approvals route reached without an authenticated caller');
  return c;
}

export async function approvalRoutes(app: FastifyInstance, opts: ApprovalRoutesOptions): Promise<void> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const store = new ApprovalStore(join(opts.dataDir, APPROVALS_DB));
  const now = opts.now ?? (() => new Date());
  const { log, logStore } = opts;

  // One change at a time per request (in this process); the conditional UPDATEs guard the rest.
  const locks = new Map<string, Promise<unknown>>();
  function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    locks.set(key, tail);
    void tail.then(() => {
      if (locks.get(key) === tail) locks.delete(key);
    });
    return run;
  }

  /** Appends the step's log record; the caller undoes its change when this throws. */
  async function record(step: ApprovalStep, a: ApprovalRow, caller: string, extra: Record<string, unknown> = {}): Promise<void> {
    const t = now();
    try {
      await log.append({
        kind: 'approval',
        decision_id: uuidv7(t.getTime()),
        time: t.toISOString(),
        step,
        approval_id: a.id,
        request_decision_id: a.decision_id,
        caller,
        requester: a.principal_id,
        resource: a.resource_name,
        action_digest: a.action_digest,
        approvers: a.approvers,
        expires_at: a.expires_at,
        ...extra,
      });
    } catch (e) {
      throw new Refusal(503, 'WRIT_LOG_UNAVAILABLE', `the decision log cannot be written; failing closed: ${(e as Error).message}`);
    }
  }

  /** Expires (and logs) a request past expires_at; returns the current row. */
  async function expireIfDue(a: ApprovalRow, caller: string): Promise<ApprovalRow> {
    if ((a.status !== 'pending' && a.status !== 'approved') || Date.parse(a.expires_at) > now().getTime()) return a;
    const was = store.expire(a.id, now().getTime());
    if (was) {
      try {
        await record('expired', a, caller, { was });
      } catch (e) {
        store.unexpire(a.id, was);
        throw e;
      }
    }
    return store.get(a.id)!;
  }

  async function expireDueId(id: string, caller: string): Promise<void> {
    const a = store.get(id);
    if (a) await expireIfDue(a, caller);
  }

  function load(id: string): ApprovalRow {
    const a = store.get(id);
    if (!a) throw new Refusal(404, 'WRIT_NOT_FOUND', `no approval ${id}`);
    return a;
  }

  /** Enforcers see and consume only the requests they created. */
  function ownedBy(a: ApprovalRow, c: { name: string; role: string }): void {
    if (c.role === 'enforcer' && a.created_by !== c.name) throw new Refusal(403, 'WRIT_FORBIDDEN', `approval ${a.id} was requested by another enforcer`);
  }

  const handle =
    (fn: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      try {
        return await fn(req, reply);
      } catch (e) {
        if (e instanceof Refusal) return reply.code(e.status).send({ code: e.code, message: e.message });
        throw e;
      }
    };

  // Create (or find) the request for a logged require_approval decision; bound to what the log says, never the body.
  app.post(
    '/v1/approvals',
    { config: { roles: ['enforcer'] } },
    handle(async (req, reply) => {
      const c = callerOf(req);
      const body = req.body;
      if (!isObj(body) || !shortText(body.decision_id, 128)) throw new Refusal(400, 'WRIT_BAD_REQUEST', 'the body must be {"decision_id": "<the require_approval decision>"}');
      const decisionId = body.decision_id;
      return withLock(`decision:${decisionId}`, async () => {
        const existing = store.byDecision(decisionId);
        if (existing) {
          ownedBy(existing, c);
          return reply.code(200).send(toView(await withLock(existing.id, async () => expireIfDue(store.get(existing.id)!, c.name))));
        }
        let rec;
        try {
          rec = await logStore.get(decisionId);
        } catch (e) {
          throw new Refusal(503, 'WRIT_LOG_UNAVAILABLE', `the decision log cannot be read: ${(e as Error).message}`);
        }
        if (!rec) throw new Refusal(404, 'WRIT_NOT_FOUND', `no decision ${decisionId} in the log`);
        if (rec.kind !== 'decision') throw new Refusal(409, 'WRIT_APPROVAL_NOT_REQUIRED', `record ${decisionId} is a ${rec.kind} record, not a decision`);
        if (rec.caller !== c.name) throw new Refusal(403, 'WRIT_FORBIDDEN', `decision ${decisionId} was made for another enforcer`);
        const result = rec.result;
        const ra = isObj(result) ? result.require_approval : undefined;
        if (ra === undefined) throw new Refusal(409, 'WRIT_APPROVAL_NOT_REQUIRED', `decision ${decisionId} does not require approval`);
        if (!isObj(ra) || !Array.isArray(ra.approvers) || !ra.approvers.every((g) => shortText(g)) || typeof ra.ttl !== 'string' || typeof ra.reason !== 'string') {
          throw new Refusal(409, 'WRIT_APPROVAL_NOT_REQUIRED', `decision ${decisionId} has a malformed require_approval`);
        }
        if (ra.approvers.length === 0) throw new Refusal(409, 'WRIT_APPROVAL_NO_APPROVERS', `decision ${decisionId} names no approver groups: nobody could approve it`);
        const ttlMs = parseTtl(ra.ttl);
        if (ttlMs === undefined || ttlMs <= 0) throw new Refusal(409, 'WRIT_APPROVAL_BAD_TTL', `decision ${decisionId} has ttl ${JSON.stringify(ra.ttl)}, not a positive duration such as "15m"`);
        const principal = rec.principal;
        const principalId = isObj(principal) && shortText(principal.id) ? principal.id : undefined;
        if (!principalId) throw new Refusal(409, 'WRIT_APPROVAL_NO_PRINCIPAL', `decision ${decisionId} has no principal id: an approval must be bound to its requester`);
        const t = now();
        if (Date.parse(rec.time) + ttlMs <= t.getTime()) throw new Refusal(410, 'WRIT_APPROVAL_EXPIRED', `decision ${decisionId} was made at ${rec.time}; its approval window (${ra.ttl}) has passed`);
        const resource = rec.resource;
        const a = {
          id: `apr-${uuidv7(t.getTime())}`,
          decision_id: decisionId,
          created_at: t.toISOString(),
          expires_at: new Date(t.getTime() + ttlMs).toISOString(),
          created_by: c.name,
          principal_id: principalId,
          principal,
          resource,
          resource_name: isObj(resource) && typeof resource.name === 'string' ? resource.name : null,
          action: rec.action,
          action_digest: actionDigest(rec.action),
          approvers: ra.approvers as string[],
          request_reason: ra.reason,
          ttl: ra.ttl,
        };
        if (!store.insert(a)) throw new Error(`internal: approval for decision ${decisionId} appeared while locked`);
        const row = store.get(a.id)!;
        try {
          await record('created', row, c.name, { ttl: row.ttl, request_reason: row.request_reason });
        } catch (e) {
          store.remove(a.id);
          throw e;
        }
        return reply.code(201).send(toView(row));
      });
    }),
  );

  app.get(
    '/v1/approvals',
    { config: { roles: ['admin'] } },
    handle(async (req) => {
      const c = callerOf(req);
      const q = req.query as Record<string, unknown>;
      const status = q.status === undefined || q.status === 'all' ? undefined : q.status;
      if (status !== undefined && !STORED_STATUSES.includes(status as StoredStatus)) {
        throw new Refusal(400, 'WRIT_BAD_REQUEST', `status must be one of ${STORED_STATUSES.join(', ')} or all`);
      }
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Refusal(400, 'WRIT_BAD_REQUEST', 'limit must be an integer from 1 to 1000');
      // Requests past their time are expired (and logged) first, so a pending list never offers them.
      for (const id of store.due(now().getTime())) await withLock(id, async () => expireDueId(id, c.name));
      return { approvals: store.list(status as StoredStatus | undefined, limit).map(toView) };
    }),
  );

  app.get(
    '/v1/approvals/:id',
    { config: { roles: ['enforcer', 'admin'] } },
    handle(async (req) => {
      const c = callerOf(req);
      const id = (req.params as { id: string }).id;
      return withLock(id, async () => {
        const a = load(id);
        ownedBy(a, c);
        return toView(await expireIfDue(a, c.name));
      });
    }),
  );

  for (const verb of ['approve', 'reject'] as const) {
    app.post(
      `/v1/approvals/:id/${verb}`,
      { config: { roles: ['admin'] } },
      handle(async (req) => {
        const c = callerOf(req);
        const id = (req.params as { id: string }).id;
        const body = req.body;
        const who = isObj(body) ? body.approver : undefined;
        if (!isObj(body) || !isObj(who) || !shortText(who.id) || !Array.isArray(who.groups) || who.groups.length > 256 || !who.groups.every((g) => shortText(g))) {
          throw new Refusal(400, 'WRIT_BAD_REQUEST', `the body must be {"approver": {"id": "<principal id>", "groups": ["<group>", ...]}, "reason"?: "<text>"}`);
        }
        if (body.reason !== undefined && !(typeof body.reason === 'string' && body.reason.length <= 1000)) throw new Refusal(400, 'WRIT_BAD_REQUEST', 'reason must be text of at most 1000 characters');
        const approver = { id: who.id, groups: who.groups as string[] };
        const reason = typeof body.reason === 'string' && body.reason !== '' ? body.reason : null;
        return withLock(id, async () => {
          const a = await expireIfDue(load(id), c.name);
          if (a.status === 'expired') throw new Refusal(410, 'WRIT_APPROVAL_EXPIRED', `approval ${id} expired at ${a.expires_at}`);
          if (a.status !== 'pending') throw new Refusal(409, 'WRIT_APPROVAL_NOT_PENDING', `approval ${id} is already ${a.status === 'consumed' ? 'approved and used' : a.status}`);
          let refusal: Refusal | undefined;
          if (approver.id.toLowerCase() === a.principal_id.toLowerCase()) {
            refusal = new Refusal(403, 'WRIT_APPROVAL_SELF', `${approver.id} made this request: a requester cannot ${verb} their own request`);
          } else if (!approver.groups.some((g) => a.approvers.includes(g))) {
            refusal = new Refusal(403, 'WRIT_APPROVAL_NOT_APPROVER', `${approver.id} is in none of the approver groups of approval ${id} (${a.approvers.join(', ')})`);
          }
          if (refusal) {
            // A refused attempt is evidence too.
            await record('refused', a, c.name, { attempted: verb, approver, refusal: refusal.code });
            throw refusal;
          }
          const to = verb === 'approve' ? 'approved' : 'rejected';
          if (!store.decide(id, to, { by: approver.id, groups: approver.groups, via: c.name, at: now().toISOString(), reason })) {
            throw new Refusal(409, 'WRIT_APPROVAL_NOT_PENDING', `approval ${id} is no longer pending`);
          }
          try {
            await record(to, a, c.name, { approver, ...(reason ? { reason } : {}) });
          } catch (e) {
            store.undecide(id, to);
            throw e;
          }
          return toView(store.get(id)!);
        });
      }),
    );
  }

  // The held command runs once: 200 exactly once for an approved, unexpired request.
  app.post(
    '/v1/approvals/:id/consume',
    { config: { roles: ['enforcer'] } },
    handle(async (req) => {
      const c = callerOf(req);
      const id = (req.params as { id: string }).id;
      const body = req.body;
      if (body !== undefined && body !== null && !isObj(body)) throw new Refusal(400, 'WRIT_BAD_REQUEST', 'the body, if any, must be a JSON object');
      return withLock(id, async () => {
        const a = await expireIfDue(load(id), c.name);
        ownedBy(a, c);
        if (a.status === 'expired') throw new Refusal(410, 'WRIT_APPROVAL_EXPIRED', `approval ${id} expired at ${a.expires_at}; the command is denied`);
        if (a.status === 'consumed') throw new Refusal(409, 'WRIT_APPROVAL_CONSUMED', `approval ${id} was already used at ${a.consumed_at}; it allows the command once`);
        if (a.status !== 'approved') throw new Refusal(409, 'WRIT_APPROVAL_NOT_APPROVED', `approval ${id} is ${a.status}, not approved`);
        // Optional binding check: an enforcer may say what it is about to run.
        if (isObj(body) && body.action_digest !== undefined && body.action_digest !== a.action_digest) {
          throw new Refusal(409, 'WRIT_APPROVAL_MISMATCH', `approval ${id} was granted for another command (action digest ${a.action_digest})`);
        }
        if (!store.consume(id, c.name, now().toISOString())) throw new Refusal(409, 'WRIT_APPROVAL_CONSUMED', `approval ${id} is no longer available`);
        try {
          await record('consumed', a, c.name);
        } catch (e) {
          store.unconsume(id);
          throw e;
        }
        return toView(store.get(id)!);
      });
    }),
  );

  // Requests nobody looks at still expire on time, with their log record.
  let sweeping: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = (async () => {
      for (const id of store.due(now().getTime())) {
        try {
          await withLock(id, async () => expireDueId(id, '(service)'));
        } catch (e) {
          app.log.warn(`approval ${id}: could not record its expiry: ${(e as Error).message}`);
          break;
        }
      }
    })().finally(() => (sweeping = undefined));
  }, opts.sweepMs ?? 1000);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await sweeping;
    await Promise.all([...locks.values()]);
    store.close();
  });
}
