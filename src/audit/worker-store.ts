// The SQLite log store with its writes on a worker thread (store-worker.js): appends, their chain
// hashing and each group commit's fsync run off the event loop, and while one group commits the
// next one gathers (DecisionLog sends a group per round trip). Reads (get, scan, checkpoints, count)
// use a connection of this thread: WAL lets them run beside the writer. A writer that fails or dies
// fails every pending and later write, so the log reports itself unavailable instead of losing records.
import { Worker } from 'node:worker_threads';
import type { ChainedRecord, LogEntry } from './chain.ts';
import type { Checkpoint } from './checkpoint.ts';
import { SqliteLogStore, type LogStore, type StoredRow } from './store.ts';
import { DIGEST_INPUT, UNSEALED_INPUT } from './record.ts';

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class WorkerLogStore implements LogStore {
  /** Entries' input requests (record.ts sealEntry) are carried out on the writer thread, with the replay key given to open(). */
  readonly sealsEntries = true;
  /** The writer handles messages in order: the next group waits in its queue, not in this thread. */
  readonly maxInFlight = 2;
  private readonly pending = new Map<number, Waiting>();
  private nextId = 1;
  private dead: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    /** The read side: a connection of this thread to the same file. */
    readonly reader: SqliteLogStore,
  ) {
    worker.unref();
    worker.on('message', (m: { id: number; value?: unknown; error?: string }) => {
      const w = this.pending.get(m.id);
      if (!w) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.value);
    });
    worker.on('error', (e) => this.die(new Error(`decision log writer failed: ${e.message}`)));
    worker.on('exit', (code) => this.die(new Error(`decision log writer exited${code ? ` with code ${code}` : ''}`)));
  }

  /**
   * Starts the writer on `path` (creating the log if needed) and opens the read side once it is ready.
   * `replayKey` seals decision entries' unmasked inputs (without it such entries are refused).
   */
  static async open(path: string, opts: { replayKey?: Buffer } = {}): Promise<WorkerLogStore> {
    const worker = new Worker(new URL('./store-worker.js', import.meta.url), { workerData: { path, replayKey: opts.replayKey ? new Uint8Array(opts.replayKey) : undefined } });
    await new Promise<void>((ready, fail) => {
      const onExit = (code: number) => fail(new Error(`decision log writer exited with code ${code} before it was ready`));
      worker.once('error', fail);
      worker.once('exit', onExit);
      worker.once('message', (m: { ready: boolean; error?: string }) => {
        worker.off('error', fail);
        worker.off('exit', onExit);
        if (m.ready) ready();
        else fail(new Error(`cannot open the decision log ${path}: ${m.error}`));
      });
    });
    return new WorkerLogStore(worker, new SqliteLogStore(path));
  }

  /** The writer thread died: every later append fails. */
  get failure(): Error | undefined {
    return this.dead;
  }

  private die(e: Error): void {
    if (!this.dead) this.dead = e;
    for (const w of this.pending.values()) w.reject(this.dead);
    this.pending.clear();
  }

  private call<T>(op: string, ...args: unknown[]): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      // The writer keeps the process alive only while a write is outstanding: an idle log never holds
      // up a process that is done, and a pending write is never cut off by the process exiting.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  /** Stops the writer thread at once, as a crash would (pending and later writes fail). */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  head(): Promise<{ seq: number; hash: string } | undefined> {
    return this.call('head');
  }

  async appendEntries(entries: LogEntry[]): Promise<ChainedRecord[]> {
    const chained = await this.call<Array<[number, string, string] | [number, string, string, string, string]>>('appendEntries', entries);
    // The entries become the records in place: they were cloned to the writer, and the log owns them now.
    return entries.map((e, i) => {
      const [seq, prev_hash, hash, input_digest, input_sealed] = chained[i];
      const r = e as ChainedRecord;
      if (input_digest !== undefined) {
        delete r[UNSEALED_INPUT];
        delete r[DIGEST_INPUT];
        r.input_digest = input_digest;
        if (input_sealed !== undefined) r.input_sealed = input_sealed;
      }
      r.seq = seq;
      r.prev_hash = prev_hash;
      r.hash = hash;
      return r;
    });
  }

  append(records: ChainedRecord[]): Promise<void> {
    return this.call('append', records);
  }

  get(decisionId: string): ChainedRecord | undefined {
    return this.reader.get(decisionId);
  }

  scan(fromSeq?: number, since?: string): Iterable<StoredRow> {
    return this.reader.scan(fromSeq, since);
  }

  async addCheckpointAfter(make: (prev: Checkpoint | undefined) => Checkpoint | undefined): Promise<Checkpoint | undefined> {
    // Signed here (the key stays in this thread), stored by the writer only if no other checkpoint
    // came in between; otherwise read the new last one and ask `make` again.
    for (;;) {
      const prev = this.reader.lastCheckpoint();
      const c = make(prev);
      if (!c) return undefined;
      if (await this.call<boolean>('addCheckpointIfLast', c, prev?.seq ?? 0)) return c;
    }
  }

  addCheckpoint(c: Checkpoint): Promise<void> {
    return this.call('addCheckpoint', c);
  }

  checkpoints(): Checkpoint[] {
    return this.reader.checkpoints();
  }

  count(): number {
    return this.reader.count();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.dead) await this.call('close').catch(() => undefined);
      await this.worker.terminate();
      this.reader.close();
    })();
    return this.closing;
  }
}
