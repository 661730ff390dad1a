// The relay: every client message is decided (simple queries per statement, extended protocol at Parse and again at
// Execute) and forwarded, refused, or answered with masked rows. Upstream answers are matched to what was sent, so a
// refusal is shown exactly where PostgreSQL would have shown the error.
import { Masker, MaskConfigError, type MaskRule } from '../common/index.ts';
import { decodeDataRow, decodeRowDescription, encodeDataRow, errorResponse, serializeClientMessage, ProtocolError, type ClientMessage } from './protocol/index.ts';
import { classify, classifyFunctionCall, type ClassifiedStatement } from './sql/index.ts';
import { ServerCode, type ServerFrame } from './framer.ts';
import { decideStatement, denial, SessionFatal, type StatementContext } from './decide.ts';
import { parameterTexts } from './input.ts';
import type { ClientConnection } from './client-conn.ts';
import type { UpstreamSession } from './upstream.ts';
import type { CatalogResolver } from './catalog.ts';

// What a refused command is replaced with upstream: it fails at parse time, changes nothing, and makes PostgreSQL
// itself produce the error state (ReadyForQuery 'E' inside a transaction, skip-to-Sync in the extended protocol).
// Its text is what a DBA sees in the server log.
const SENTINEL_SQL = 'writ refused this statement (policy denial)';
const SENTINEL_STATEMENT = 'writ_refused';

interface Column {
  name: string;
  /** The table column it shows (from pg_attribute), when it is one: column rules match either name. */
  source?: string;
  typeOid: number;
}

type Kind = 'query' | 'sync' | 'parse' | 'bind' | 'describe' | 'execute' | 'close';

/** One upstream answer the relay waits for, in the order the messages were sent. */
interface Expect {
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

interface Portal {
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

export class Relay {
  private readonly pending: Expect[] = [];
  private skipping = false;
  private readonly statements = new Map<string, { st?: ClassifiedStatement; description?: Column[] }>();
  private readonly portals = new Map<string, Portal>();
  private out: Buffer[] = [];
  readonly stats: RelayStats = { statements: 0, denied: 0, masked: 0 };
  private maskCounts: Record<string, number> = {};

  private frames: ServerFrame[] = [];
  private draining = false;

