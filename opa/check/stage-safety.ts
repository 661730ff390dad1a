// CheckSafety: every variable must be bound before it is used where binding is impossible, and
// body expressions are reordered so that this holds (OPA's reorderBodyForSafety). Binding
// positions: `x := e` and `=` on either side (with array/object destructuring), var keys of refs
// whose head is safe (`xs[i]`), the extra output argument of a call (`count(xs, n)`), the
// patterns of `some .. in`. `not` and `with` values need all their vars bound. Comprehension and
// `every` bodies are reordered the same way, seeing the outer variables that are bound.
import type { Body, Expr, Rule, Term, VarTerm } from '../syntax/ast.ts';
import { callArity, displayVar, isGeneratedVar, report, ruleEntries, rulesByPath, type CheckContext } from './context.ts';
import { childTerms, exprBodies, isCall, isClosure, patternVars, termVars, visitTerm } from './walk.ts';

const ROOTS = new Set(['input', 'data']);

function varsOf(t: Term, out = new Set<string>()): Set<string> {
  visitTerm(t, (x) => { if (x.type === 'var' && !ROOTS.has(x.name)) out.add(x.name); }, { closures: false });
  return out;
}

/** First var term with a given name in a term (for error locations). */
function findVar(terms: Term[], name: string): VarTerm | undefined {
  let found: VarTerm | undefined;
  for (const t of terms) {
    visitTerm(t, (x) => {
      if (found) return false;
      if (x.type === 'var' && x.name === name) { found = x; return false; }
    }, { closures: false });
    if (found) break;
  }
  return found;
}

/** `with` values, except those naming a builtin function (they are not variables). */
function withValues(e: Expr, fv: Set<Term>): Term[] {
  return 'with' in e ? e.with.map((w) => w.value).filter((v) => !fv.has(v)) : [];
}

/** Terms whose vars an expression needs or binds (closures excluded). */
function exprTopTerms(e: Expr, fv: Set<Term>): Term[] {
  switch (e.kind) {
    case 'term': return [e.term, ...withValues(e, fv)];
    case 'some': return [];
    case 'somein': return [...(e.key ? [e.key] : []), e.value, e.collection, ...withValues(e, fv)];
    case 'every': return [e.domain, ...withValues(e, fv)];
    case 'logic': return withValues(e, fv);
  }
}

function exprVars(e: Expr, fv: Set<Term>): Set<string> {
  const out = new Set<string>();
  for (const t of exprTopTerms(e, fv)) varsOf(t, out);
  return out;
}

/** The comprehensions directly inside an expression's terms (not nested in other comprehensions). */
function closuresOf(terms: Term[]): Term[] {
  const out: Term[] = [];
  for (const t of terms) visitTerm(t, (x) => { if (isClosure(x)) { out.push(x); return false; } }, { closures: false });
  return out;
}

/** Every variable inside the closures of an expression (comprehensions and `every` bodies). */
function closureVars(e: Expr, fv: Set<Term>): Set<string> {
  const out = new Set<string>();
  const add = (x: Term): void => { if (x.type === 'var' && !ROOTS.has(x.name)) out.add(x.name); };
  for (const c of closuresOf(exprTopTerms(e, fv))) visitTerm(c, add);
  for (const b of exprBodies(e)) for (const x of b) for (const t of allExprTerms(x, fv)) visitTerm(t, add);
  return out;
}

function allExprTerms(e: Expr, fv: Set<Term>): Term[] {
  const own = e.kind === 'every' ? [...(e.key ? [e.key] : []), e.value] : [];
  const nested = exprBodies(e).flatMap((b) => b.flatMap((x) => allExprTerms(x, fv)));
  return [...exprTopTerms(e, fv), ...own, ...nested];
}

type Arity = (op: string[]) => number;

class Safety {
  private readonly fv: Set<Term>;
  constructor(private readonly ctx: CheckContext, private readonly arity: Arity) {
    this.fv = ctx.functionValues;
  }

  private isSafe(v: string, safe: Set<string>): boolean {
    return safe.has(v) || ROOTS.has(v);
  }

  private allSafe(t: Term, safe: Set<string>): boolean {
    for (const v of varsOf(t)) if (!this.isSafe(v, safe)) return false;
    return true;
  }

  private refSafe(r: Extract<Term, { type: 'ref' }>, safe: Set<string>): boolean {
    if (r.head.type === 'var') return this.isSafe(r.head.name, safe);
    return this.allSafe(r.head, safe);
  }

