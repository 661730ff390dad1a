// The activation history in SQLite (<data_dir>/policies.db): every version that became active, in
// order; the last row is the version a restart comes back on.
import Database from 'better-sqlite3';
import type { PolicyVersionInfo, VersionSource } from './version.ts';

export interface HistoryRow extends PolicyVersionInfo {
  seq: number;
}

export class PolicyHistory {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS activations (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      revision TEXT NOT NULL,
      bundle_sha256 TEXT NOT NULL,
      pushed_by TEXT NOT NULL,
      time TEXT NOT NULL,
      source TEXT NOT NULL
    )`);
  }

  record(v: PolicyVersionInfo): void {
    this.db
      .prepare('INSERT INTO activations (revision, bundle_sha256, pushed_by, time, source) VALUES (?, ?, ?, ?, ?)')
      .run(v.revision, v.bundle_sha256, v.pushed_by, v.time, v.source);
  }

  last(source?: VersionSource): HistoryRow | undefined {
    const row = source
      ? this.db.prepare('SELECT * FROM activations WHERE source = ? ORDER BY seq DESC LIMIT 1').get(source)
      : this.db.prepare('SELECT * FROM activations ORDER BY seq DESC LIMIT 1').get();
    return row as HistoryRow | undefined;
  }

  /** Newest first. */
  list(limit = 100): HistoryRow[] {
    return this.db.prepare('SELECT * FROM activations ORDER BY seq DESC LIMIT ?').all(limit) as HistoryRow[];
  }

  close(): void {
    this.db.close();
  }
}
