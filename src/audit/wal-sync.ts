// Syncs a SQLite WAL file on a timer (log.durability: process). The connection commits with
// synchronous = NORMAL: each commit is written to the operating system before it returns, so it survives
// the process crashing; this makes it survive a power loss too, at most `intervalMs` later. Each sync
// runs on libuv's thread pool (the event loop never waits on the disk) and covers every commit before it.
import { closeSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export class WalSync {
  private fd: number | undefined;
  private dirty = false;
  private running: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  /** Set when a sync failed: what it covered may never reach the disk, and the log must stop taking records. */
  broken: Error | undefined;
  /** Completed syncs (status and tests). */
  syncs = 0;

  constructor(
    private readonly walPath: string,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => {
      if (this.dirty && !this.running && !this.broken) this.running = this.syncAsync().finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** A commit was written: the next tick syncs it. */
  noteCommit(): void {
    this.dirty = true;
  }

  private file(): number {
    if (this.fd !== undefined) {
      // SQLite deletes the WAL only when its last connection closes; a file gone from its directory was
      // checkpointed and replaced: sync the new one.
      if (fstatSync(this.fd).nlink > 0) return this.fd;
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.fd = openSync(this.walPath, 'r');
    // The WAL's directory entry too, once per file: a WAL created by this process must survive with it.
    const dir = openSync(dirname(this.walPath), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return this.fd;
  }

  private syncAsync(): Promise<void> {
    this.dirty = false;
    return new Promise((done) => {
      let fd: number;
      try {
        fd = this.file();
      } catch (e) {
        this.broken ??= new Error(`cannot open ${this.walPath} to sync it: ${(e as Error).message}`);
        return done();
      }
      fdatasync(fd, (err) => {
        if (err) this.broken ??= new Error(`fdatasync of ${this.walPath} failed: ${err.message}`);
        else this.syncs++;
        done();
      });
    });
  }

  /** Stops the timer, waits for a running sync, syncs what is left and closes the file. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    try {
      if (this.dirty && !this.broken) {
        fdatasyncSync(this.file());
        this.syncs++;
        this.dirty = false;
      }
    } finally {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
