// PostgreSQL's own parser (libpg-query, compiled to wasm, loaded once): statements, PL/pgSQL bodies, tokens.

import { loadModule, parseSync, parsePlPgSQLSync, scanSync, type ScanToken } from 'libpg-query';

// The wasm module must be ready before the first synchronous parse; loading it needs no network.
await loadModule();

export interface RawStatement {
  stmt: Record<string, unknown>; // one node, e.g. { SelectStmt: {...} }
  location: number; // byte offset in the UTF-8 text
  length: number; // bytes; 0 = to the end of the text
}

export type ParseOutcome = { ok: true; statements: RawStatement[] } | { ok: false; error: string };

function errorText(e: unknown): string {
  if (e instanceof RangeError) return 'statement too deeply nested to parse';
  return e instanceof Error ? e.message : String(e);
}

export function parseSql(text: string): ParseOutcome {
  try {
    const result = parseSync(text) as unknown as { stmts?: Array<{ stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }> };
    const statements = (result.stmts ?? []).map((s) => ({ stmt: s.stmt, location: s.stmt_location ?? 0, length: s.stmt_len ?? 0 }));
    return { ok: true, statements };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
}

// The PL/pgSQL compiler's tree for a DO or CREATE FUNCTION statement (given as its whole SQL text).
export function parsePlpgsql(statementText: string): { ok: true; tree: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, tree: parsePlPgSQLSync(statementText) };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
}

export function scanTokens(text: string): ScanToken[] | undefined {
  try {
    return scanSync(text).tokens;
  } catch {
    return undefined;
  }
}
