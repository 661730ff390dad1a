// The classifier's output: action.sql of writ's policy contract (DESIGN.md section 3), one per statement.
// Results may be shared between callers (classify caches them), so they are read-only and frozen.

export type Access = 'read' | 'write' | 'ddl';

export interface Relation {
  readonly name: string; // as written, schema-qualified when written so; identifiers quoted as PostgreSQL's quote_ident would
  readonly access: Access; // the strongest access of the statement to it: ddl > write > read
}

export interface ClassifiedStatement {
  readonly text: string;
  readonly operation: string;
  readonly effects: readonly string[]; // sorted
  readonly relations: readonly Relation[]; // in order of first appearance
  readonly functions: readonly string[]; // every function called, as written, in order of first appearance
  readonly parse_error?: string;
}
