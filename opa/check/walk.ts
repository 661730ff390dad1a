// Small traversal helpers over the AST shared by the check stages.
import type { Body, Expr, Term, VarTerm } from '../syntax/ast.ts';

export type Closure = Extract<Term, { type: 'arraycompr' | 'setcompr' | 'objectcompr' }>;

export function isClosure(t: Term): t is Closure {
  return t.type === 'arraycompr' || t.type === 'setcompr' || t.type === 'objectcompr';
}

/** The direct sub-terms of `t` (a comprehension's head terms included, its body not). */
export function childTerms(t: Term): Term[] {
  switch (t.type) {
    case 'ref': return [t.head, ...t.path];
    case 'array': case 'set': return t.items;
    case 'object': return t.items.flatMap(([k, v]) => [k, v]);
    case 'call': return t.args;
    case 'arraycompr': case 'setcompr': return [t.term];
    case 'objectcompr': return [t.key, t.value];
    case 'templatestring': return t.parts.filter((p): p is Term => typeof p !== 'string');
    default: return [];
  }
}

export interface VisitOpts {
  /** Descend into comprehension heads and bodies and `every` bodies (default true). */
  closures?: boolean;
}

/** Pre-order visit of every term; returning false from `cb` skips the term's children. */
export function visitTerm(t: Term, cb: (t: Term) => boolean | void, opts: VisitOpts = {}): void {
  if (cb(t) === false) return;
  if (isClosure(t)) {
    if (opts.closures === false) return;
    for (const c of childTerms(t)) visitTerm(c, cb, opts);
    visitBody(t.body, cb, opts);
    return;
  }
  for (const c of childTerms(t)) visitTerm(c, cb, opts);
}

/** The top-level terms of an expression (not those inside an `every` body). */
export function exprTerms(e: Expr): Term[] {
  switch (e.kind) {
    case 'term': return [e.term, ...e.with.flatMap((w) => [w.target, w.value])];
    case 'some': return [...e.vars];
    case 'somein': return [...(e.key ? [e.key] : []), e.value, e.collection, ...e.with.flatMap((w) => [w.target, w.value])];
    case 'every': return [...(e.key ? [e.key] : []), e.value, e.domain, ...e.with.flatMap((w) => [w.target, w.value])];
    case 'logic': return e.with.flatMap((w) => [w.target, w.value]);
  }
}

/** The nested bodies of an expression: an `every` body, the operands of `and` / `or`. */
export function exprBodies(e: Expr): Body[] {
  if (e.kind === 'every') return [e.body];
  if (e.kind === 'logic') return e.operands;
  return [];
}

export function visitExpr(e: Expr, cb: (t: Term) => boolean | void, opts: VisitOpts = {}): void {
  for (const t of exprTerms(e)) visitTerm(t, cb, opts);
  if (e.kind === 'every' && opts.closures !== false) visitBody(e.body, cb, opts);
  // Operand bodies are not closures: their terms are visited like the expression's own.
  if (e.kind === 'logic') for (const b of e.operands) visitBody(b, cb, opts);
}

export function visitBody(body: Body, cb: (t: Term) => boolean | void, opts: VisitOpts = {}): void {
  for (const e of body) visitExpr(e, cb, opts);
}

/** Names of the variables occurring in a term. */
export function termVars(t: Term, opts: VisitOpts = {}): Set<string> {
  const out = new Set<string>();
  visitTerm(t, (x) => { if (x.type === 'var') out.add(x.name); }, opts);
  return out;
}

/** Var terms of a pattern (`x`, `[a, {"k": b}]`): arrays and object values, not refs or calls. */
export function patternVars(t: Term, out: VarTerm[] = []): VarTerm[] {
  switch (t.type) {
    case 'var': out.push(t); break;
    case 'array': for (const i of t.items) patternVars(i, out); break;
    case 'object': for (const [, v] of t.items) patternVars(v, out); break;
    default: break;
  }
  return out;
}

export function isCall(t: Term, name: string): t is Extract<Term, { type: 'call' }> {
  return t.type === 'call' && t.op.length === 1 && t.op[0] === name;
}

export function allBodies(body: Body, cb: (b: Body) => void): void {
  cb(body);
  for (const e of body) {
    visitExpr(e, (t) => { if (isClosure(t)) allBodies(t.body, cb); return !isClosure(t); }, { closures: false });
    for (const b of exprBodies(e)) allBodies(b, cb);
  }
}

/** Visit every term of a rule: head (ref, args, key, value), bodies and else branches. */
export function visitRule(rule: import('../syntax/ast.ts').Rule, cb: (t: Term) => boolean | void, opts: VisitOpts = {}): void {
  for (const t of [...rule.ref, ...(rule.refTail ?? []), ...(rule.args ?? []), rule.key, rule.value]) if (t) visitTerm(t, cb, opts);
  visitBody(rule.body, cb, opts);
  for (const e of rule.elses) {
    if (e.value) visitTerm(e.value, cb, opts);
    visitBody(e.body, cb, opts);
  }
}

/** Deep copy of plain AST data (arrays and plain objects; anything else is shared). */
export function cloneAst<T>(x: T): T {
  if (Array.isArray(x)) return x.map(cloneAst) as T;
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) out[k] = cloneAst((x as Record<string, unknown>)[k]);
    return out as T;
  }
  return x;
}
