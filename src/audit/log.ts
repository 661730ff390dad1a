// The decision log: appends are chained and committed in groups (one transaction per event-loop
// turn), and a caller's promise resolves only once its record is durable. Signed checkpoints of
// the chain head are written at an interval.
import { CompactSign } from 'jose';
import { chain, GENESIS_HASH, type ChainedRecord, type LogEntry } from './chain.ts';
import type { LogStore } from './store.ts';
import type { SigningKey } from './keys.ts';

export interface DecisionLogOptions {
  store: LogStore;
  key: SigningKey;
  /** Write a signed checkpoint every this many records (default 1000). */
  checkpointEvery?: number;
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
  private readonly now: () => Date;
  private queue: Pending[] = [];
  private scheduled = false;
  private seq: number;
  private headHash: string;
  private sinceCheckpoint = 0;
  private lastCheckpointSeq = 0;
  private checkpointChain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Set when a write failed: every later append fails until restart, so nothing is silently skipped. */
  private broken: Error | undefined;

  constructor(opts: DecisionLogOptions) {
    this.store = opts.store;
    this.key = opts.key;
    this.checkpointEvery = opts.checkpointEvery ?? 1000;
    this.maxBatch = opts.maxBatch ?? 512;
    this.now = opts.now ?? (() => new Date());
    const head = this.store.head();
    this.lastCheckpointSeq = this.store.checkpoints().at(-1)?.seq ?? 0;
    this.seq = head?.seq ?? 0;
    this.headHash = head?.hash ?? GENESIS_HASH;
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.seq, hash: this.headHash };
  }

  get healthy(): boolean {
    return !this.broken && !this.closed;
  }

  append(entry: LogEntry): Promise<ChainedRecord> {
    if (this.closed) return Promise.reject(new LogUnavailableError('decision log is closed'));
    if (this.broken) return Promise.reject(new LogUnavailableError(`decision log unavailable: ${this.broken.message}`));
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const records: ChainedRecord[] = [];
      let seq = this.seq;
      let prev = this.headHash;
      for (const p of batch) {
        const r = chain(p.entry, ++seq, prev);
        records.push(r);
        prev = r.hash;
      }
      try {
        this.store.append(records);
      } catch (e) {
        this.broken = e as Error;
        const err = new LogUnavailableError(`decision log write failed: ${(e as Error).message}`);
        for (const p of batch) p.reject(err);
        for (const p of this.queue.splice(0)) p.reject(err);
        return;
      }
      this.seq = seq;
      this.headHash = prev;
      this.sinceCheckpoint += records.length;
      batch.forEach((p, i) => p.resolve(records[i]));
    }
    if (this.sinceCheckpoint >= this.checkpointEvery) void this.checkpoint().catch(() => undefined);
  }

  /** Sign the current head and store the checkpoint (one at a time, in order). */
  checkpoint(): Promise<void> {
    this.checkpointChain = this.checkpointChain.then(() => this.writeCheckpoint());
    return this.checkpointChain;
  }

  private async writeCheckpoint(): Promise<void> {
    if (this.seq === 0 || this.seq === this.lastCheckpointSeq || this.closed) return;
    const payload = { seq: this.seq, head_hash: this.headHash, time: this.now().toISOString() };
    this.lastCheckpointSeq = this.seq;
    this.sinceCheckpoint = 0;
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'writ-checkpoint' })
      .sign(this.key.privateKey);
    this.store.addCheckpoint({ ...payload, jws });
  }

  /** Finish pending writes, sign a last checkpoint, close the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.queue.length) this.flush();
    if (!this.broken) await this.checkpoint().catch(() => undefined);
    this.closed = true;
    this.store.close();
  }
}
