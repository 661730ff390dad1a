// Upstream answers, matched to the messages writ sent in order (PostgreSQL answers strictly in order): refusals
// shown in place of the sentinel's error, swallowed answers to writ's own Describes, DataRows masked, and the
// skip-to-Sync after an extended-protocol error tracked so the queue never drifts.
import { isUtf8 } from 'node:buffer';
import { totalMasked, type Masker, type MaskCounts } from '../common/index.ts';
import { decodeDataRow, decodeRowDescription, encodeDataRow, ProtocolError } from './protocol/index.ts';
import { ServerCode, type ServerFrame } from './framer.ts';
import { SessionFatal, type StatementContext } from './decide.ts';
import type { ClientConnection } from './client-conn.ts';
import type { UpstreamSession } from './upstream.ts';
import type { CatalogResolver } from './catalog.ts';

export interface Column {
  name: string;
  /** The table column it shows (from pg_attribute), when it is one: column rules match either name. */
  source?: string;
  typeOid: number;
}

export type Kind = 'query' | 'sync' | 'parse' | 'bind' | 'describe' | 'execute' | 'close';

/** One upstream answer the relay waits for, in the order the messages were sent. */
export interface Expect {
  kind: Kind;
  /** The ErrorResponse to show instead of the sentinel's. */
  denial?: Buffer;
  masker?: Masker;
  /** Result columns (simple query: from the latest RowDescription; execute: from the portal's description). */
  columns?: Column[];
  formats?: Array<0 | 1>;
  /** The portal or statement (this generation of it: names are reused) a Describe's answer belongs to. */
  describe?: { description?: Column[] };
  /** Injected by writ (a Describe to learn columns): its answers are not the client's. */
  swallow?: boolean;
  done?: () => void;
  rows?: number;
  masked?: number;
  /** Execute: where the columns will be once the Describe's answer (which precedes the rows) has arrived. */
  columnsFrom?: () => Column[] | undefined;
}

export interface Portal {
  statement: string;
  parameters: Array<string | null>;
  resultFormats: Array<0 | 1>;
  description?: Column[];
}

// Fixed-size binary types whose bytes cannot hold text a detector looks for.
const NON_TEXT_BINARY = new Set([16, 20, 21, 23, 26, 700, 701, 1700, 1082, 1083, 1114, 1184, 1186, 2950]);

export interface RelayStats {
  statements: number;
  denied: number;
  masked: number;
}

export class Answers {
  readonly pending: Expect[] = [];
  private skipping = false;
  private out: Buffer[] = [];

  private frames: ServerFrame[] = [];
  private draining = false;

  constructor(
    private readonly stats: RelayStats,
    private readonly client: ClientConnection,
    private readonly up: UpstreamSession,
    private readonly ctx: StatementContext,
    /** Ends the session (an upstream answer writ cannot relay safely). */
    private readonly fail: (e: unknown) => void,
    private readonly catalog?: CatalogResolver,
  ) {
    this.frames.push(...up.early);
  }

  // ---- upstream -> client ----

  onUpstreamData(chunk: Buffer): void {
    for (const f of this.up.framer.push(chunk)) this.frames.push(f);
    if (!this.draining) void this.drain();
  }

  /** Relays what upstream sent before the relay started (the engine calls it once). */
  start(): void {
    if (this.frames.length && !this.draining) void this.drain();
  }

