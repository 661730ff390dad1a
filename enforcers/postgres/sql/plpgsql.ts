// Looks inside PL/pgSQL bodies (DO, CREATE FUNCTION): dynamic EXECUTE, and the SQL the body runs statically.

import { parsePlpgsql, scanTokens } from './parser.ts';

export interface BodyAnalysis {
  // EXECUTE, FOR ... IN EXECUTE, OPEN ... FOR EXECUTE, RETURN QUERY EXECUTE, or a body writ could not read.
  dynamic: boolean;
  // SQL the body runs as written, each a complete statement (expressions wrapped as SELECT).
  statements: string[];
  error?: string;
}

// parseMode of PLpgSQL_expr (PostgreSQL's RawParseMode): 0 whole statement, 1 type name, 2 expression, 3-5 assignment.
function exprToSql(query: string, mode: number): string | undefined {
  if (mode === 0) return query;
  if (mode === 2) return `SELECT ${query}`;
  if (mode >= 3 && mode <= 5) {
    // "target := expr": the expression starts after the assignment token (token offsets are UTF-8 bytes).
    const tokens = scanTokens(query);
    const assign = tokens?.find((t) => t.text === ':=' || t.text === '=');
    return assign ? `SELECT ${Buffer.from(query, 'utf8').subarray(assign.end).toString('utf8')}` : undefined;
  }
  return undefined;
}

function walk(value: unknown, out: BodyAnalysis): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'PLpgSQL_stmt_dynexecute' || key === 'PLpgSQL_stmt_dynfors' || key === 'dynquery') out.dynamic = true;
    if (key === 'PLpgSQL_expr') {
      const e = child as { query?: string; parseMode?: number };
      if (typeof e.query === 'string') {
        const sql = exprToSql(e.query, e.parseMode ?? 0);
        if (sql !== undefined) out.statements.push(sql);
      }
      continue;
    }
    walk(child, out);
  }
}

// statementText is the whole DO or CREATE FUNCTION statement; the PL/pgSQL compiler reads it as PostgreSQL would.
export function analyzePlpgsqlBody(statementText: string): BodyAnalysis {
  const parsed = parsePlpgsql(statementText);
  if (!parsed.ok) return { dynamic: true, statements: [], error: parsed.error };
  const out: BodyAnalysis = { dynamic: false, statements: [] };
  walk(parsed.tree, out);
  return out;
}
