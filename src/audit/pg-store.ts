// Decision log storage in PostgreSQL, for several service replicas sharing one log (see README.md):
// one chain, serialised by locking the head row (SELECT ... FOR UPDATE) inside each append
// transaction; each replica chains its group after the head it reads under that lock.
import pg from 'pg';
import { canonicalJson } from './canonical.ts';
import { chainWithText, GENESIS_HASH, type ChainedRecord, type LogEntry } from './chain.ts';
import type { Checkpoint } from './checkpoint.ts';
import { parseExact } from './json.ts';
import type { LogStore, StoredRow } from './store.ts';

export interface PostgresLogStoreOptions {
  /** postgres://user@host:port/db; a `schema` query parameter picks the schema (default "writ"). */
  connectionString: string;
  schema?: string;
  /** Connections in the pool (appends use one at a time; reads may use the rest). Default 4. */
  poolSize?: number;
  /** Create the schema and tables when missing (default true); auditors' tools open existing logs only. */
  create?: boolean;
}

export class NoLogError extends Error {
  readonly code = 'WRIT_NO_LOG';
}

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//.test(s);
}

/** Split writ's own `schema` parameter off a connection URL (pg would pass it to the server). */
export function parsePostgresUrl(url: string): { connectionString: string; schema?: string } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? undefined;
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema };
}

const SCAN_PAGE = 5000;

export class PostgresLogStore implements LogStore {
  readonly pool: pg.Pool;
  readonly schema: string;
  private readonly ready: Promise<void>;
  private readonly create: boolean;
  private readonly t: { decisions: string; checkpoints: string; head: string };