  /** Relays frames in order; a RowDescription whose source columns are not known yet waits for the catalog. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.frames.length) {
        const f = this.frames.shift()!;
        let sources: Map<string, string> | undefined;
        if (f.code === ServerCode.RowDescription && this.catalog) {
          const fields = decodeRowDescription(f.bytes);
          const refs = fields instanceof ProtocolError || !fields.some((x) => x.tableOid !== 0) ? undefined : fields.map((x) => ({ tableOid: x.tableOid, attnum: x.columnAttribute }));
          // Columns already known (the usual case: the same tables again) need no wait, so no pause of the upstream.
          if (refs) sources = this.catalog.cached(refs);
          if (refs && !sources) {
            this.flushOut();
            this.up.socket.pause();
            try {
              sources = await this.catalog.names(refs);
            } catch (e) {
              throw new SessionFatal(`writ: cannot look up result columns for masking (${(e as Error).message}); the session is closed`, '58000');
            }
            if (!this.client.socket.writableNeedDrain) this.up.socket.resume();
          }
        }
        this.onFrame(f, sources);
      }
      this.flushOut();
    } catch (e) {
      this.frames = [];
      this.fail(e);
    } finally {
      this.draining = false;
    }
  }

  private flushOut(): void {
    this.client.write(this.out);
    this.out = [];
  }

  private head(): Expect | undefined {
    return this.pending[0];
  }

  private pop(): void {
    this.pending.shift()?.done?.();
  }

  private emit(e: Expect | undefined, bytes: Buffer): void {
    if (!e?.swallow) this.out.push(bytes);
  }

  private onFrame(f: ServerFrame, sources?: Map<string, string>): void {
    const h = this.head();
    switch (f.code) {
      case ServerCode.ErrorResponse: {
        if (h?.denial) {
          this.stats.denied++;
          this.ctx.record('error', { denied: true });
          this.out.push(h.denial);
          h.denial = undefined;
        } else this.out.push(f.bytes);
        // A simple query (or Sync, FunctionCall) ends at its ReadyForQuery; an extended message error skips to Sync.
        if (h && h.kind !== 'query' && h.kind !== 'sync') {
          while (this.head() && this.head()!.kind !== 'sync') this.pop();
          if (!this.head()) this.skipping = true;
        }
        return;
      }
      case ServerCode.ReadyForQuery:
        while (this.head() && this.head()!.kind !== 'sync' && this.head()!.kind !== 'query') this.pop();
        this.pop();
        this.out.push(f.bytes);
        return;
      case ServerCode.ParseComplete:
      case ServerCode.BindComplete:
      case ServerCode.CloseComplete:
        this.pop();
        this.emit(h, f.bytes);
        return;
      case ServerCode.RowDescription: {
        const fields = decodeRowDescription(f.bytes);
        if (fields instanceof ProtocolError) throw new SessionFatal(`writ: upstream sent a malformed RowDescription (${fields.message})`, '08P01');
        const columns = fields.map((x) => ({ name: x.name, source: sources?.get(`${x.tableOid}:${x.columnAttribute}`), typeOid: x.dataTypeOid }));
        if (h?.kind === 'query') {
          h.columns = columns;
          h.formats = fields.map((x) => x.format);
          if (h.masker) this.checkBinary(h.masker, columns, h.formats, true);
        } else if (h?.kind === 'describe') {
          this.describeAnswer(h, columns);
          this.pop();
        }
        this.emit(h, f.bytes);
        return;
      }
      case ServerCode.NoData:
        if (h?.kind === 'describe') {
          this.describeAnswer(h, []);
          this.pop();
        }
        this.emit(h, f.bytes);
        return;
      case ServerCode.ParameterDescription:
        this.emit(h, f.bytes);
        return;
      case ServerCode.ParameterStatus: {
        // writ reads statements and rewrites rows as UTF-8; another client encoding would defeat both.
        const [name, value] = f.bytes.toString('utf8', 5, f.bytes.length - 1).split('\0');
        if (name === 'client_encoding' && value?.toUpperCase() !== 'UTF8') {
          throw new SessionFatal(`writ: client_encoding changed to ${value}; writ decides and masks UTF-8 only, the session is closed`, '0A000');
        }
        this.out.push(f.bytes);
        return;
      }
      case ServerCode.DataRow:
        if (h) h.rows = (h.rows ?? 0) + 1;
        this.out.push(h?.masker && !h.masker.empty ? this.maskRow(h, f.bytes) : f.bytes);
        return;
      case ServerCode.CommandComplete:
      case ServerCode.EmptyQueryResponse:
      case ServerCode.PortalSuspended:
        if (h && (h.kind === 'execute' || h.kind === 'query')) {
          this.ctx.record('rows', { command: f.code === ServerCode.CommandComplete ? f.bytes.toString('utf8', 5, f.bytes.length - 1) : null, rows: h.rows ?? 0, masked: h.masked ?? 0 });
          h.rows = h.masked = 0;
        }
        if (h?.kind === 'execute') this.pop();
        else if (h?.kind === 'query') h.columns = undefined;
        this.out.push(f.bytes);
        return;
      case ServerCode.CopyOutResponse:
      case ServerCode.CopyBothResponse:
        // COPY output is not row-shaped for the masker: refused above when masking applies; this is the backstop.
        if (h?.masker && !h.masker.empty) throw new SessionFatal('writ: COPY output cannot be masked; the session is closed rather than send unmasked data', '42501');
        this.out.push(f.bytes);
        return;
      default:
        this.out.push(f.bytes);
    }
  }

  private describeAnswer(h: Expect, columns: Column[]): void {
    h.describe!.description = columns;
  }

  /** A binary-format column that a rule would mask cannot be masked as text: refused, never passed through. */
  checkBinary(masker: Masker, columns: Column[], formats: Array<0 | 1>, fatal: boolean): string | undefined {
    for (let i = 0; i < columns.length; i++) {
      if (formats[i] !== 1) continue;
      const c = columns[i]!;
      if (masker.masksColumn(c.name) || (c.source !== undefined && masker.masksColumn(c.source)) || (masker.hasDetectors && !NON_TEXT_BINARY.has(c.typeOid))) {
        const msg = `writ: column "${c.name}" must be masked but is requested in binary format; request it in text format`;
        if (fatal) throw new SessionFatal(msg, '0A000');
        return msg;
      }
    }
    return undefined;
  }

