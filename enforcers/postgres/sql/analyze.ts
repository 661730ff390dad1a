// Walks one statement's parse tree: relations with their access, functions called, effects, nested data operations.

import type { Access } from './types.ts';
import { isDangerousFunction, runsSqlFromText } from './functions.ts';
import { lastName, nameFromStrings, rangeVarName, type RangeVarFields } from './names.ts';

type Fields = Record<string, unknown>;

export interface Context {
  access: Access; // access of relations met here, unless a statement node sets its own
  planOnly: boolean; // under EXPLAIN without ANALYZE: nothing runs, every relation is only read
  ctes: ReadonlyArray<ReadonlySet<string>>; // CTE names in scope: unqualified references to them are not relations
  text: string; // the statement's SQL, for bodies the PL/pgSQL compiler must read
}

export class Collector {
  readonly relations = new Map<string, Access>();
  readonly functions: string[] = [];
  private readonly functionSet = new Set<string>();
  readonly effects = new Set<string>();
  readonly dataOperations: string[] = [];
  // Work visit()/visitNode() scheduled and drain() has not taken yet.
  readonly scheduled: Work[] = [];
  // Statement texts whose PL/pgSQL body the caller must read: DO blocks (run now) and functions (run later).
  readonly doBlocks: Array<{ text: string; language: string }> = [];
  readonly functionBodies: string[] = [];

  addRelation(name: string, access: Access): void {
    const prev = this.relations.get(name);
    if (prev === undefined || strength[access] > strength[prev]) this.relations.set(name, access);
  }

  addFunction(name: string): void {
    if (!this.functionSet.has(name)) {
      this.functionSet.add(name);
      this.functions.push(name);
    }
  }
}

const strength: Record<Access, number> = { read: 0, write: 1, ddl: 2 };

// Object kinds of DROP whose names are relations.
const relationKinds = new Set([
  'OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE',
]);

// Settings that change how the server tokenizes later statements, so writ's parse would no longer match its own.
const parsingSettings = new Set(['client_encoding', 'standard_conforming_strings', 'backslash_quote']);

// One pending piece of the walk: a value under a context, or a node's fields when type is set.
interface Work {
  value: unknown;
  ctx: Context;
  type?: string;
}

// The walk keeps its own stack: expression trees thousands of levels deep (which PostgreSQL accepts) must not
// exhaust JavaScript's. visit/visitNode only schedule; drain() runs them depth-first in the order scheduled.
export function visit(value: unknown, ctx: Context, out: Collector): void {
  // Leaves (strings, numbers, booleans, null) hold nothing to find: not scheduled at all.
  if (value === null || typeof value !== 'object') return;
  out.scheduled.push({ value, ctx });
}

export function visitNode(type: string, f: Fields, ctx: Context, out: Collector): void {
  out.scheduled.push({ value: f, ctx, type });
}

export function drain(out: Collector): void {
  const stack: Work[] = [];
  const scheduled = out.scheduled;
  // Moves what was scheduled onto the stack, last first, so the first scheduled is taken next (pop, not a loop
  // and a length reset: this runs once a node).
  while (scheduled.length > 0) stack.push(scheduled.pop()!);
  while (stack.length > 0) {
    const w = stack.pop()!;
    if (w.type !== undefined) handleNode(w.type, w.value as Fields, w.ctx, out);
    else expand(w.value, w.ctx, out);
    while (scheduled.length > 0) stack.push(scheduled.pop()!);
  }
}

