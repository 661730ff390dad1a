// The session recorder: one JSON-lines event file per session under <data_dir>/sessions/, written
// in batches (one per event-loop turn) and fsync'd at most every syncIntervalMs and at close, then
// sealed: the file's sha256 becomes a `session_seal` record in the audit chain, so a later edit or
// truncation of the file is detectable. Each statement's decision is durable in the decision log
// before the statement runs; the recording only adds detail, so it does not pay an fsync per
// statement (with every session fsyncing per statement, the log's own fsync queued behind them).
import { createHash, type Hash } from 'node:crypto';
import { mkdirSync, openSync, writeFileSync, writeSync, renameSync, closeSync, fsyncSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogEntry, ChainedRecord } from '../../src/audit/chain.ts';
import { uuidv7 } from '../../src/audit/uuid7.ts';
import type { Masker } from './masker.ts';
import { SESSION_FORMAT_VERSION, sealFile, sessionFile, checkSessionId, type SealSidecar } from './session-file.ts';

/** Event types every enforcer records; protocols may add their own. */
export type SessionEventType = 'connect' | 'statement' | 'command' | 'decision' | 'approval' | 'rows' | 'error' | 'disconnect' | (string & {});

/** What the recorder needs of the decision log (DecisionLog satisfies it). */
export interface SealLog {
  append(entry: LogEntry): Promise<ChainedRecord>;
}

export interface SessionRecorderOptions {
  dataDir: string;
  sessionId: string;
  /** Where the seal goes; without a log the session is closed unsealed (tests of the reader only). */
  log?: SealLog;
  /** Detector rules applied to every event before it is written (statement texts can hold secrets too). */
  masker?: Masker;
  now?: () => Date;
  /** Fields of the first line: enforcer, resource, principal id, client address ... */
  meta?: Record<string, unknown>;
  /** Written events reach the disk (fdatasync) at most this long after they were written; 0 syncs every batch (default 1000). */
  syncIntervalMs?: number;
}

export interface SessionSeal {
  session_id: string;
  file: string;
  sha256: string;
  events: number;
  bytes: number;
  decision_id?: string;
  seq?: number;
}

export class RecorderError extends Error {
  readonly code = 'WRIT_RECORDER_FAILED';
}

export class SessionRecorder {
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private seq = 0;
  private bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private broken: Error | undefined;
  private closed = false;
  private lastSync = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly started: number;
  readonly path: string;

  private constructor(
    private readonly fh: FileHandle,
    private readonly opts: SessionRecorderOptions,
    private readonly now: () => Date,
  ) {
    this.path = sessionFile(opts.dataDir, opts.sessionId);
    this.started = now().getTime();
  }

  /** Creates the session file (refusing one that exists: a session id is recorded once) and writes its header. */
  static async open(opts: SessionRecorderOptions): Promise<SessionRecorder> {
    const id = checkSessionId(opts.sessionId);
    mkdirSync(join(opts.dataDir, 'sessions'), { recursive: true, mode: 0o700 });
    const fh = await open(sessionFile(opts.dataDir, id), 'wx', 0o600);
    // The new name must survive a crash too, not only the bytes written to it.
    const dir = await open(join(opts.dataDir, 'sessions'), 'r');
    await dir.sync().finally(() => dir.close());
    const r = new SessionRecorder(fh, opts, opts.now ?? (() => new Date()));
    r.push({ type: 'session', v: SESSION_FORMAT_VERSION, session_id: id, ...(opts.meta ?? {}) });
    await r.flush(true);
    return r;
  }

  get events(): number {
    return this.seq;
  }

