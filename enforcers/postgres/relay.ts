// The relay, client side: every client message is decided (simple queries per statement, extended protocol at Parse
// and again at Execute) and forwarded or replaced by a sentinel that fails upstream; answers.ts matches what comes
// back, so a refusal is shown exactly where PostgreSQL would have shown the error.
import { Masker, MaskConfigError, type MaskRule } from '../common/index.ts';
import { Lru } from '../common/lru.ts';
import { serializeClientMessage, type ClientMessage } from './protocol/index.ts';
import { classify, classifyFunctionCall, type ClassifiedStatement } from './sql/index.ts';
import { decideStatement, denial, SessionFatal, type StatementContext } from './decide.ts';
import { Answers, type Column, type Portal, type RelayStats } from './answers.ts';
import { parameterTexts } from './input.ts';
import type { ClientConnection } from './client-conn.ts';
import type { UpstreamSession } from './upstream.ts';
import type { CatalogResolver } from './catalog.ts';

// What a refused command is replaced with upstream: it fails at parse time, changes nothing, and makes PostgreSQL
// itself produce the error state (ReadyForQuery 'E' inside a transaction, skip-to-Sync in the extended protocol).
// Its text is what a DBA sees in the server log.
const SENTINEL_SQL = 'writ refused this statement (policy denial)';
const SENTINEL_STATEMENT = 'writ_refused';

export type { RelayStats } from './answers.ts';

// A Masker holds no state between rows, and policies answer the same few rule sets over and over: one Masker per
// distinct rule set (and hash key) is kept, most recently used last, instead of a new one per statement.
const MASKER_CACHE_ENTRIES = 256;
const maskers = new Lru<string, Masker>(MASKER_CACHE_ENTRIES);

/**
 * The cache key of a rule set: its JSON text, with the hash key. Only rule sets JSON states exactly are cached (plain
 * objects of strings and finite numbers): a rule with an undefined, NaN or object field (which JSON would drop or
 * change, so that an invalid rule could share a valid one's key) gets a Masker of its own, as before.
 */
function maskerKey(rules: readonly MaskRule[], hashKey: Buffer | undefined): string | undefined {
  for (const r of rules) {
    if (typeof r !== 'object' || r === null || Object.getPrototypeOf(r) !== Object.prototype) return undefined;
    let n = 0;
    for (const k in r) {
      n++;
      if (!Object.hasOwn(r, k)) return undefined;
      const v = (r as unknown as Record<string, unknown>)[k];
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) return undefined;
    }
    // Non-enumerable fields are read by the Masker but not written by JSON.
    if (Object.getOwnPropertyNames(r).length !== n) return undefined;
  }
  return `${hashKey ? hashKey.toString('base64') : '-'}\n${JSON.stringify(rules)}`;
}

/** new Masker(rules, { hashKey }), shared with earlier statements that had the same rules; throws as the constructor. */
export function cachedMasker(rules: readonly MaskRule[], hashKey: Buffer | undefined): Masker {
  const key = maskerKey(rules, hashKey);
  const hit = key === undefined ? undefined : maskers.get(key);
  if (hit) return hit;
  // Rule sets the constructor refuses are not kept: they are refused again each time.
  const m = new Masker(rules, { hashKey });
  if (key !== undefined) maskers.set(key, m);
  return m;
}

export class Relay {
  private readonly statements = new Map<string, { st?: ClassifiedStatement; description?: Column[] }>();
  private readonly portals = new Map<string, Portal>();
  readonly stats: RelayStats = { statements: 0, denied: 0, masked: 0 };
  private readonly answers: Answers;

  constructor(
    client: ClientConnection,
    private readonly up: UpstreamSession,
    private readonly ctx: StatementContext,
    fail: (e: unknown) => void,
    catalog?: CatalogResolver,
  ) {
    this.answers = new Answers(this.stats, client, up, ctx, fail, catalog);
  }

  onUpstreamData(chunk: Buffer): void {
    this.answers.onUpstreamData(chunk);
  }

  /** Relays what upstream sent before the relay started (the engine calls it once). */
  start(): void {
    this.answers.start();
  }