  constructor(
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
          if (!(fields instanceof ProtocolError) && fields.some((x) => x.tableOid !== 0)) {
            this.flushOut();
            this.up.socket.pause();
            try {
              sources = await this.catalog.names(fields.map((x) => ({ tableOid: x.tableOid, attnum: x.columnAttribute })));
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
  private checkBinary(masker: Masker, columns: Column[], formats: Array<0 | 1>, fatal: boolean): string | undefined {
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
    const before = Object.values(this.maskCounts).reduce((a, b) => a + b, 0);
    const masker = h.masker!;
    // A column shown under an alias is masked by its table column's rule too.
    const names = cols.map((c) => (c.source !== undefined && !masker.masksColumn(c.name) && masker.masksColumn(c.source) ? c.source : c.name));
    const masked = masker.maskRow(names, texts, this.maskCounts);
    const n = Object.values(this.maskCounts).reduce((a, b) => a + b, 0) - before;
    this.stats.masked += n;
    h.masked = (h.masked ?? 0) + n;
    return encodeDataRow(values.map((v, i) => (binary(i) ? v : masked[i]!)));
  }

  // ---- client -> upstream ----

  private send(m: ClientMessage): void {
    this.up.socket.write(serializeClientMessage(m));
  }

  private expect(e: Expect): void {
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

  private makeMasker(rules: MaskRule[]): Masker | Buffer | undefined {
    if (rules.length === 0) return undefined;
    try {
      return new Masker(rules, { hashKey: this.ctx.cfg.maskHashKey });
    } catch (e) {
      if (e instanceof MaskConfigError) return denial(`writ: ${e.message}; denied`);
      throw e;
    }
  }

  /** Handles one client message; returns false when the session ends (Terminate). */
  async handle(m: ClientMessage): Promise<boolean> {
    switch (m.name) {
      case 'query':
        await this.onQuery(m.text);
        return true;
      case 'parse':
        await this.onParse(m);
        return true;
      case 'bind':
        this.portals.set(m.portal, { statement: m.statement, parameters: parameterTexts(m.parameters, m.parameterFormats), resultFormats: m.resultFormats });
        this.send(m);
        this.expect({ kind: 'bind' });
        return true;
      case 'describe':
        this.send(m);
        this.expect({ kind: 'describe', describe: (m.target === 'P' ? this.portals.get(m.objectName) : this.statements.get(m.objectName)) ?? {} });
        return true;
      case 'execute':
        await this.onExecute(m);
        return true;
      case 'close':
        if (m.target === 'S') this.statements.delete(m.objectName);
        else this.portals.delete(m.objectName);
        this.send(m);
        this.expect({ kind: 'close' });
        return true;
      case 'sync':
        this.send(m);
        this.expect({ kind: 'sync' });
        return true;
      case 'functionCall':
        await this.onFunctionCall(m.functionOid, m);
        return true;
      case 'terminate':
        this.send(m);
        return false;
      case 'flush':
      case 'copyData':
      case 'copyDone':
      case 'copyFail':
        this.send(m);
        return true;
      default:
        // Startup-phase messages cannot reach here: the parser refuses them after startup.
        throw new SessionFatal(`writ: unexpected ${m.name} message`, '08P01');
    }
  }

  private refuseQuery(error: Buffer): void {
    this.send({ name: 'query', text: SENTINEL_SQL });
    this.expect({ kind: 'query', denial: error });
  }

  private refuseExtended(error: Buffer): void {
    this.send({ name: 'parse', statement: SENTINEL_STATEMENT, text: SENTINEL_SQL, parameterTypes: [] });
    this.expect({ kind: 'parse', denial: error });
  }

  private async onQuery(text: string): Promise<void> {
    const statements = classify(text);
    const rules: MaskRule[] = [];
    // One decision per statement; the text runs only if every statement is allowed (nothing half-runs).
    for (const st of statements) {
      this.stats.statements++;
      const v = await decideStatement(this.ctx, st, { protocol: 'simple' });
      if (!v.allow) return this.refuseQuery(v.error);
      if (v.mask.length && (st.operation === 'copy_to' || st.effects.includes('copy_to'))) {
        return this.refuseQuery(denial('writ: COPY output cannot be masked and this statement must be masked; denied'));
      }
      rules.push(...v.mask);
    }
    const masker = this.makeMasker(rules);
    if (Buffer.isBuffer(masker)) return this.refuseQuery(masker);
    this.send({ name: 'query', text });
    this.expect({ kind: 'query', masker });
  }

  private async onParse(m: Extract<ClientMessage, { name: 'parse' }>): Promise<void> {
    const statements = classify(m.text);
    if (statements.length > 1) {
      this.statements.delete(m.statement);
      return this.refuseExtended(denial(`writ: a Parse message must hold exactly one statement (this one holds ${statements.length}); denied`, undefined, '42601'));
    }
    const st = statements[0];
    if (st) {
      this.stats.statements++;
      const v = await decideStatement(this.ctx, st, { protocol: 'extended', phase: 'parse' });
      if (!v.allow) {
        this.statements.delete(m.statement);
        return this.refuseExtended(v.error);
      }
    }
    this.statements.set(m.statement, { st });
    this.send(m);
    this.expect({ kind: 'parse' });
  }

  private async onExecute(m: Extract<ClientMessage, { name: 'execute' }>): Promise<void> {
    const portal = this.portals.get(m.portal);
    const prepared = portal ? this.statements.get(portal.statement) : undefined;
    if (!portal || !prepared) {
      // Portals from SQL DECLARE, statements from SQL PREPARE: never seen by a Parse here, so never classified.
      return this.refuseExtended(denial(`writ: portal "${m.portal}" was not bound through this enforcer's Parse/Bind; denied`));
    }
    if (!prepared.st) {
      this.send(m);
      this.expect({ kind: 'execute' });
      return;
    }
    const v = await decideStatement(this.ctx, prepared.st, { protocol: 'extended', phase: 'execute', parameters: portal.parameters });
    if (!v.allow) return this.refuseExtended(v.error);
    const masker = this.makeMasker(v.mask);
    if (Buffer.isBuffer(masker)) return this.refuseExtended(masker);
    let columns: Column[] | undefined;
    let formats: Array<0 | 1> = [];
    if (masker) {
      columns = portal.description ?? prepared.description;
      if (!columns && portal.resultFormats.every((f) => f === 0)) {
        // Text results are masked as they come: upstream answers a Describe before the Execute's rows, so there is
        // nothing to wait for; writ asks for the columns itself when the client did not.
        const asked = this.pending.some((e) => e.kind === 'describe' && (e.describe === portal || e.describe === prepared));
        if (!asked) {
          this.send({ name: 'describe', target: 'P', objectName: m.portal });
          this.expect({ kind: 'describe', describe: portal, swallow: true });
        }
        this.send(m);
        this.expect({ kind: 'execute', masker, columnsFrom: () => portal.description ?? prepared.description });
        return;
      }
      // Binary results: the columns must be known before anything runs, to refuse masked binary columns.
      columns ??= await this.learnColumns(portal, m.portal);
      // No columns: the Describe was skipped after an upstream error, so upstream ignores this Execute too; if rows
      // came anyway, maskRow finds no columns and ends the session rather than send them unmasked.
      if (columns) {
        const rf = portal.resultFormats;
        formats = columns.map((_, i) => (rf.length === 0 ? 0 : rf.length === 1 ? rf[0]! : (rf[i] ?? 0)));
        const binary = this.checkBinary(masker, columns, formats, false);
        if (binary) return this.refuseExtended(denial(binary, undefined, '0A000'));
      }
    }
    this.send(m);
    this.expect({ kind: 'execute', masker, columns, formats });
  }

  /** Asks upstream for the portal's columns (a Describe the client does not see) and waits for the answer. */
  private async learnColumns(portal: Portal, portalName: string): Promise<Column[] | undefined> {
    let done!: () => void;
    const answered = new Promise<void>((r) => (done = r));
    const pendingDescribe = this.pending.find((e) => e.kind === 'describe' && e.describe === portal);
    if (pendingDescribe) {
      const prev = pendingDescribe.done;
      pendingDescribe.done = () => {
        prev?.();
        done();
      };
    } else {
      this.send({ name: 'describe', target: 'P', objectName: portalName });
      this.expect({ kind: 'describe', describe: portal, swallow: true, done });
    }
    // PostgreSQL holds extended-protocol answers until Sync or Flush.
    this.send({ name: 'flush' });
    await answered;
    return portal.description;
  }

  private async onFunctionCall(oid: number, m: ClientMessage): Promise<void> {
    this.stats.statements++;
    const v = await decideStatement(this.ctx, classifyFunctionCall(oid), { protocol: 'simple' });
    if (!v.allow) return this.refuseQuery(v.error);
    if (v.mask.length) return this.refuseQuery(denial('writ: a FunctionCall result cannot be masked and masking applies; denied'));
    this.send(m);
    this.expect({ kind: 'query' });
  }

  /** For the engine's error path: an ErrorResponse the relay would send for a protocol-level refusal. */
  static error(message: string, sqlstate: string): Buffer {
    return errorResponse({ severity: 'ERROR', code: sqlstate, message });
  }
}