  private maskRow(h: Expect, frame: Buffer): Buffer {
    const values = decodeDataRow(frame);
    if (values instanceof ProtocolError) throw new SessionFatal(`writ: upstream sent a malformed DataRow (${values.message})`, '08P01');
    const cols = h.columns ?? h.columnsFrom?.();
    if (!cols || cols.length !== values.length) throw new SessionFatal('writ: rows arrived without a matching RowDescription; masking cannot be applied, the session is closed', '08P01');
    const formats = h.formats ?? [];
    const binary = (i: number) => formats[i] === 1;
    const texts = values.map((v, i) => (v === null || binary(i) ? null : v.toString('utf8')));
    const masker = h.masker!;
    // A column shown under an alias is masked by its table column's rule too.
    const names = cols.map((c) => (c.source !== undefined && !masker.masksColumn(c.name) && masker.masksColumn(c.source) ? c.source : c.name));
    const counts: MaskCounts = {};
    const masked = masker.maskRow(names, texts, counts);
    const n = totalMasked(counts);
    this.stats.masked += n;
    h.masked = (h.masked ?? 0) + n;
    // Nothing changed: the row as upstream sent it is the row re-encoded (valid UTF-8 decodes and encodes back to
    // the same bytes; other bytes would come back as U+FFFD, so such a row is re-encoded as before).
    if (n === 0 && values.every((v, i) => binary(i) || (v === null ? masked[i] === null : masked[i] === texts[i] && isUtf8(v)))) return frame;
    return encodeDataRow(values.map((v, i) => (binary(i) ? v : masked[i]!)));
  }

  /** Queues the answer a message just sent upstream will get. */
  expect(e: Expect): void {
    // After an error upstream ignores everything until Sync, answering nothing.
    if (this.skipping) {
      if (e.kind !== 'sync') {
        e.done?.();
        return;
      }
      this.skipping = false;
    }
    this.pending.push(e);
  }
}