  /** Vars bound by evaluating the refs of a term whose heads are safe (`xs[i]` binds i). */
  private refOutputs(t: Term, safe: Set<string>, out = new Set<string>()): Set<string> {
    visitTerm(t, (x) => {
      if (x.type !== 'ref') return;
      if (!this.refSafe(x, safe)) return false;
      for (const p of x.path) {
        visitTerm(p, (y) => {
          if (y.type === 'ref') { for (const q of y.path) for (const v of varsOf(q)) out.add(v); return false; }
          if (y.type === 'var' && !ROOTS.has(y.name)) out.add(y.name);
        }, { closures: false });
      }
    }, { closures: false });
    return out;
  }

  /** Vars a pattern binds when the other side is known: arrays, object values, vars. */
  private bindPattern(t: Term, safe: Set<string>): boolean {
    let changed = false;
    for (const v of patternVars(t)) if (!safe.has(v.name) && !ROOTS.has(v.name)) { safe.add(v.name); changed = true; }
    return changed;
  }

  private unify1(a: Term, b: Term, safe: Set<string>): boolean {
    let changed = false;
    if (a.type === 'var' && !this.isSafe(a.name, safe) && this.allSafe(b, safe)) { safe.add(a.name); return true; }
    if (b.type === 'var' && !this.isSafe(b.name, safe) && this.allSafe(a, safe)) { safe.add(b.name); return true; }
    if (a.type === 'array' && b.type === 'array' && a.items.length === b.items.length) {
      a.items.forEach((x, i) => { if (this.unify1(x, b.items[i], safe)) changed = true; });
      return changed;
    }
    if (a.type === 'object' && b.type === 'object') {
      const keyOf = (k: Term): string | undefined => (k.type === 'string' ? `s:${k.value}` : k.type === 'number' ? `n:${k.text}` : k.type === 'boolean' ? `b:${k.value}` : k.type === 'null' ? 'null' : undefined);
      const bm = new Map<string, Term>();
      for (const [k, v] of b.items) { const s = keyOf(k); if (s) bm.set(s, v); }
      for (const [k, v] of a.items) {
        const s = keyOf(k);
        const w = s ? bm.get(s) : undefined;
        if (w && this.unify1(v, w, safe)) changed = true;
      }
      return changed;
    }
    if ((a.type === 'array' || a.type === 'object') && this.allSafe(b, safe)) return this.bindPattern(a, safe);
    if ((b.type === 'array' || b.type === 'object') && this.allSafe(a, safe)) return this.bindPattern(b, safe);
    return false;
  }

  private unify(a: Term, b: Term, safe: Set<string>): void {
    while (this.unify1(a, b, safe)) { /* until nothing more is bound */ }
  }

  /** Vars an expression binds when `safe` vars are already bound (OPA's outputVarsForExpr). */
  outputVars(e: Expr, safe: Set<string>): Set<string> {
    if (e.kind === 'term' && e.negated) return new Set();
    for (const w of withValues(e, this.fv)) if (!this.allSafe(w, safe)) return new Set();
    switch (e.kind) {
      case 'some': return new Set();
      // Operand bodies are tested like `not` bodies: nothing they bind is visible after them.
      case 'logic': return new Set();
      case 'every': return this.refOutputs(e.domain, safe);
      case 'somein': {
        const out = this.refOutputs(e.collection, safe);
        for (const t of [e.key, e.value]) if (t) varsOf(t, out);
        return out;
      }
      case 'term': {
        const t = e.term;
        if ((isCall(t, 'eq') || isCall(t, 'assign')) && t.args.length === 2) {
          const out = this.refOutputs(t, safe);
          const s2 = new Set([...safe, ...out]);
          this.unify(t.args[0], t.args[1], s2);
          for (const v of s2) if (!safe.has(v)) out.add(v);
          return out;
        }
        if (t.type === 'call') {
          const out = this.refOutputs(t, safe);
          const ar = this.arity(t.op);
          if (ar < 0 || t.args.length <= ar) return out;
          for (const a of t.args.slice(0, ar)) for (const v of varsOf(a)) if (!this.isSafe(v, safe) && !out.has(v)) return new Set();
          for (const a of t.args.slice(ar)) {
            visitTerm(a, (x) => {
              if (x.type === 'set' || isClosure(x)) return false;
              if (x.type === 'ref') { for (const p of x.path) varsOf(p, out); return false; }
              if (x.type === 'object') { for (const [, v] of x.items) varsOf(v, out); return false; }
              if (x.type === 'var' && !ROOTS.has(x.name)) out.add(x.name);
            }, { closures: false });
          }
          return out;
        }
        return this.refOutputs(t, safe);
      }
    }
  }