function expand(value: unknown, ctx: Context, out: Collector): void {
  if (Array.isArray(value)) {
    for (const v of value) visit(v, ctx, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const obj = value as Fields;
  // A RangeVar stored unwrapped in a typed field (InsertStmt.relation, IntoClause.rel, ...).
  if (typeof obj.relname === 'string') {
    rangeVar(obj as unknown as RangeVarFields, ctx.access, ctx, out, false);
    return;
  }
  for (const key of Object.keys(obj)) {
    const child = obj[key];
    // Node wrappers are the only capitalized keys: { SelectStmt: {...} }.
    if (isNodeKey(key)) visitNode(key, child as Fields, ctx, out);
    else if (key in unwrappedFields && isUnwrapped(child)) visitNode(unwrappedFields[key]!, child as Fields, ctx, out);
    else visit(child, ctx, out);
  }
}

function isNodeKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x41 && c <= 0x5a;
}

// Typed pointer fields hold a node's fields without the { Type: ... } wrapper; these must still be seen as that type.
const unwrappedFields: Record<string, string> = {
  funccall: 'FuncCall', // CallStmt
  setstmt: 'VariableSetStmt', // ALTER ROLE/DATABASE ... SET
  larg: 'SelectStmt', // set operations (JoinExpr's larg/rarg are wrapped nodes)
  rarg: 'SelectStmt',
  base: 'CreateStmt', // CREATE FOREIGN TABLE
};

function isUnwrapped(child: unknown): boolean {
  if (child === null || typeof child !== 'object' || Array.isArray(child)) return false;
  return !Object.keys(child).some(isNodeKey);
}

function visitExcept(fields: Fields, skip: readonly string[], ctx: Context, out: Collector): void {
  for (const key of Object.keys(fields)) if (!skip.includes(key)) visit(fields[key], ctx, out);
}

function rangeVar(rv: RangeVarFields, access: Access, ctx: Context, out: Collector, isTarget: boolean): void {
  if (!isTarget && !rv.schemaname && !rv.catalogname && ctx.ctes.some((s) => s.has(rv.relname))) return;
  out.addRelation(rangeVarName(rv), ctx.planOnly ? 'read' : access);
}

// Pushes the CTE names of a WITH clause and visits its queries (which may modify data).
function withClause(clause: unknown, ctx: Context, out: Collector): Context {
  const ctes = (clause as { ctes?: unknown[] } | undefined)?.ctes;
  if (!Array.isArray(ctes)) return ctx;
  const names = new Set<string>();
  for (const c of ctes) {
    const name = (c as { CommonTableExpr?: { ctename?: string } }).CommonTableExpr?.ctename;
    if (typeof name === 'string') names.add(name);
  }
  const inner: Context = { ...ctx, access: 'read', ctes: [...ctx.ctes, names] };
  for (const c of ctes) visit((c as { CommonTableExpr?: Fields }).CommonTableExpr?.ctequery, inner, out);
  return inner;
}

// A pseudo node type (not PostgreSQL's): marks its names as write-locked once reached.
const WRITE_LOCK = '#write-lock';

function handleNode(type: string, f: Fields, ctx: Context, out: Collector): void {
  if (f === null || typeof f !== 'object') return;
  switch (type) {
    case WRITE_LOCK:
      for (const name of f.names as string[]) out.addRelation(name, 'write');
      return;
    case 'RangeVar':
      rangeVar(f as unknown as RangeVarFields, ctx.access, ctx, out, false);
      return;
    case 'FuncCall': {
      const name = nameFromStrings(f.funcname);
      const last = lastName(f.funcname);
      if (name) out.addFunction(name);
      if (last && isDangerousFunction(last)) out.effects.add('function_call');
      if (last && runsSqlFromText(last)) out.effects.add('dynamic_sql');
      visitExcept(f, ['funcname'], ctx, out);
      return;
    }
    case 'SelectStmt':
      return selectStmt(f, ctx, out);
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return dataStatement(type, f, ctx, out);
    case 'CopyStmt':
      if (f.relation) rangeVar(f.relation as RangeVarFields, f.is_from ? 'write' : 'read', ctx, out, true);
      if (f.is_from && !ctx.planOnly) out.dataOperations.push('copy_from');
      if (f.is_program) out.effects.add('copy_program');
      else if (typeof f.filename === 'string') out.effects.add('copy_file');
      visitExcept(f, ['relation'], { ...ctx, access: 'read' }, out);
      return;
    case 'ExplainStmt': {
      const analyze = explainAnalyzes(f.options);
      visit(f.query, analyze ? ctx : { ...ctx, planOnly: true }, out);
      return;
    }
    case 'PrepareStmt':
      out.effects.add('dynamic_sql');
      visit(f.query, ctx, out);
      return;
    case 'ExecuteStmt':
      out.effects.add('dynamic_sql');
      visit(f.params, ctx, out);
      return;
    case 'DoStmt':
      out.effects.add('do_block');
      out.doBlocks.push({ text: ctx.text, language: doLanguage(f.args) });
      return;
    case 'CreateFunctionStmt':
      createFunction(f, ctx, out);
      return;
    case 'VariableSetStmt': {
      const name = String(f.name ?? '');
      if (name === 'role') out.effects.add('set_role');
      else if (name === 'session_authorization') out.effects.add('set_session_authorization');
      else if (name === 'search_path') out.effects.add('set_search_path');
      else if (parsingSettings.has(name)) out.effects.add('set_parsing_option');
      visit(f.args, ctx, out);
      return;
    }
    case 'DropStmt':
      if (relationKinds.has(String(f.removeType)) && Array.isArray(f.objects)) {
        for (const o of f.objects) {
          const name = nameFromStrings((o as { List?: { items?: unknown } }).List?.items);
          if (name) out.addRelation(name, ctx.planOnly ? 'read' : 'ddl');
        }
      }
      return;
    case 'TruncateStmt':
    case 'LockStmt':
      visit(f.relations, { ...ctx, access: 'write' }, out);
      return;
    case 'LoadStmt':
      out.effects.add('load');
      return;
    case 'CreateExtensionStmt':
      out.effects.add('create_extension');
      visit(f, ctx, out);
      return;
    case 'AlterSystemStmt':
      // Its SET is for the server's configuration file, not this session.
      out.effects.add('alter_system');
      return;
    default:
      visit(f, ctx, out);
  }
}

function selectStmt(f: Fields, ctx: Context, out: Collector): void {
  const inner = withClause(f.withClause, { ...ctx, access: 'read' }, out);
  const into = f.intoClause as { rel?: RangeVarFields } | undefined;
  if (into?.rel) rangeVar(into.rel, 'ddl', inner, out, true);
  visitExcept(f, ['withClause', 'intoClause', 'lockingClause'], inner, out);
  if (Array.isArray(f.lockingClause) && f.lockingClause.length > 0 && !ctx.planOnly) {
    // FOR UPDATE/SHARE locks rows of the FROM relations it names (all of them when it names none): a write lock.
    out.effects.add('row_lock');
    const from = fromRelations(f.fromClause, inner);
    const lockedNames: string[] = [];
    for (const lc of f.lockingClause) {
      const locked = (lc as { LockingClause?: { lockedRels?: unknown[] } }).LockingClause?.lockedRels;
      if (!Array.isArray(locked) || locked.length === 0) {
        lockedNames.push(...from.values());
        continue;
      }
      for (const r of locked) {
        const rel = (r as { RangeVar?: RangeVarFields }).RangeVar;
        const name = rel && from.get(rel.relname);
        if (name) lockedNames.push(name);
      }
    }
    // Scheduled after the FROM list, so relations keep the order they appear in.
    visitNode(WRITE_LOCK, { names: lockedNames }, inner, out);
  }
}

// The relations directly in a FROM list (through joins, not subqueries), keyed by alias or name.
function fromRelations(fromClause: unknown, ctx: Context): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (item: unknown): void => {
    if (Array.isArray(item)) return item.forEach(walk);
    const node = item as { RangeVar?: RangeVarFields & { alias?: { aliasname?: string } }; JoinExpr?: { larg?: unknown; rarg?: unknown } };
    if (node?.RangeVar) {
      const rv = node.RangeVar;
      if (!rv.schemaname && !rv.catalogname && ctx.ctes.some((s) => s.has(rv.relname))) return;
      found.set(rv.alias?.aliasname ?? rv.relname, rangeVarName(rv));
    } else if (node?.JoinExpr) {
      walk(node.JoinExpr.larg);
      walk(node.JoinExpr.rarg);
    }
  };
  walk(fromClause);
  return found;
}

