// Decision log storage. The LogStore interface is shared by SQLite (embedded, synchronous) and
// PostgreSQL (pg-store.ts, asynchronous, several replicas). The store itself chains appended entries
// after the head it reads inside its write transaction, so several writers extend one chain.
// The canonical record text is kept verbatim so verification rehashes exactly what was written.
import Database from 'better-sqlite3';
import { canonicalJson } from './canonical.ts';
import { chainWithText, GENESIS_HASH, type ChainedRecord, type LogEntry } from './chain.ts';
import type { Checkpoint } from './checkpoint.ts';
import { parseExact } from './json.ts';
import { sealEntry } from './record.ts';

export type { Checkpoint } from './checkpoint.ts';

export type MaybePromise<T> = T | Promise<T>;

export interface StoredRow {
  seq: number;
  text: string;
}

export interface LogStore {
  /** True when the store seals entries' `unsealed_input` itself (record.ts sealEntry); DecisionLog does it otherwise. */
  readonly sealsEntries?: boolean;
  /** A failure the store found on its own (a background sync that failed): the log is unavailable from then on. */
  readonly failure?: Error;
  /** How many appendEntries calls may be outstanding at once; the store commits them in call order (default 1). */
  readonly maxInFlight?: number;
  /** The chain head the store records (its head row), or undefined for an empty log. */
  head(): MaybePromise<{ seq: number; hash: string } | undefined>;
  /** Chain `entries` after the current head, read inside the write transaction, and commit them. */
  appendEntries(entries: LogEntry[]): MaybePromise<ChainedRecord[]>;
  /** Insert records chained elsewhere, as they are (imports, benchmarks, tests). */
  append(records: ChainedRecord[]): MaybePromise<void>;
  get(decisionId: string): MaybePromise<ChainedRecord | undefined>;
  /** Records in ascending seq order from `fromSeq`, as stored; `since` keeps those with time >= it (ISO 8601 UTC). */
  scan(fromSeq?: number, since?: string): Iterable<StoredRow> | AsyncIterable<StoredRow>;
  /**
   * Store a checkpoint after the last stored one, atomically: `make` receives the last checkpoint
   * (read under the write lock) and returns the signed checkpoint to add, or undefined to add none.
   */
  addCheckpointAfter(make: (prev: Checkpoint | undefined) => Checkpoint | undefined): MaybePromise<Checkpoint | undefined>;
  /** Insert a checkpoint as it is (tests, imports). */
  addCheckpoint(c: Checkpoint): MaybePromise<void>;
  checkpoints(): MaybePromise<Checkpoint[]>;
  count(): MaybePromise<number>;
  close(): MaybePromise<void>;
}

const CHECKPOINT_COLUMNS = 'seq, head_hash, time, prev_seq, jws';

export class SqliteLogStore implements LogStore {
  readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly headStmt: Database.Statement;
  private readonly setHead: Database.Statement;
  private readonly appendTx: Database.Transaction<(records: ChainedRecord[]) => void>;
  private readonly appendEntriesTx: Database.Transaction<(entries: LogEntry[]) => ChainedRecord[]>;
  /** Decision entries' input requests (record.ts sealEntry) are carried out here, in the write transaction. */
  readonly sealsEntries = true;
  private readonly checkpointTx: Database.Transaction<(make: (prev: Checkpoint | undefined) => Checkpoint | undefined) => Checkpoint | undefined>;
  private readonly checkpointIfLastTx: Database.Transaction<(c: Checkpoint, prevSeq: number) => boolean>;