  /** Reorder a body so that each expression comes after the ones binding its vars. */
  reorder(body: Body, globals: Set<string>): { body: Body; safe: Set<string>; ok: boolean } {
    const safe = new Set(globals);
    const bodyVars = new Set<string>();
    for (const e of body) for (const v of exprVars(e, this.fv)) bodyVars.add(v);
    const out: Body = [];
    const safeAt = new Map<Expr, Set<string>>();
    const done = new Set<Expr>();
    for (;;) {
      let progress = false;
      for (const e of body) {
        if (done.has(e)) continue;
        const ovs = this.outputVars(e, safe);
        const need = exprVars(e, this.fv);
        for (const v of closureVars(e, this.fv)) if (bodyVars.has(v)) need.add(v);
        let ready = true;
        for (const v of need) if (!this.isSafe(v, safe) && !ovs.has(v)) { ready = false; break; }
        if (!ready) continue;
        for (const v of ovs) safe.add(v);
        done.add(e);
        out.push(e);
        safeAt.set(e, new Set(safe));
        progress = true;
      }
      if (!progress) break;
    }
    let ok = true;
    if (done.size < body.length) {
      ok = false;
      const reported = new Set<string>();
      const generated: Expr[] = [];
      for (const e of body) {
        if (done.has(e)) continue;
        const need = exprVars(e, this.fv);
        for (const v of closureVars(e, this.fv)) if (bodyVars.has(v)) need.add(v);
        let userVar = false;
        for (const v of need) {
          if (this.isSafe(v, safe) || isGeneratedVar(v)) continue;
          userVar = true;
          if (reported.has(v)) continue;
          reported.add(v);
          const at = findVar(exprTopTerms(e, this.fv), v);
          report(this.ctx, 'rego_unsafe_var_error', `var ${displayVar(v)} is unsafe`, at?.loc ?? e.loc);
        }
        if (!userVar) generated.push(e);
      }
      if (reported.size === 0) for (const e of generated) report(this.ctx, 'rego_unsafe_var_error', 'expression is unsafe', e.loc);
      return { body, safe, ok };
    }
    for (const e of out) ok = this.closures(e, safeAt.get(e)!) && ok;
    return { body: out, safe, ok };
  }

  /** Check and reorder the comprehensions and `every` bodies of an expression. */
  closures(e: Expr, globals: Set<string>): boolean {
    let ok = this.termClosures(exprTopTerms(e, this.fv), globals);
    if (e.kind === 'every') {
      const g = new Set(globals);
      for (const v of [e.key, e.value]) if (v) g.add(v.name);
      const r = this.reorder(e.body, g);
      e.body = r.body;
      ok = r.ok && ok;
    }
    if (e.kind === 'logic') {
      e.operands = e.operands.map((b) => {
        const r = this.reorder(b, globals);
        ok = r.ok && ok;
        return r.body;
      });
    }
    return ok;
  }

  termClosures(terms: Term[], globals: Set<string>): boolean {
    let ok = true;
    for (const c of closuresOf(terms)) {
      if (!isClosure(c)) continue;
      const r = this.reorder(c.body, globals);
      c.body = r.body;
      if (!r.ok) { ok = false; continue; }
      const heads = childTerms(c);
      ok = this.headsSafe(heads, r.safe, c.loc) && ok;
      ok = this.termClosures(heads, r.safe) && ok;
    }
    return ok;
  }

  /** Head terms (rule key/value, comprehension terms) need all their vars bound by the body. */
  headsSafe(terms: Term[], safe: Set<string>, loc: Term['loc']): boolean {
    let ok = true;
    const seen = new Set<string>();
    for (const t of terms) {
      for (const v of varsOf(t)) {
        if (this.isSafe(v, safe) || seen.has(v)) continue;
        seen.add(v);
        ok = false;
        if (!isGeneratedVar(v)) report(this.ctx, 'rego_unsafe_var_error', `var ${displayVar(v)} is unsafe`, loc);
      }
    }
    return ok;
  }

  rule(rule: Rule): void {
    const globals = new Set<string>();
    for (const a of rule.args ?? []) for (const v of termVars(a)) globals.add(v);
    const r = this.reorder(rule.body, globals);
    rule.body = r.body;
    if (r.ok) {
      const heads = [rule.key, rule.value, ...(rule.refTail ?? [])].filter((t): t is Term => t !== undefined);
      if (this.headsSafe(heads, r.safe, rule.loc)) this.termClosures(heads, r.safe);
    }
    for (const e of rule.elses) {
      const re = this.reorder(e.body, globals);
      e.body = re.body;
      if (re.ok && e.value && this.headsSafe([e.value], re.safe, e.loc)) this.termClosures([e.value], re.safe);
    }
  }
}

export function checkSafety(ctx: CheckContext): void {
  const byPath = rulesByPath(ruleEntries(ctx.modules));
  const s = new Safety(ctx, (op) => callArity(ctx, byPath, op));
  for (const m of ctx.modules) for (const r of m.rules) s.rule(r);
  if (ctx.query) ctx.query = s.reorder(ctx.query, new Set()).body;
}