const dataOperationOf: Record<string, string> = { InsertStmt: 'insert', UpdateStmt: 'update', DeleteStmt: 'delete', MergeStmt: 'merge' };

function dataStatement(type: string, f: Fields, ctx: Context, out: Collector): void {
  const inner = withClause(f.withClause, { ...ctx, access: 'read' }, out);
  if (f.relation) rangeVar(f.relation as RangeVarFields, 'write', ctx, out, true);
  if (!ctx.planOnly) {
    out.dataOperations.push(dataOperationOf[type]!);
    if (type === 'UpdateStmt' && !f.whereClause) out.effects.add('update_without_where');
    if (type === 'DeleteStmt' && !f.whereClause) out.effects.add('delete_without_where');
  }
  visitExcept(f, ['withClause', 'relation'], inner, out);
}

// EXPLAIN runs the statement only with ANALYZE (not ANALYZE false/off/0).
export function explainAnalyzes(options: unknown): boolean {
  if (!Array.isArray(options)) return false;
  for (const o of options) {
    const d = (o as { DefElem?: { defname?: string; arg?: Fields } }).DefElem;
    if (d?.defname !== 'analyze') continue;
    const arg = d.arg as { String?: { sval?: string }; Boolean?: { boolval?: boolean }; Integer?: { ival?: number } } | undefined;
    if (!arg) return true;
    if (arg.Boolean) return arg.Boolean.boolval === true;
    if (arg.Integer) return (arg.Integer.ival ?? 0) !== 0;
    const s = (arg.String?.sval ?? '').toLowerCase();
    return !['false', 'off', '0', 'no'].includes(s);
  }
  return false;
}

function defElems(options: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (Array.isArray(options)) {
    for (const o of options) {
      const d = (o as { DefElem?: { defname?: string; arg?: unknown } }).DefElem;
      if (d?.defname) m.set(d.defname, d.arg);
    }
  }
  return m;
}

export function doLanguage(args: unknown): string {
  const lang = defElems(args).get('language') as { String?: { sval?: string } } | undefined;
  return lang?.String?.sval ?? 'plpgsql';
}

// CREATE FUNCTION/PROCEDURE: its body runs later, under other statements' names; dynamic SQL in it is flagged now.
function createFunction(f: Fields, ctx: Context, out: Collector): void {
  const lang = (defElems(f.options).get('language') as { String?: { sval?: string } } | undefined)?.String?.sval ?? 'sql';
  if (lang === 'plpgsql') out.functionBodies.push(ctx.text);
  else if (isUntrustedLanguage(lang)) out.effects.add('untrusted_language');
  // A SQL-standard body (BEGIN ATOMIC) is parsed here but runs later: its relations are only looked at.
  visitExcept(f, ['sql_body'], ctx, out);
  visit(f.sql_body, { ...ctx, planOnly: true }, out);
}

// C, internal, and the "u" variants of procedural languages (plpython3u, plperlu, pltclu) run outside SQL's sandbox.
export function isUntrustedLanguage(lang: string): boolean {
  return lang === 'c' || lang === 'internal' || (lang.startsWith('pl') && lang.endsWith('u'));
}
