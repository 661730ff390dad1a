// Approval requests in SQLite (<data_dir>/approvals.db). Every change is a conditional UPDATE on the
// expected status, so two racing callers cannot both approve, or both consume, one request.
import Database from 'better-sqlite3';
import type { ApprovalRow, StoredStatus } from './types.ts';

const JSON_COLUMNS = ['principal', 'resource', 'action', 'approvers', 'decided_groups'] as const;

export type NewApproval = Pick<
  ApprovalRow,
  'id' | 'decision_id' | 'created_at' | 'expires_at' | 'created_by' | 'principal_id' | 'principal' | 'resource' | 'resource_name' | 'action' | 'action_digest' | 'approvers' | 'request_reason' | 'ttl'
>;

export interface Decided {
  by: string;
  groups: string[];
  via: string;
  at: string;
  reason: string | null;
}

export class ApprovalStore {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS approvals (
        id TEXT PRIMARY KEY,
        decision_id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'consumed')),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        expires_ms INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        principal_id TEXT NOT NULL,
        principal TEXT NOT NULL,
        resource TEXT NOT NULL,
        resource_name TEXT,
        action TEXT NOT NULL,
        action_digest TEXT NOT NULL,
        approvers TEXT NOT NULL,
        request_reason TEXT NOT NULL,
        ttl TEXT NOT NULL,
        decided_by TEXT,
        decided_groups TEXT,
        decided_via TEXT,
        decided_at TEXT,
        decision_reason TEXT,
        consumed_at TEXT,
        consumed_by TEXT
      );
      CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, expires_ms);
    `);
  }

  private row(r: Record<string, unknown> | undefined): ApprovalRow | undefined {
    if (!r) return undefined;
    const out = { ...r } as Record<string, unknown>;
    delete out.expires_ms;
    for (const c of JSON_COLUMNS) out[c] = r[c] === null || r[c] === undefined ? null : JSON.parse(r[c] as string);
    return out as unknown as ApprovalRow;
  }

  get(id: string): ApprovalRow | undefined {
    return this.row(this.db.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as Record<string, unknown> | undefined);
  }

  byDecision(decisionId: string): ApprovalRow | undefined {
    return this.row(this.db.prepare('SELECT * FROM approvals WHERE decision_id = ?').get(decisionId) as Record<string, unknown> | undefined);
  }

  /** Inserts a pending request; false when one already exists for the decision. */
  insert(a: NewApproval): boolean {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO approvals (id, decision_id, status, created_at, expires_at, expires_ms, created_by, principal_id, principal, resource, resource_name, action, action_digest, approvers, request_reason, ttl)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        a.id,
        a.decision_id,
        a.created_at,
        a.expires_at,
        Date.parse(a.expires_at),
        a.created_by,
        a.principal_id,
        JSON.stringify(a.principal ?? null),
        JSON.stringify(a.resource ?? null),
        a.resource_name,
        JSON.stringify(a.action ?? null),
        a.action_digest,
        JSON.stringify(a.approvers),
        a.request_reason,
        a.ttl,
      );
    return r.changes === 1;
  }

  /** Removes a request whose creation could not be logged. */
  remove(id: string): void {
    this.db.prepare('DELETE FROM approvals WHERE id = ?').run(id);
  }

  /** pending -> approved | rejected; false if it was no longer pending. */
  decide(id: string, to: 'approved' | 'rejected', d: Decided): boolean {
    return (
      this.db
        .prepare(`UPDATE approvals SET status = ?, decided_by = ?, decided_groups = ?, decided_via = ?, decided_at = ?, decision_reason = ? WHERE id = ? AND status = 'pending'`)
        .run(to, d.by, JSON.stringify(d.groups), d.via, d.at, d.reason, id).changes === 1
    );
  }

  /** Undoes decide() when its log record could not be written. */
  undecide(id: string, from: 'approved' | 'rejected'): void {
    this.db
      .prepare(`UPDATE approvals SET status = 'pending', decided_by = NULL, decided_groups = NULL, decided_via = NULL, decided_at = NULL, decision_reason = NULL WHERE id = ? AND status = ?`)
      .run(id, from);
  }

  /** approved -> consumed; false if it was not (or no longer) approved. */
  consume(id: string, by: string, at: string): boolean {
    return this.db.prepare(`UPDATE approvals SET status = 'consumed', consumed_at = ?, consumed_by = ? WHERE id = ? AND status = 'approved'`).run(at, by, id).changes === 1;
  }

  unconsume(id: string): void {
    this.db.prepare(`UPDATE approvals SET status = 'approved', consumed_at = NULL, consumed_by = NULL WHERE id = ? AND status = 'consumed'`).run(id);
  }

  /** pending | approved past expires_at -> expired; returns the status it had, or undefined if nothing changed. */
  expire(id: string, nowMs: number): 'pending' | 'approved' | undefined {
    const tx = this.db.transaction(() => {
      const r = this.db.prepare(`SELECT status FROM approvals WHERE id = ? AND status IN ('pending', 'approved') AND expires_ms <= ?`).get(id, nowMs) as { status: 'pending' | 'approved' } | undefined;
      if (!r) return undefined;
      this.db.prepare(`UPDATE approvals SET status = 'expired' WHERE id = ?`).run(id);
      return r.status;
    });
    return tx();
  }

  unexpire(id: string, back: 'pending' | 'approved'): void {
    this.db.prepare(`UPDATE approvals SET status = ? WHERE id = ? AND status = 'expired'`).run(back, id);
  }

  /** Ids of requests that are due to expire. */
  due(nowMs: number): string[] {
    return (this.db.prepare(`SELECT id FROM approvals WHERE status IN ('pending', 'approved') AND expires_ms <= ? ORDER BY expires_ms`).all(nowMs) as Array<{ id: string }>).map((r) => r.id);
  }

  list(status: StoredStatus | undefined, limit: number): ApprovalRow[] {
    const rows = (
      status
        ? this.db.prepare('SELECT * FROM approvals WHERE status = ? ORDER BY created_at, id LIMIT ?').all(status, limit)
        : this.db.prepare('SELECT * FROM approvals ORDER BY created_at, id LIMIT ?').all(limit)
    ) as Array<Record<string, unknown>>;
    return rows.map((r) => this.row(r)!);
  }

  close(): void {
    this.db.close();
  }
}
