// The policy input (DESIGN.md section 3, version 1) for a PostgreSQL connection and each statement.
import type { ClassifiedStatement } from './sql/index.ts';
import type { Principal } from '../../src/identity/index.ts';

export interface SessionFacts {
  id: string;
  clientAddr: string;
  startedAt: string;
  /** null when the token is forwarded: the decision service verifies it and puts the principal in the input. */
  principal: Principal | null;
  enforcerId: string;
  resourceName: string;
  resourceAttributes: Record<string, unknown>;
}

export interface ApprovalFact {
  id: string;
  decision_id: string;
  status: 'approved';
  approved_by: string[];
}

function base(s: SessionFacts, now: Date, approvals: ApprovalFact[]) {
  return {
    version: 1,
    principal: s.principal,
    enforcer: { id: s.enforcerId, kind: 'postgres' },
    resource: { name: s.resourceName, kind: 'postgres', attributes: s.resourceAttributes },
    session: { id: s.id, client_addr: s.clientAddr, started_at: s.startedAt },
    context: { time: now.toISOString(), approvals },
  };
}

export function connectInput(s: SessionFacts, now: Date, database: string, user: string) {
  return { ...base(s, now, []), action: { kind: 'connect', database, user } };
}

/** `parameters`: the values bound at Execute (text as sent, binary as \x-hex, NULL as null). */
export function statementInput(s: SessionFacts, now: Date, st: ClassifiedStatement, opts: { protocol: 'simple' | 'extended'; phase?: 'parse' | 'execute'; parameters?: Array<string | null>; approvals?: ApprovalFact[] } = { protocol: 'simple' }) {
  const sql: Record<string, unknown> = {
    text: st.text,
    operation: st.operation,
    effects: st.effects,
    relations: st.relations,
    functions: st.functions,
    protocol: opts.protocol,
  };
  if (st.parse_error !== undefined) sql.parse_error = st.parse_error;
  if (opts.phase) sql.phase = opts.phase;
  if (opts.parameters) sql.parameters = opts.parameters;
  return { ...base(s, now, opts.approvals ?? []), action: { kind: 'statement', sql } };
}

export function parameterTexts(values: ReadonlyArray<Buffer | null>, formats: ReadonlyArray<0 | 1>): Array<string | null> {
  return values.map((v, i) => {
    if (v === null) return null;
    const f = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
    return f === 1 ? `\\x${v.toString('hex')}` : v.toString('utf8');
  });
}
