// classify(sql): each statement of a simple-query string, classified from PostgreSQL's own parse tree.

import { Collector, drain, explainAnalyzes, isUntrustedLanguage, visitNode, type Context } from './analyze.ts';
import { DDL_OPERATIONS, dataOperationRank, operationOf } from './operations.ts';
import { parseSql, type RawStatement } from './parser.ts';
import { analyzePlpgsqlBody } from './plpgsql.ts';
import type { ClassifiedStatement, Relation } from './types.ts';
import { Lru } from '../../common/lru.ts';

// DO blocks whose static SQL holds DO blocks: deeper than this is refused rather than followed.
const MAX_BODY_DEPTH = 4;

// Parsing is ~0.1 ms a statement; drivers and ORMs resend the same texts, so recent results are kept (frozen).
const CACHE_ENTRIES = 512;
const CACHE_MAX_TEXT = 4096;
const cache = new Lru<string, readonly ClassifiedStatement[]>(CACHE_ENTRIES);

export function classify(sql: string): readonly ClassifiedStatement[] {
  if (sql.length > CACHE_MAX_TEXT) return classifyText(sql, 0);
  const hit = cache.get(sql);
  if (hit) return hit;
  const result = deepFreeze(classifyText(sql, 0));
  cache.set(sql, result);
  return result;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function classifyText(sql: string, depth: number): ClassifiedStatement[] {
  // libpg-query refuses '' outright; PostgreSQL answers it with EmptyQueryResponse.
  if (sql === '') return [];
  const parsed = parseSql(sql);
  if (!parsed.ok) return [unknown(sql.trim(), parsed.error)];
  const bytes = Buffer.from(sql, 'utf8');
  return parsed.statements.map((raw) => {
    const end = raw.length > 0 ? raw.location + raw.length : bytes.length;
    const text = bytes.subarray(raw.location, end).toString('utf8').trim();
    try {
      return classifyStatement(raw, text, depth);
    } catch (e) {
      // JavaScript's own stack on a tree PostgreSQL accepted: refused, never guessed.
      if (e instanceof RangeError) return unknown(text, 'statement too deeply nested to classify');
      throw e;
    }
  });
}

function unknown(text: string, error: string): ClassifiedStatement {
  return { text, operation: 'unknown', effects: [], relations: [], functions: [], parse_error: error };
}

function classifyStatement(raw: RawStatement, text: string, depth: number): ClassifiedStatement {
  const [type, fields] = Object.entries(raw.stmt)[0] as [string, Record<string, unknown>];
  let operation = topOperation(type, fields);
  const isDdl = DDL_OPERATIONS.has(operation);
  const out = new Collector();
  const ctx: Context = { access: isDdl ? 'ddl' : 'read', planOnly: false, ctes: [], text };
  visitNode(type, fields, ctx, out);
  drain(out);

  for (const block of out.doBlocks) mergeDoBlock(block, depth, out);
  for (const fn of out.functionBodies) if (analyzePlpgsqlBody(fn).dynamic) out.effects.add('dynamic_sql');

  // Data-modifying CTEs and COPY (query) make the statement as consequential as what they do.
  const rank = dataOperationRank(operation);
  if (rank !== undefined) {
    let best = rank;
    for (const op of out.dataOperations) {
      const r = dataOperationRank(op)!;
      if (r > best) {
        best = r;
        operation = op;
      }
    }
  }

  const relations: Relation[] = [...out.relations].map(([name, access]) => ({ name, access }));
  for (const r of relations) out.effects.add(r.access);
  if (isDdl) out.effects.add('ddl');
  if (operation === 'select' || operation === 'copy_to') out.effects.add('read');
  if ((dataOperationRank(operation) ?? -1) >= 2) out.effects.add('write');
  return { text, operation, effects: [...out.effects].sort(), relations, functions: out.functions };
}

// The statement's own operation; EXPLAIN ANALYZE runs its statement, SELECT INTO creates a table.
function topOperation(type: string, fields: Record<string, unknown>): string {
  if (type === 'SelectStmt' && fields.intoClause) return 'create';
  if (type === 'ExplainStmt' && fields.query && explainAnalyzes(fields.options)) {
    const [innerType, innerFields] = Object.entries(fields.query as Record<string, unknown>)[0] as [string, Record<string, unknown>];
    return topOperation(innerType, innerFields);
  }
  return operationOf(type, fields);
}

// A DO block runs now: what its body runs statically is merged in; what it runs dynamically is flagged.
function mergeDoBlock(block: { text: string; language: string }, depth: number, out: Collector): void {
  if (block.language !== 'plpgsql') {
    out.effects.add('dynamic_sql');
    if (isUntrustedLanguage(block.language)) out.effects.add('untrusted_language');
    return;
  }
  const body = analyzePlpgsqlBody(block.text);
  if (body.dynamic) out.effects.add('dynamic_sql');
  if (depth >= MAX_BODY_DEPTH) {
    out.effects.add('dynamic_sql');
    return;
  }
  for (const sql of body.statements) {
    for (const inner of classifyText(sql, depth + 1)) {
      // Unreadable SQL inside a body is as opaque as dynamic SQL.
      if (inner.operation === 'unknown') out.effects.add('dynamic_sql');
      for (const e of inner.effects) out.effects.add(e);
      for (const r of inner.relations) out.addRelation(r.name, r.access);
      for (const f of inner.functions) out.addFunction(f);
    }
  }
}
