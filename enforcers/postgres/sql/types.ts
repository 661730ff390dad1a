// The classifier's output: action.sql of writ's policy contract (DESIGN.md section 3), one per statement.

export type Access = 'read' | 'write' | 'ddl';

export interface Relation {
  name: string; // as written, schema-qualified when written so; identifiers quoted as PostgreSQL's quote_ident would
  access: Access; // the strongest access of the statement to it: ddl > write > read
}

export interface ClassifiedStatement {
  text: string;
  operation: string;
  effects: string[];
  relations: Relation[];
  functions: string[];
  parse_error?: string;
}
