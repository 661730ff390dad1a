// Unification (`=`, `:=`, function arguments, `some ... in` patterns): variables bind on their
// first occurrence, arrays/objects of equal shape destructure, everything else compares.
import type { Operand } from '../ir/ir.ts';
import type { Term } from '../syntax/ast.ts';
import type { Planner } from './context.ts';
import { planTerm, type Iter } from './terms.ts';

/** An unbound var, or an array/object literal containing one at the pattern level (not inside refs/calls). */
export function isPattern(p: Planner, t: Term): boolean {
  switch (t.type) {
    case 'var':
      return t.name !== 'input' && t.name !== 'data' && !p.vars.has(t.name);
    case 'array':
      return t.items.some((e) => isPattern(p, e));
    case 'object':
      return t.items.some(([, v]) => isPattern(p, v));
    default:
      return false;
  }
}

/** Binds a variable to a value. Input/data and constants are copied so later `with` cannot change them. */
export function bindVar(p: Planner, name: string, op: Operand): void {
  if ('local' in op && op.local > 1) {
    p.vars.set(name, op.local);
    return;
  }
  const l = p.newLocal();
  p.emit({ type: 'AssignVarStmt', source: op, target: l });
  p.vars.set(name, l);
}

function fail(p: Planner): void {
  p.emit({ type: 'EqualStmt', a: { bool: true }, b: { bool: false } });
}

export function planUnify(p: Planner, a: Term, b: Term, k: () => void): void {
  const pa = isPattern(p, a);
  const pb = isPattern(p, b);
  if (a.type === 'array' && b.type === 'array' && (pa || pb)) {
    if (a.items.length !== b.items.length) return fail(p);
    return unifyPairs(p, a.items, b.items, 0, k);
  }
  if (a.type === 'object' && b.type === 'object' && (pa || pb)) {
    const bk = new Map(b.items.map(([key, v]) => [keyText(key), v] as const));
    if (a.items.length !== b.items.length || a.items.some(([key]) => !bk.has(keyText(key)))) return fail(p);
    return unifyPairs(p, a.items.map(([, v]) => v), a.items.map(([key]) => bk.get(keyText(key))!), 0, k);
  }
  if (pa && pb) {
    if (a.type === 'var' && b.type === 'var') p.fail(`var ${a.name} is unsafe`, a.loc);
    p.notImplemented('unification of two patterns of different shapes', a.loc);
  }
  if (pa) return planTerm(p, b, (op) => unifyLocal(p, a, op, k));
  if (pb) return planTerm(p, a, (op) => unifyLocal(p, b, op, k));
  planTerm(p, a, (x) =>
    planTerm(p, b, (y) => {
      p.emit({ type: 'EqualStmt', a: x, b: y });
      k();
    }),
  );
}

function unifyPairs(p: Planner, as: Term[], bs: Term[], i: number, k: () => void): void {
  if (i === as.length) return k();
  planUnify(p, as[i], bs[i], () => unifyPairs(p, as, bs, i + 1, k));
}

/** A stable text for a constant object key (keys of patterns must be constants or bound). */
/**
 * A number literal's exact value as text: digits without leading/trailing zeros and a decimal
 * exponent, so 1, 1.0 and 1e0 agree while 2^64 and 2^64+1 stay apart (Number() would merge them).
 */
export function exactNumberKey(text: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let exp = BigInt(m[4] ?? '0') - BigInt((m[3] ?? '').length);
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exp += BigInt(trailing);
  return `${m[1]}${digits}e${exp}`;
}

function keyText(t: Term): string {
  switch (t.type) {
    case 'string':
      return 's:' + t.value;
    case 'number':
      return 'n:' + exactNumberKey(t.text);
    case 'boolean':
      return 'b:' + t.value;
    case 'null':
      return 'null';
    case 'var':
      return 'v:' + t.name;
    default:
      return 'loc:' + t.loc.start;
  }
}

/** Unifies a term (possibly a pattern) with an already computed value. */
export function unifyLocal(p: Planner, t: Term, op: Operand, k: Iter<void>): void {
  if (!isPattern(p, t)) {
    return planTerm(p, t, (x) => {
      p.emit({ type: 'EqualStmt', a: x, b: op });
      k();
    });
  }
  if (t.type === 'var') {
    bindVar(p, t.name, op);
    return k();
  }
  if (t.type === 'array') {
    p.emit({ type: 'IsArrayStmt', source: op });
    lenCheck(p, op, t.items.length);
    const step = (i: number): void => {
      if (i === t.items.length) return k();
      const e = p.newLocal();
      p.emit({ type: 'DotStmt', source: op, key: { local: intLocal(p, i) }, target: e });
      unifyLocal(p, t.items[i], { local: e }, () => step(i + 1));
    };
    return step(0);
  }
  if (t.type === 'object') {
    p.emit({ type: 'IsObjectStmt', source: op });
    lenCheck(p, op, t.items.length);
    const step = (i: number): void => {
      if (i === t.items.length) return k();
      const [key, val] = t.items[i];
      planTerm(p, key, (keyOp) => {
        const e = p.newLocal();
        p.emit({ type: 'DotStmt', source: op, key: keyOp, target: e });
        unifyLocal(p, val, { local: e }, () => step(i + 1));
      });
    };
    return step(0);
  }
  throw new Error('internal: unexpected pattern ' + t.type);
}

function intLocal(p: Planner, n: number): number {
  const l = p.newLocal();
  p.emit({ type: 'MakeNumberIntStmt', value: String(n), target: l });
  return l;
}

function lenCheck(p: Planner, op: Operand, n: number): void {
  const len = p.newLocal();
  p.emit({ type: 'LenStmt', source: op, target: len });
  p.emit({ type: 'EqualStmt', a: { local: len }, b: { local: intLocal(p, n) } });
}