  constructor(opts: PostgresLogStoreOptions | string) {
    const o = typeof opts === 'string' ? parsePostgresUrl(opts) : opts;
    const fromUrl = parsePostgresUrl(o.connectionString);
    this.schema = o.schema ?? fromUrl.schema ?? 'writ';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(this.schema)) throw new Error(`PostgreSQL schema name "${this.schema}" must be an identifier`);
    const s = `"${this.schema}"`;
    this.t = { decisions: `${s}.decisions`, checkpoints: `${s}.checkpoints`, head: `${s}.log_head` };
    const o2: Partial<PostgresLogStoreOptions> = typeof opts === 'string' ? {} : opts;
    this.pool = new pg.Pool({ connectionString: fromUrl.connectionString, max: o2.poolSize ?? 4 });
    this.create = o2.create ?? true;
    // An idle connection that fails must not crash the process: the next query reports the error.
    this.pool.on('error', () => undefined);
    this.ready = this.init();
    this.ready.catch(() => undefined);
  }

  static async open(opts: PostgresLogStoreOptions | string): Promise<PostgresLogStore> {
    const s = new PostgresLogStore(opts);
    await s.ready;
    return s;
  }

  /** True when the log's tables exist (for a store opened with create: false). */
  async exists(): Promise<boolean> {
    return this.ready.then(
      () => true,
      (e) => {
        if (e instanceof NoLogError) return false;
        throw e;
      },
    );
  }

  private async init(): Promise<void> {
    if (!this.create) {
      const r = await this.pool.query('SELECT to_regclass($1) AS t', [this.t.decisions]);
      if (r.rows[0].t === null) throw new NoLogError(`no decision log in schema "${this.schema}"`);
      return;
    }
    await this.tx(async (c) => {
      // Replicas starting together would race on CREATE ... IF NOT EXISTS: one lock orders them.
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('writ-decision-log-schema'))`);
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await c.query(`
        CREATE TABLE IF NOT EXISTS ${this.t.decisions} (
          seq BIGINT PRIMARY KEY,
          decision_id TEXT NOT NULL UNIQUE,
          time TEXT NOT NULL,
          kind TEXT NOT NULL,
          record TEXT NOT NULL,
          hash TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ${this.t.checkpoints} (
          seq BIGINT PRIMARY KEY,
          head_hash TEXT NOT NULL,
          time TEXT NOT NULL,
          prev_seq BIGINT NOT NULL,
          jws TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ${this.t.head} (
          id INT PRIMARY KEY CHECK (id = 1),
          seq BIGINT NOT NULL,
          hash TEXT NOT NULL
        );
        INSERT INTO ${this.t.head} (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}') ON CONFLICT (id) DO NOTHING;
      `);
    }, false);
  }

  /** Run `f` in a transaction on one pooled connection. */
  private async tx<T>(f: (c: pg.PoolClient) => Promise<T>, waitReady = true): Promise<T> {
    if (waitReady) await this.ready;
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const r = await f(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  private async lockHead(c: pg.PoolClient): Promise<{ seq: number; hash: string }> {
    const r = await c.query(`SELECT seq, hash FROM ${this.t.head} WHERE id = 1 FOR UPDATE`);
    return { seq: Number(r.rows[0].seq), hash: r.rows[0].hash };
  }

  private async insertRecords(c: pg.PoolClient, records: ChainedRecord[], texts = records.map((r) => canonicalJson(r))): Promise<void> {
    if (records.length === 0) return;
    // One statement per group: unnest turns parallel arrays into rows.
    await c.query(
      `INSERT INTO ${this.t.decisions} (seq, decision_id, time, kind, record, hash)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [
        records.map((r) => r.seq),
        records.map((r) => r.decision_id),
        records.map((r) => r.time),
        records.map((r) => r.kind),
        texts,
        records.map((r) => r.hash),
      ],
    );
    const last = records[records.length - 1];
    await c.query(`UPDATE ${this.t.head} SET seq = $1, hash = $2 WHERE id = 1`, [last.seq, last.hash]);
  }

  async head(): Promise<{ seq: number; hash: string } | undefined> {
    await this.ready;
    const r = await this.pool.query(`SELECT seq, hash FROM ${this.t.head} WHERE id = 1`);
    const seq = Number(r.rows[0].seq);
    return seq === 0 ? undefined : { seq, hash: r.rows[0].hash };
  }

  appendEntries(entries: LogEntry[]): Promise<ChainedRecord[]> {
    return this.tx(async (c) => {
      // The head row lock orders every writer: the next one reads the head this one leaves.
      const h = await this.lockHead(c);
      let seq = h.seq;
      let prev = h.hash;
      const out = entries.map((e) => {
        const r = chainWithText(e, ++seq, prev);
        prev = r.record.hash;
        return r;
      });
      await this.insertRecords(c, out.map((r) => r.record), out.map((r) => r.text));
      return out.map((r) => r.record);
    });
  }

  append(records: ChainedRecord[]): Promise<void> {
    return this.tx(async (c) => {
      await this.lockHead(c);
      await this.insertRecords(c, records);
    });
  }

  async get(decisionId: string): Promise<ChainedRecord | undefined> {
    await this.ready;
    const r = await this.pool.query(`SELECT record FROM ${this.t.decisions} WHERE decision_id = $1`, [decisionId]);
    return r.rows.length ? (parseExact(r.rows[0].record) as ChainedRecord) : undefined;
  }

  async *scan(fromSeq = 0, since?: string): AsyncIterable<StoredRow> {
    await this.ready;
    let next = fromSeq;
    // Pages by seq: no cursor held open across the caller's work.
    for (;;) {
      const r = since
        ? await this.pool.query(
            `SELECT seq, record FROM ${this.t.decisions} WHERE seq >= $1 AND time >= $2 ORDER BY seq ASC LIMIT ${SCAN_PAGE}`,
            [next, since],
          )
        : await this.pool.query(`SELECT seq, record FROM ${this.t.decisions} WHERE seq >= $1 ORDER BY seq ASC LIMIT ${SCAN_PAGE}`, [next]);
      for (const row of r.rows) yield { seq: Number(row.seq), text: row.record as string };
      if (r.rows.length < SCAN_PAGE) return;
      next = Number(r.rows[r.rows.length - 1].seq) + 1;
    }
  }

  addCheckpointAfter(make: (prev: Checkpoint | undefined) => Checkpoint | undefined): Promise<Checkpoint | undefined> {
    return this.tx(async (c) => {
      await this.lockHead(c);
      const r = await c.query(`SELECT seq, head_hash, time, prev_seq, jws FROM ${this.t.checkpoints} ORDER BY seq DESC LIMIT 1`);
      const cp = make(r.rows.length ? toCheckpoint(r.rows[0]) : undefined);
      if (cp) await this.insertCheckpoint(c, cp);
      return cp;
    });
  }

  private async insertCheckpoint(c: pg.PoolClient | pg.Pool, cp: Checkpoint): Promise<void> {
    await c.query(`INSERT INTO ${this.t.checkpoints} (seq, head_hash, time, prev_seq, jws) VALUES ($1, $2, $3, $4, $5)`, [
      cp.seq,
      cp.head_hash,
      cp.time,
      cp.prev_seq,
      cp.jws,
    ]);
  }

  async addCheckpoint(cp: Checkpoint): Promise<void> {
    await this.ready;
    await this.insertCheckpoint(this.pool, cp);
  }

  async checkpoints(): Promise<Checkpoint[]> {
    await this.ready;
    const r = await this.pool.query(`SELECT seq, head_hash, time, prev_seq, jws FROM ${this.t.checkpoints} ORDER BY seq ASC`);
    return r.rows.map(toCheckpoint);
  }

  async count(): Promise<number> {
    await this.ready;
    const r = await this.pool.query(`SELECT count(*) AS n FROM ${this.t.decisions}`);
    return Number(r.rows[0].n);
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }

  /** Drop this store's schema and everything in it (tests). */
  async dropSchema(): Promise<void> {
    // After init, or a schema being created would come back after the drop.
    await this.ready.catch(() => undefined);
    await this.pool.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
  }
}

function toCheckpoint(row: Record<string, unknown>): Checkpoint {
  return {
    seq: Number(row.seq),
    head_hash: row.head_hash as string,
    time: row.time as string,
    prev_seq: Number(row.prev_seq),
    jws: row.jws as string,
  };
}
