// The decision log store for log.durability: process. The writer runs on the event loop and commits each
// group without a sync (SQLite synchronous = NORMAL), so a record is in the operating system, and survives
// writ being killed, before the decision is answered; the WAL is fdatasync'd every sync interval
// (wal-sync.ts), so a power loss or kernel crash can lose the records of the last interval. No thread hop
// and no sync wait per group: for deployments that accept that window (README, "Decision log durability").
import type { ChainedRecord, LogEntry } from './chain.ts';
import { SqliteLogStore } from './store.ts';
import { WalSync } from './wal-sync.ts';

export class BufferedLogStore extends SqliteLogStore {
  private readonly wal: WalSync;
  private dead: Error | undefined;

  constructor(path: string, opts: { replayKey?: Buffer; syncIntervalMs: number }) {
    super(path, { replayKey: opts.replayKey, syncedByCaller: true });
    this.wal = new WalSync(`${path}-wal`, opts.syncIntervalMs);
  }

  /** A background sync that failed, or a terminated writer: every later append fails. */
  get failure(): Error | undefined {
    return this.dead ?? this.wal.broken;
  }

  /** Completed background syncs. */
  get syncs(): number {
    return this.wal.syncs;
  }

  override appendEntries(entries: LogEntry[]): ChainedRecord[] {
    // A failed sync may have lost acknowledged records: no more are taken (the log reports itself unavailable).
    const stop = this.failure;
    if (stop) throw stop;
    const records = super.appendEntries(entries);
    this.wal.noteCommit();
    return records;
  }

  /** Stops taking records at once, as a crash of the writer would (tests): later appends fail. */
  async terminate(): Promise<void> {
    this.dead ??= new Error('decision log writer terminated');
  }

  override close(): Promise<void> {
    return this.wal.close().finally(() => super.close());
  }
}
