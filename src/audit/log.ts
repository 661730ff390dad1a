// The decision log: appends are chained and committed in groups (one transaction per event-loop
// turn, or per round trip for an asynchronous store), and a caller's promise resolves only once its
// record is durable. Signed checkpoints of the chain head are written every N records or T seconds.
import { signCheckpoint } from './checkpoint.ts';
import { GENESIS_HASH, type ChainedRecord, type LogEntry } from './chain.ts';
import type { LogStore } from './store.ts';
import type { SigningKey } from './keys.ts';
import { sealEntry } from './record.ts';

export interface DecisionLogOptions {
  store: LogStore;
  key: SigningKey;
  /** Write a signed checkpoint every this many records (default 1000). */
  checkpointEvery?: number;
  /** Also write one this many milliseconds after the last, if records came since (default: off). */
  checkpointIntervalMs?: number;
  /** Seals decision entries' `unsealed_input` (record.ts sealEntry) unless the store does it itself. */
  replayKey?: Buffer;
  /** Largest group committed in one transaction (default 512). */
  maxBatch?: number;
  now?: () => Date;
}

export class LogUnavailableError extends Error {
  readonly code = 'WRIT_LOG_UNAVAILABLE';
}

interface Pending {
  entry: LogEntry;
  resolve: (r: ChainedRecord) => void;
  reject: (e: Error) => void;
}

export class DecisionLog {
  private readonly store: LogStore;
  private readonly key: SigningKey;
  private readonly checkpointEvery: number;
  private readonly maxBatch: number;
  private readonly replayKey: Buffer | undefined;
  private readonly now: () => Date;
  private queue: Pending[] = [];
  private scheduled = false;
  /** Groups being committed (at most the store's maxInFlight). */
  private readonly drains = new Set<Promise<void>>();
  /** The head this process last wrote or read (other replicas may have moved the shared head since). */
  private seq = 0;
  private headHash = GENESIS_HASH;
  private sinceCheckpoint = 0;
  private lastCheckpointSeq = 0;
  private checkpointChain: Promise<void> = Promise.resolve();
  private readonly ready: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Set when a write failed: every later append fails until restart, so nothing is silently skipped. */
  private broken: Error | undefined;

  constructor(opts: DecisionLogOptions) {
    this.store = opts.store;
    this.key = opts.key;
    this.checkpointEvery = opts.checkpointEvery ?? 1000;
    this.maxBatch = opts.maxBatch ?? 512;
    this.replayKey = opts.replayKey;
    this.now = opts.now ?? (() => new Date());
    const head = this.store.head();
    if (head instanceof Promise) {
      // An asynchronous store: the first flush waits for the head; a failure makes the log unavailable.
      this.ready = head.then(
        (h) => this.setHead(h),
        (e: Error) => {
          this.broken = e;
        },
      );
    } else {
      this.setHead(head);
    }
    if (opts.checkpointIntervalMs && opts.checkpointIntervalMs > 0) {
      this.timer = setInterval(() => {
        if (this.seq > this.lastCheckpointSeq && !this.broken) void this.checkpoint().catch(() => undefined);
      }, opts.checkpointIntervalMs);
      // The timer alone never keeps the process alive.
      this.timer.unref();
    }
  }

  private setHead(h: { seq: number; hash: string } | undefined): void {
    this.seq = h?.seq ?? 0;
    this.headHash = h?.hash ?? GENESIS_HASH;
    this.lastCheckpointSeq = this.seq;
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.seq, hash: this.headHash };
  }

  get healthy(): boolean {
    return !this.broken && !this.store.failure && !this.closed;
  }

  append(entry: LogEntry): Promise<ChainedRecord> {
    if (this.closed) return Promise.reject(new LogUnavailableError('decision log is closed'));
    if (this.broken) return Promise.reject(new LogUnavailableError(`decision log unavailable: ${this.broken.message}`));
    if (!this.store.sealsEntries) {
      try {
        entry = sealEntry(entry, this.replayKey);
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /**
   * Commit queued appends in groups: appends arriving while a group commits form the next group. A store
   * with `maxInFlight` > 1 (a writer thread) gets the next group before the last one is answered, so it
   * never waits for this thread between commits; it commits them in the order sent.
   */
  private flush(): Promise<void> {
    this.scheduled = false;
    const limit = this.store.maxInFlight ?? 1;
    while (this.drains.size < limit && this.queue.length > 0) {
      const d: Promise<void> = this.drain().finally(() => {
        this.drains.delete(d);
        // Appends made while the last group was resolving wait for the next turn's group.
        if (this.queue.length) this.schedule();
      });
      this.drains.add(d);
    }
    return Promise.all(this.drains).then(() => undefined);
  }

  private async drain(): Promise<void> {
    if (this.ready) await this.ready;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      if (this.broken) {
        this.fail(batch, new LogUnavailableError(`decision log unavailable: ${this.broken.message}`));
        return;
      }
      let records: ChainedRecord[];
      try {
        const r = this.store.appendEntries(batch.map((p) => p.entry));
        records = r instanceof Promise ? await r : r;
      } catch (e) {
        this.broken ??= e as Error;
        this.fail(batch, new LogUnavailableError(`decision log write failed: ${(e as Error).message}`));
        return;
      }
      const last = records[records.length - 1];
      if (last.seq > this.seq) {
        this.seq = last.seq;
        this.headHash = last.hash;
      }
      this.sinceCheckpoint += records.length;
      batch.forEach((p, i) => p.resolve(records[i]));
      if (this.sinceCheckpoint >= this.checkpointEvery) {
        this.sinceCheckpoint = 0;
        void this.checkpoint().catch(() => undefined);
      }
    }
  }

  private fail(batch: Pending[], err: Error): void {
    for (const p of batch) p.reject(err);
    for (const p of this.queue.splice(0)) p.reject(err);
  }

  /** Sign the current head and store the checkpoint (one at a time, in order). */
  checkpoint(): Promise<void> {
    this.checkpointChain = this.checkpointChain.then(() => this.writeCheckpoint());
    return this.checkpointChain;
  }

  private async writeCheckpoint(): Promise<void> {
    if (this.ready) await this.ready;
    const seq = this.seq;
    const headHash = this.headHash;
    if (seq === 0 || seq === this.lastCheckpointSeq || this.closed || this.broken) return;
    this.lastCheckpointSeq = seq;
    this.sinceCheckpoint = 0;
    const time = this.now().toISOString();
    // The store hands over its last checkpoint under its write lock; another replica may already
    // have signed a later head, and then this one adds nothing.
    const r = this.store.addCheckpointAfter((prev) =>
      prev && prev.seq >= seq ? undefined : signCheckpoint({ seq, head_hash: headHash, time, prev_seq: prev?.seq ?? 0 }, this.key.privateKey),
    );
    if (r instanceof Promise) await r;
  }

  /** Finish pending writes, sign a last checkpoint, close the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    while (this.drains.size || this.queue.length) await this.flush();
    if (!this.broken) await this.checkpoint().catch(() => undefined);
    await this.checkpointChain.catch(() => undefined);
    this.closed = true;
    await this.store.close();
  }
}