  /** Queues one event; the batch of one event-loop turn is written and fsync'd together. */
  record(type: SessionEventType, fields: Record<string, unknown> = {}): void {
    if (this.broken) throw new RecorderError(`session recording failed: ${this.broken.message}`);
    if (this.closed) throw new RecorderError(`session ${this.opts.sessionId} is closed`);
    const safe = this.opts.masker ? (this.opts.masker.maskJson(fields) as Record<string, unknown>) : fields;
    this.pending.push(this.line(type, safe));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush().catch(() => undefined));
    }
  }

  private push(ev: Record<string, unknown>): void {
    const { type, ...rest } = ev;
    this.pending.push(this.line(type, rest));
  }

  /** One event's line: {seq, t, type, ...fields}, the fields' own seq and t left out (the recorder's count). */
  private line(type: unknown, fields: Record<string, unknown>): string {
    // seq and t first, so a human reading the raw file sees order and time at the start of each line.
    const ev: Record<string, unknown> = { seq: this.seq++, t: this.now().toISOString(), type };
    for (const k of Object.keys(fields)) {
      if (k === 'seq' || k === 't') continue;
      // A plain assignment would make a "__proto__" field the prototype (spreading defines it as data).
      if (k in Object.prototype) Object.defineProperty(ev, k, { value: fields[k], enumerable: true, writable: true, configurable: true });
      else ev[k] = fields[k];
    }
    return JSON.stringify(ev) + '\n';
  }

  /**
   * Writes what is queued at once (a small synchronous append to the page cache: it survives a crash of
   * this process, and costs less than an asynchronous write per statement); resolves once written, or
   * once on disk with `sync` (open and close). Otherwise the fdatasync follows within syncIntervalMs.
   */
  flush(sync = false): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.join('');
    this.pending = [];
    const failed = (e: Error) => {
      this.broken ??= e;
      return new RecorderError(`session recording failed: ${this.broken.message}`);
    };
    if (this.broken) return Promise.reject(failed(this.broken));
    if (batch !== '') {
      try {
        const buf = Buffer.from(batch, 'utf8');
        writeSync(this.fh.fd, buf);
        this.hash.update(buf);
        this.bytes += buf.length;
      } catch (e) {
        return Promise.reject(failed(e as Error));
      }
    }
    const interval = this.opts.syncIntervalMs ?? 1000;
    const now = Date.now();
    if (sync || interval <= 0 || now - this.lastSync >= interval) {
      clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
      this.lastSync = now;
      this.writing = this.writing.then(async () => {
        if (this.broken) throw failed(this.broken);
        try {
          await this.fh.datasync();
        } catch (e) {
          throw failed(e as Error);
        }
      });
      return this.writing;
    }
    if (!this.syncTimer) {
      this.syncTimer = setTimeout(() => void this.flush(true).catch(() => undefined), interval - (now - this.lastSync));
      this.syncTimer.unref();
    }
    return Promise.resolve();
  }

  /**
   * Writes the closing event, fsyncs, and seals: appends a `session_seal` record (the file's sha256)
   * to the audit chain and writes a sidecar naming that record, so `writ replay` can find it.
   */
  async close(fields: Record<string, unknown> = {}): Promise<SessionSeal> {
    if (this.closed) throw new RecorderError(`session ${this.opts.sessionId} is closed`);
    this.push({ type: 'close', events: this.seq + 1, duration_ms: this.now().getTime() - this.started, ...fields });
    this.closed = true;
    try {
      await this.flush(true);
    } finally {
      clearTimeout(this.syncTimer);
      await this.fh.close().catch(() => undefined);
    }
    const seal: SessionSeal = {
      session_id: this.opts.sessionId,
      file: `sessions/${this.opts.sessionId}.jsonl`,
      sha256: this.hash.digest('hex'),
      events: this.seq,
      bytes: this.bytes,
    };
    if (!this.opts.log) return seal;
    const decision_id = uuidv7(this.now().getTime());
    const rec = await this.opts.log.append({
      kind: 'session_seal',
      decision_id,
      time: this.now().toISOString(),
      session_id: seal.session_id,
      file: seal.file,
      sha256: seal.sha256,
      events: seal.events,
      bytes: seal.bytes,
    });
    // A log behind the service's API (httpSealLog) stores the seal under an id of its own: the stored one counts.
    seal.decision_id = typeof rec.decision_id === 'string' ? rec.decision_id : decision_id;
    seal.seq = rec.seq;
    writeSidecar(this.opts.dataDir, this.opts.sessionId, { decision_id: seal.decision_id, seq: rec.seq, sha256: seal.sha256 });
    return seal;
  }
}

/** The sidecar is a pointer only (the seal's truth is the log record); written atomically. */
function writeSidecar(dataDir: string, id: string, s: SealSidecar): void {
  const path = sealFile(dataDir, id);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(s) + '\n', { mode: 0o600 });
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}
