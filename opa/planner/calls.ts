// Planning calls: user functions (rule groups with arguments) and builtins, as values or as
// expressions with an output argument (`count(x, n)`), relations (walk) and `with` replacements.
import type { Operand } from '../ir/ir.ts';
import type { CallTerm, Term } from '../syntax/ast.ts';
import type { Planner } from './context.ts';
import { planTerms, type Iter } from './terms.ts';
import { findNode, type RuleGroup } from './tree.ts';
import { findCallMock, funcFor, planMockValue } from './mocks.ts';
import { unifyLocal } from './unify.ts';

/** What a call's op resolves to after `with` replacements. */
type Target =
  | { kind: 'func'; group: RuleGroup; arity: number; replacement: boolean }
  | { kind: 'builtin'; name: string; arity: number; relation: boolean }
  | { kind: 'value'; operand: (k: Iter<Operand>) => void; arity?: number };

export function resolveCall(p: Planner, op: string[], call: CallTerm, depth = 0): Target {
  if (depth > 10) p.fail(`with: replacement cycle for ${op.join('.')}`, call.loc);
  const isData = op[0] === 'data';
  const path = isData ? op.slice(1) : [op.join('.')];
  const mock = findCallMock(p, !isData, path);
  if (mock) {
    if (mock.fn) {
      const t = resolveCall(p, mock.fn.data ? ['data', ...mock.fn.path] : mock.fn.path, call, depth + 1);
      return t.kind === 'func' ? { ...t, replacement: true } : t;
    }
    const arity = isData ? userArity(p, path) : p.builtins.get(path[0])?.decl.args.length;
    return { kind: 'value', operand: (k) => planMockValue(p, mock, call.loc, k), arity };
  }
  if (isData) {
    const g = findNode(p.tree.root, path)?.group;
    if (!g || g.kind !== 'function') p.fail(`undefined function ${op.join('.')}`, call.opLoc);
    return { kind: 'func', group: g, arity: userArity(p, path)!, replacement: false };
  }
  const name = op.join('.');
  const def = p.builtins.get(name);
  if (!def) p.fail(`undefined function ${name}`, call.opLoc);
  if (def.impl === 'compiler') p.notImplemented(`${name} as a value`, call.loc);
  return { kind: 'builtin', name, arity: def.decl.args.length, relation: def.relation === true };
}

function userArity(p: Planner, path: string[]): number | undefined {
  const g = findNode(p.tree.root, path)?.group;
  if (!g || g.kind !== 'function') return undefined;
  const r = g.rules[0] ?? g.defaults[0];
  return r.args?.length ?? 0;
}

/** Emits the call itself with planned arguments; k gets each result (several for relations). */
function emitCall(p: Planner, t: Target, call: CallTerm, args: Term[], k: Iter<Operand>): void {
  if (t.kind === 'value') {
    // A value replacement ignores the arguments but they must still be defined.
    return planTerms(p, args, (ops) => {
      for (const op of ops) if ('local' in op) p.emit({ type: 'IsDefinedStmt', source: op.local });
      t.operand(k);
    });
  }
  planTerms(p, args, (ops) => {
    const result = p.newLocal();
    const loc = p.irLoc(call.loc);
    if (t.kind === 'func') {
      p.emit({ type: 'CallStmt', func: funcFor(p, t.group, t.replacement), args: [{ local: 0 }, { local: 1 }, ...ops], result, loc });
      return k({ local: result });
    }
    p.useBuiltin(t.name, t.arity);
    p.emit({ type: 'CallStmt', func: t.name, args: ops, result, loc });
    if (!t.relation) return k({ local: result });
    const key = p.newLocal();
    const value = p.newLocal();
    const block = p.block(() => p.scoped(() => k({ local: value })));
    p.emit({ type: 'ScanStmt', source: result, key, value, block, loc });
  });
}

/** A call used as a value (all arguments are inputs). */
export function planCallValue(p: Planner, call: CallTerm, k: Iter<Operand>): void {
  const t = resolveCall(p, call.op, call);
  if (t.arity !== undefined && call.args.length !== t.arity)
    p.fail(`${call.op.join('.')}: expected ${t.arity} arguments, got ${call.args.length}`, call.loc);
  emitCall(p, t, call, call.args, k);
}

/**
 * A call used as an expression: with one argument more than the arity the last one is an
 * output unified with the result; otherwise the expression holds when the result is not false.
 */
export function planCallExpr(p: Planner, call: CallTerm, k: () => void): void {
  const t = resolveCall(p, call.op, call);
  const arity = t.arity ?? call.args.length;
  if (call.args.length === arity + 1) {
    const out = call.args[arity];
    return emitCall(p, t, call, call.args.slice(0, arity), (r) => unifyLocal(p, out, r, k));
  }
  if (call.args.length !== arity) p.fail(`${call.op.join('.')}: expected ${arity} arguments, got ${call.args.length}`, call.loc);
  if (t.kind === 'builtin' && (t.name === 'equal' || t.name === 'neq')) {
    // `a == b` / `a != b` as expressions compare directly (no builtin call, no boolean result).
    const type = t.name === 'equal' ? ('EqualStmt' as const) : ('NotEqualStmt' as const);
    return planTerms(p, call.args, ([a, b]) => {
      p.emit({ type, a, b, loc: p.irLoc(call.loc) });
      k();
    });
  }
  emitCall(p, t, call, call.args, (r) => {
    if (t.kind === 'builtin' && t.relation) return k();
    p.emit({ type: 'NotEqualStmt', a: r, b: { bool: false } });
    k();
  });
}
