// Planning terms into locals: scalars, collections, comprehensions; refs and calls are delegated.
import type { Local, Operand } from '../ir/ir.ts';
import type { Term } from '../syntax/ast.ts';
import type { Planner } from './context.ts';
import { planRef } from './refs.ts';
import { planCallValue } from './calls.ts';
import { planBody } from './body.ts';

export type Iter<T> = (v: T) => void;

/** The value of a head without one (`p if ...`, `f(x) if ...`). */
export const TRUE: Term = { type: 'boolean', value: true, loc: { file: '', start: 0, end: 0 } };

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export function planNumber(p: Planner, text: string): Local {
  const t = p.newLocal();
  if (/^-?\d+$/.test(text)) {
    const v = BigInt(text);
    if (v >= I64_MIN && v <= I64_MAX) {
      p.emit({ type: 'MakeNumberIntStmt', value: v.toString(), target: t });
      return t;
    }
  }
  p.emit({ type: 'MakeNumberRefStmt', index: p.str(text), target: t });
  return t;
}

/** Plans a term; `k` is called (possibly several times, inside iteration) with its value. */
export function planTerm(p: Planner, t: Term, k: Iter<Operand>): void {
  switch (t.type) {
    case 'null': {
      const l = p.newLocal();
      p.emit({ type: 'MakeNullStmt', target: l });
      return k({ local: l });
    }
    case 'boolean':
      return k({ bool: t.value });
    case 'number':
      return k({ local: planNumber(p, t.text) });
    case 'string':
      return k({ str: p.str(t.value) });
    case 'var': {
      if (t.name === 'input') {
        // The input may be absent; every use checks it so no statement sees an unset local.
        p.emit({ type: 'IsDefinedStmt', source: 0 });
        return k({ local: 0 });
      }
      if (t.name === 'data') return planRef(p, { type: 'ref', head: t, path: [], loc: t.loc }, k);
      const l = p.vars.get(t.name);
      if (l === undefined) p.fail(`var ${t.name} is unsafe`, t.loc);
      return k({ local: l });
    }
    case 'ref':
      return planRef(p, t, k);
    case 'array':
      return planTerms(p, t.items, (ops) => {
        const l = p.newLocal();
        p.emit({ type: 'MakeArrayStmt', capacity: ops.length, target: l });
        for (const op of ops) p.emit({ type: 'ArrayAppendStmt', value: op, array: l });
        k({ local: l });
      });
    case 'set':
      return planTerms(p, t.items, (ops) => {
        const l = p.newLocal();
        p.emit({ type: 'MakeSetStmt', target: l });
        for (const op of ops) p.emit({ type: 'SetAddStmt', value: op, set: l });
        k({ local: l });
      });
    case 'object':
      return planTerms(p, t.items.flat(), (ops) => {
        const l = p.newLocal();
        p.emit({ type: 'MakeObjectStmt', target: l });
        for (let i = 0; i < ops.length; i += 2) p.emit({ type: 'ObjectInsertStmt', key: ops[i], value: ops[i + 1], object: l });
        k({ local: l });
      });
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr':
      return planComprehension(p, t, k);
    case 'call':
      return planCallValue(p, t, k);
    case 'templatestring':
      return planTemplate(p, t, k);
  }
}

/**
 * Plans terms (each may iterate), then calls k with all values in the original order. Bare
 * variables not bound yet go last: another term may bind them (`x == input.xs[x]`).
 */
export function planTerms(p: Planner, ts: Term[], k: Iter<Operand[]>): void {
  const unboundVar = (t: Term) => t.type === 'var' && t.name !== 'input' && t.name !== 'data' && !p.vars.has(t.name);
  const order = [...ts.keys()].sort((a, b) => Number(unboundVar(ts[a])) - Number(unboundVar(ts[b])));
  const ops: Operand[] = new Array(ts.length);
  const step = (i: number): void => {
    if (i === order.length) return k([...ops]);
    planTerm(p, ts[order[i]], (op) => {
      ops[order[i]] = op;
      step(i + 1);
    });
  };
  step(0);
}

