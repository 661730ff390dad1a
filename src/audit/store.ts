// Decision log storage in SQLite (better-sqlite3): one row per record, the canonical record text
// kept verbatim so verification rehashes exactly what was written.
import Database from 'better-sqlite3';
import { canonicalJson } from './canonical.ts';
import type { ChainedRecord } from './chain.ts';

export interface Checkpoint {
  seq: number;
  head_hash: string;
  time: string;
  /** Ed25519 JWS (compact) over {seq, head_hash, time}. */
  jws: string;
}

export interface LogStore {
  head(): { seq: number; hash: string } | undefined;
  append(records: ChainedRecord[]): void;
  get(decisionId: string): ChainedRecord | undefined;
  /** Records in ascending seq order from `fromSeq`, as stored (text) and parsed. */
  scan(fromSeq?: number): Iterable<{ seq: number; text: string }>;
  addCheckpoint(c: Checkpoint): void;
  checkpoints(): Checkpoint[];
  count(): number;
  close(): void;
}

export class SqliteLogStore implements LogStore {
  readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly appendTx: (records: ChainedRecord[]) => void;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a record is on disk before the answer leaves (group commit amortises the fsync).
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS decisions (
        seq INTEGER PRIMARY KEY,
        decision_id TEXT NOT NULL UNIQUE,
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        record TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS checkpoints (
        seq INTEGER PRIMARY KEY,
        head_hash TEXT NOT NULL,
        time TEXT NOT NULL,
        jws TEXT NOT NULL
      );
    `);
    this.insert = this.db.prepare('INSERT INTO decisions (seq, decision_id, time, kind, record, hash) VALUES (?, ?, ?, ?, ?, ?)');
    this.appendTx = this.db.transaction((records: ChainedRecord[]) => {
      for (const r of records) this.insert.run(r.seq, r.decision_id, r.time, r.kind, canonicalJson(r), r.hash);
    });
  }

  head(): { seq: number; hash: string } | undefined {
    return this.db.prepare('SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  }

  append(records: ChainedRecord[]): void {
    this.appendTx(records);
  }

  get(decisionId: string): ChainedRecord | undefined {
    const row = this.db.prepare('SELECT record FROM decisions WHERE decision_id = ?').get(decisionId) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as ChainedRecord) : undefined;
  }

  *scan(fromSeq = 0): Iterable<{ seq: number; text: string }> {
    const stmt = this.db.prepare('SELECT seq, record AS text FROM decisions WHERE seq >= ? ORDER BY seq ASC');
    for (const row of stmt.iterate(fromSeq)) yield row as { seq: number; text: string };
  }

  addCheckpoint(c: Checkpoint): void {
    this.db.prepare('INSERT INTO checkpoints (seq, head_hash, time, jws) VALUES (?, ?, ?, ?)').run(c.seq, c.head_hash, c.time, c.jws);
  }

  checkpoints(): Checkpoint[] {
    return this.db.prepare('SELECT seq, head_hash, time, jws FROM checkpoints ORDER BY seq ASC').all() as Checkpoint[];
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM decisions').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
