// Names as PostgreSQL would print them: a quoted identifier holding '.' must not read as a schema-qualified name.

const plain = /^[a-z_][a-z0-9_$]*$/;

export function quoteIdent(id: string): string {
  return plain.test(id) ? id : `"${id.replace(/"/g, '""')}"`;
}

// Parts of a dotted name from String nodes ({ String: { sval } }), quoted and joined.
export function nameFromStrings(items: unknown): string | undefined {
  if (!Array.isArray(items)) return undefined;
  const parts: string[] = [];
  for (const item of items) {
    const sval = (item as { String?: { sval?: string } })?.String?.sval;
    if (typeof sval !== 'string') return undefined;
    parts.push(quoteIdent(sval));
  }
  return parts.length ? parts.join('.') : undefined;
}

// The last unquoted component of a name list, for matching built-in function names.
export function lastName(items: unknown): string | undefined {
  if (!Array.isArray(items) || items.length === 0) return undefined;
  const sval = (items[items.length - 1] as { String?: { sval?: string } })?.String?.sval;
  return typeof sval === 'string' ? sval : undefined;
}

export interface RangeVarFields {
  catalogname?: string;
  schemaname?: string;
  relname: string;
}

export function rangeVarName(rv: RangeVarFields): string {
  return [rv.catalogname, rv.schemaname, rv.relname]
    .filter((p): p is string => typeof p === 'string' && p !== '')
    .map(quoteIdent)
    .join('.');
}