/** Comprehensions build their collection in a nested block; the value is always defined. */
function planComprehension(p: Planner, t: Term & { type: 'arraycompr' | 'setcompr' | 'objectcompr' }, k: Iter<Operand>): void {
  const target = p.newLocal();
  if (t.type === 'arraycompr') p.emit({ type: 'MakeArrayStmt', capacity: 0, target });
  else if (t.type === 'setcompr') p.emit({ type: 'MakeSetStmt', target });
  else p.emit({ type: 'MakeObjectStmt', target });
  const block = p.block(() =>
    p.scoped(() =>
      planBody(p, t.body, () => {
        if (t.type === 'arraycompr') planTerm(p, t.term, (v) => p.emit({ type: 'ArrayAppendStmt', value: v, array: target }));
        else if (t.type === 'setcompr') planTerm(p, t.term, (v) => p.emit({ type: 'SetAddStmt', value: v, set: target }));
        else
          planTerm(p, t.key, (key) =>
            planTerm(p, t.value, (value) =>
              p.emit({ type: 'ObjectInsertOnceStmt', key, value, object: target, loc: p.irLoc(t.loc) }),
            ),
          );
      }),
    ),
  );
  p.emit({ type: 'BlockStmt', blocks: [block] });
  k({ local: target });
}

/** True if the term contains a variable that is not bound yet (so it must be unified, not evaluated). */
export function hasUnboundVars(p: Planner, t: Term): boolean {
  switch (t.type) {
    case 'var':
      return t.name !== 'input' && t.name !== 'data' && !p.vars.has(t.name);
    case 'ref':
      return hasUnboundVars(p, t.head) || t.path.some((e) => hasUnboundVars(p, e));
    case 'array':
    case 'set':
      return t.items.some((e) => hasUnboundVars(p, e));
    case 'object':
      return t.items.some(([a, b]) => hasUnboundVars(p, a) || hasUnboundVars(p, b));
    case 'call':
      return t.args.some((e) => hasUnboundVars(p, e));
    case 'templatestring':
      return t.parts.some((e) => typeof e !== 'string' && hasUnboundVars(p, e));
    default:
      // Comprehensions are closed (their own vars bind inside).
      return false;
  }
}

/** True if the term is a constant (no vars, refs, calls or comprehensions). */
export function isConstant(t: Term): boolean {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isConstant);
    case 'object':
      return t.items.every(([a, b]) => isConstant(a) && isConstant(b));
    default:
      return false;
  }
}

/**
 * `$"a{x}b"` as OPA plans it: internal.template_string([ "a", {v | v = x}, "b" ]); each
 * expression part is a set of its values (empty = undefined, printed by the builtin).
 */
function planTemplate(p: Planner, t: Term & { type: 'templatestring' }, k: Iter<Operand>): void {
  const name = 'internal.template_string';
  if (!p.builtins.has(name)) p.notImplemented(`template strings (builtin ${name} is not registered)`, t.loc);
  const arr = p.newLocal();
  p.emit({ type: 'MakeArrayStmt', capacity: t.parts.length, target: arr });
  for (const part of t.parts) {
    if (typeof part === 'string') {
      p.emit({ type: 'ArrayAppendStmt', value: { str: p.str(part) }, array: arr });
      continue;
    }
    planComprehension(p, { type: 'setcompr', term: part, body: [], loc: part.loc }, (v) =>
      p.emit({ type: 'ArrayAppendStmt', value: v, array: arr }),
    );
  }
  const result = p.newLocal();
  p.useBuiltin(name, 1);
  p.emit({ type: 'CallStmt', func: name, args: [{ local: arr }], result, loc: p.irLoc(t.loc) });
  k({ local: result });
}