  /** `replayKey` seals the unmasked inputs of decision entries that ask for it (without it such entries are refused). */
  constructor(
    path: string,
    private readonly opts: { replayKey?: Buffer; syncedByCaller?: boolean } = {},
  ) {
    this.db = new Database(path, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    // FULL: a record is on disk before the answer leaves (group commit amortises the fsync). NORMAL when the
    // caller syncs the WAL itself (BufferedLogStore, log.durability: process).
    this.db.pragma(opts.syncedByCaller ? 'synchronous = NORMAL' : 'synchronous = FULL');
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
        prev_seq INTEGER NOT NULL,
        jws TEXT NOT NULL
      );
      -- The head row: what the writer last committed. Read and moved inside every append transaction.
      CREATE TABLE IF NOT EXISTS log_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
      );
      INSERT OR IGNORE INTO log_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
    `);
    this.insert = this.db.prepare('INSERT INTO decisions (seq, decision_id, time, kind, record, hash) VALUES (?, ?, ?, ?, ?, ?)');
    this.headStmt = this.db.prepare('SELECT seq, hash FROM log_head WHERE id = 1');
    this.setHead = this.db.prepare('UPDATE log_head SET seq = ?, hash = ? WHERE id = 1');
    this.appendTx = this.db.transaction((records: ChainedRecord[]) => {
      for (const r of records) this.insert.run(r.seq, r.decision_id, r.time, r.kind, canonicalJson(r), r.hash);
      const last = records.at(-1);
      if (last) this.setHead.run(last.seq, last.hash);
    });
    this.appendEntriesTx = this.db.transaction((entries: LogEntry[]) => {
      const h = this.headStmt.get() as { seq: number; hash: string };
      let seq = h.seq;
      let prev = h.hash;
      const out: ChainedRecord[] = [];
      for (const entry of entries) {
        // One memo per record: the input serialised for its digest is reused for the record's text.
        const memo = new Map<object, string>();
        const e = sealEntry(entry, this.opts.replayKey, memo);
        const { record: r, text } = chainWithText(e, ++seq, prev, memo);
        this.insert.run(r.seq, r.decision_id, r.time, r.kind, text, r.hash);
        out.push(r);
        prev = r.hash;
      }
      this.setHead.run(seq, prev);
      return out;
    });
    const lastCp = this.db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY seq DESC LIMIT 1`);
    this.checkpointTx = this.db.transaction((make: (prev: Checkpoint | undefined) => Checkpoint | undefined) => {
      const c = make(lastCp.get() as Checkpoint | undefined);
      if (c) this.addCheckpoint(c);
      return c;
    });
    this.checkpointIfLastTx = this.db.transaction((c: Checkpoint, prevSeq: number) => {
      const last = lastCp.get() as Checkpoint | undefined;
      if ((last?.seq ?? 0) !== prevSeq) return false;
      this.addCheckpoint(c);
      return true;
    });
  }

  head(): { seq: number; hash: string } | undefined {
    const h = this.headStmt.get() as { seq: number; hash: string };
    return h.seq === 0 ? undefined : h;
  }

  appendEntries(entries: LogEntry[]): ChainedRecord[] {
    // IMMEDIATE takes the write lock before reading the head: another process sharing the file waits.
    return this.appendEntriesTx.immediate(entries);
  }

  append(records: ChainedRecord[]): void {
    this.appendTx.immediate(records);
  }

  get(decisionId: string): ChainedRecord | undefined {
    const row = this.db.prepare('SELECT record FROM decisions WHERE decision_id = ?').get(decisionId) as { record: string } | undefined;
    return row ? (parseExact(row.record) as ChainedRecord) : undefined;
  }

  *scan(fromSeq = 0, since?: string): Iterable<StoredRow> {
    // Pages by seq with all(): several times cheaper per row than iterate(), and no statement stays
    // open between pages (a writer in this process is never blocked by a reader's cursor).
    const page = 2000;
    const stmt = since
      ? this.db.prepare(`SELECT seq, record AS text FROM decisions WHERE seq >= ? AND time >= ? ORDER BY seq ASC LIMIT ${page}`)
      : this.db.prepare(`SELECT seq, record AS text FROM decisions WHERE seq >= ? ORDER BY seq ASC LIMIT ${page}`);
    let next = fromSeq;
    for (;;) {
      const rows = (since ? stmt.all(next, since) : stmt.all(next)) as StoredRow[];
      yield* rows;
      if (rows.length < page) return;
      next = rows[rows.length - 1].seq + 1;
    }
  }

  addCheckpointAfter(make: (prev: Checkpoint | undefined) => Checkpoint | undefined): Checkpoint | undefined {
    return this.checkpointTx.immediate(make);
  }

  /** Add `c` only if the last stored checkpoint is still the one at `prevSeq` (0: none); false otherwise. */
  addCheckpointIfLast(c: Checkpoint, prevSeq: number): boolean {
    return this.checkpointIfLastTx.immediate(c, prevSeq);
  }

  /** The last stored checkpoint, if any. */
  lastCheckpoint(): Checkpoint | undefined {
    return this.db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY seq DESC LIMIT 1`).get() as Checkpoint | undefined;
  }

  addCheckpoint(c: Checkpoint): void {
    this.db
      .prepare(`INSERT INTO checkpoints (${CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?)`)
      .run(c.seq, c.head_hash, c.time, c.prev_seq, c.jws);
  }

  checkpoints(): Checkpoint[] {
    return this.db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY seq ASC`).all() as Checkpoint[];
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM decisions').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