  private send(m: ClientMessage): void {
    const s = this.up.socket;
    // Extended-protocol messages come in batches (Parse, Bind, Describe, Execute, Sync, ...): what one turn of the
    // event loop sends goes out in one write, after the turn's handling and before any I/O, instead of one write a
    // message. A simple query is one message (its decision already took a turn of its own): written at once, unless
    // it follows messages still held, which it must not overtake.
    if (m.name === 'query' && !this.corked) {
      s.write(serializeClientMessage(m));
      return;
    }
    if (!this.corked) {
      this.corked = true;
      s.cork();
      process.nextTick(this.uncork);
    }
    s.write(serializeClientMessage(m));
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.up.socket.uncork();
  };

  private makeMasker(rules: MaskRule[]): Masker | Buffer | undefined {
    if (rules.length === 0) return undefined;
    try {
      return cachedMasker(rules, this.ctx.cfg.maskHashKey);
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
        this.answers.expect({ kind: 'bind' });
        return true;
      case 'describe':
        this.send(m);
        this.answers.expect({ kind: 'describe', describe: (m.target === 'P' ? this.portals.get(m.objectName) : this.statements.get(m.objectName)) ?? {} });
        return true;
      case 'execute':
        await this.onExecute(m);
        return true;
      case 'close':
        if (m.target === 'S') this.statements.delete(m.objectName);
        else this.portals.delete(m.objectName);
        this.send(m);
        this.answers.expect({ kind: 'close' });
        return true;
      case 'sync':
        this.send(m);
        this.answers.expect({ kind: 'sync' });
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
    this.answers.expect({ kind: 'query', denial: error });
  }

  private refuseExtended(error: Buffer): void {
    this.send({ name: 'parse', statement: SENTINEL_STATEMENT, text: SENTINEL_SQL, parameterTypes: [] });
    this.answers.expect({ kind: 'parse', denial: error });
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
    this.answers.expect({ kind: 'query', masker });
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
    this.answers.expect({ kind: 'parse' });
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
      this.answers.expect({ kind: 'execute' });
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
        const asked = this.answers.pending.some((e) => e.kind === 'describe' && (e.describe === portal || e.describe === prepared));
        if (!asked) {
          this.send({ name: 'describe', target: 'P', objectName: m.portal });
          this.answers.expect({ kind: 'describe', describe: portal, swallow: true });
        }
        this.send(m);
        this.answers.expect({ kind: 'execute', masker, columnsFrom: () => portal.description ?? prepared.description });
        return;
      }
      // Binary results: the columns must be known before anything runs, to refuse masked binary columns.
      columns ??= await this.learnColumns(portal, m.portal);
      // No columns: the Describe was skipped after an upstream error, so upstream ignores this Execute too; if rows
      // came anyway, maskRow finds no columns and ends the session rather than send them unmasked.
      if (columns) {
        const rf = portal.resultFormats;
        formats = columns.map((_, i) => (rf.length === 0 ? 0 : rf.length === 1 ? rf[0]! : (rf[i] ?? 0)));
        const binary = this.answers.checkBinary(masker, columns, formats, false);
        if (binary) return this.refuseExtended(denial(binary, undefined, '0A000'));
      }
    }
    this.send(m);
    this.answers.expect({ kind: 'execute', masker, columns, formats });
  }

  /** Asks upstream for the portal's columns (a Describe the client does not see) and waits for the answer. */
  private async learnColumns(portal: Portal, portalName: string): Promise<Column[] | undefined> {
    let done!: () => void;
    const answered = new Promise<void>((r) => (done = r));
    const pendingDescribe = this.answers.pending.find((e) => e.kind === 'describe' && e.describe === portal);
    if (pendingDescribe) {
      const prev = pendingDescribe.done;
      pendingDescribe.done = () => {
        prev?.();
        done();
      };
    } else {
      this.send({ name: 'describe', target: 'P', objectName: portalName });
      this.answers.expect({ kind: 'describe', describe: portal, swallow: true, done });
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
    this.answers.expect({ kind: 'query' });
  }
}
