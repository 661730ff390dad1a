// ResolveRefs: every var naming a rule of the same package, an import, `data` or `input` becomes a
// full ref (`data.pkg.rule`, `data.lib.x`, `input.y`); calls of user functions get op ["data", ...].
// As in OPA, variables declared in a body (`:=`, `some`, function args, `every`) shadow rule names.
import type { Body, Expr, Module, Rule, Term, VarTerm } from '../syntax/ast.ts';
import { pathKey, ruleEntries, type CheckContext } from './context.ts';
import { patternVars } from './walk.ts';

const ROOTS = new Set(['input', 'data']);

/** Names visible in a module: rule names and import names -> full path (first element data or input). */
type Globals = Map<string, string[]>;

function moduleGlobals(module: Module): Globals {
  const g: Globals = new Map();
  for (const imp of module.imports) g.set(imp.alias ?? imp.path[imp.path.length - 1], imp.path);
  for (const rule of module.rules) {
    const first = rule.ref[0];
    if (first?.type === 'string') g.set(first.value, ['data', ...module.package, first.value]);
  }
  return g;
}

/** Variables a body declares (`:=` targets, `some`), not looking into closures. */
export function declaredVars(body: Body): Set<string> {
  const out = new Set<string>();
  for (const e of body) {
    if (e.kind === 'term' && e.term.type === 'call' && e.term.op.length === 1 && e.term.op[0] === 'assign' && e.term.args[0]) {
      for (const v of patternVars(e.term.args[0])) out.add(v.name);
    } else if (e.kind === 'some') {
      for (const v of e.vars) out.add(v.name);
    } else if (e.kind === 'somein') {
      for (const t of [e.key, e.value]) if (t) for (const v of patternVars(t)) out.add(v.name);
    }
  }
  return out;
}

class Resolver {
  private readonly ignore: Set<string>[] = [];
  constructor(private readonly ctx: CheckContext, private readonly globals: Globals, private readonly functions: Set<string>) {}

  private lookup(name: string): string[] | undefined {
    for (const s of this.ignore) if (s.has(name)) return undefined;
    return this.globals.get(name);
  }

  private refFrom(path: string[], v: VarTerm, rest: Term[]): Term {
    const head: VarTerm = { type: 'var', name: path[0], loc: v.loc };
    const strings: Term[] = path.slice(1).map((p) => ({ type: 'string', value: p, loc: v.loc }));
    return { type: 'ref', head, path: [...strings, ...rest], loc: v.loc };
  }

  term(t: Term): Term {
    switch (t.type) {
      case 'var': {
        if (ROOTS.has(t.name)) return { type: 'ref', head: t, path: [], loc: t.loc };
        const g = this.lookup(t.name);
        return g ? this.refFrom(g, t, []) : t;
      }
      case 'ref': {
        const path = t.path.map((p) => this.term(p));
        if (t.head.type === 'var') {
          if (ROOTS.has(t.head.name)) return { ...t, path };
          const g = this.lookup(t.head.name);
          if (g) return { ...this.refFrom(g, t.head, path), loc: t.loc };
          return { ...t, path };
        }
        return { ...t, head: this.term(t.head), path };
      }
      case 'array': return { ...t, items: t.items.map((i) => this.term(i)) };
      case 'set': return { ...t, items: t.items.map((i) => this.term(i)) };
      case 'object': return { ...t, items: t.items.map(([k, v]) => [this.term(k), this.term(v)] as [Term, Term]) };
      case 'call': return { ...t, op: this.op(t.op), args: t.args.map((a) => this.term(a)) };
      case 'templatestring': return { ...t, parts: t.parts.map((p) => (typeof p === 'string' ? p : this.term(p))) };
      case 'arraycompr': case 'setcompr': case 'objectcompr': {
        this.ignore.push(declaredVars(t.body));
        const body = this.body(t.body);
        let out: Term;
        if (t.type === 'objectcompr') out = { ...t, key: this.term(t.key), value: this.term(t.value), body };
        else out = { ...t, term: this.term(t.term), body };
        this.ignore.pop();
        return out;
      }
      default: return t;
    }
  }

  op(op: string[]): string[] {
    if (op[0] === 'data' || op.length === 0) return op;
    const g = this.lookup(op[0]);
    return g ? [...g, ...op.slice(1)] : op;
  }

  /** A `with` target: `input.x`, `data.p`, a rule or import name, or a function name. */
  private withTarget(t: Term): Term {
    if (t.type === 'var' && !ROOTS.has(t.name) && !this.lookup(t.name)) return t; // builtin name
    if (t.type === 'ref' && t.head.type === 'var' && !ROOTS.has(t.head.name) && !this.lookup(t.head.name)) return t;
    return this.term(t);
  }

  /** A `with` target naming a function: a builtin name, or a user function's data path. */
  private isFunctionTarget(t: Term): boolean {
    const head = t.type === 'ref' ? t.head : t;
    if (head.type !== 'var') return false;
    if (head.name === 'input') return false;
    if (head.name !== 'data') return true;
    return t.type === 'ref' && t.path.every((p) => p.type === 'string') && this.functions.has(pathKey(['data', ...t.path.map((p) => (p as { value: string }).value)]));
  }

  private withValue(target: Term, v: Term): Term {
    const out = this.term(v);
    if (!this.isFunctionTarget(target)) return out;
    if (out.type === 'var' && v.type === 'var' && this.ctx.builtins.has(out.name) && !this.lookupIgnored(out.name)) this.ctx.functionValues.add(out);
    if (out.type === 'ref' && out.head.type === 'var' && !ROOTS.has(out.head.name) && !this.lookupIgnored(out.head.name) && out.path.every((p) => p.type === 'string')) {
      this.ctx.functionValues.add(out);
    }
    return out;
  }

  private lookupIgnored(name: string): boolean {
    return this.ignore.some((s) => s.has(name));
  }

  expr(e: Expr): Expr {
    const withs = 'with' in e ? e.with.map((w) => {
      const target = this.withTarget(w.target);
      return { ...w, target, value: this.withValue(target, w.value) };
    }) : [];
    switch (e.kind) {
      case 'term': return { ...e, term: this.term(e.term), with: withs };
      case 'some': return e;
      case 'somein': return { ...e, key: e.key && this.term(e.key), value: this.term(e.value), collection: this.term(e.collection), with: withs };
      case 'every': {
        const domain = this.term(e.domain);
        const own = declaredVars(e.body);
        for (const v of [e.key, e.value]) if (v) own.add(v.name);
        this.ignore.push(own);
        const body = this.body(e.body);
        this.ignore.pop();
        return { ...e, domain, body, with: withs };
      }
      case 'logic':
        // Each operand is a scope of its own: its declarations shadow rule names inside it only.
        return { ...e, with: withs, operands: e.operands.map((b) => {
          this.ignore.push(declaredVars(b));
          const out = this.body(b);
          this.ignore.pop();
          return out;
        }) };
    }
  }

  body(b: Body): Body {
    return b.map((e) => this.expr(e));
  }

  rule(rule: Rule): void {
    const args = new Set<string>();
    for (const a of rule.args ?? []) for (const v of patternVars(a)) args.add(v.name);
    this.ignore.push(args, declaredVars(rule.body));
    rule.body = this.body(rule.body);
    if (rule.key) rule.key = this.term(rule.key);
    if (rule.value) rule.value = this.term(rule.value);
    if (rule.refTail) rule.refTail = rule.refTail.map((t, i) => (i === 0 ? t : this.term(t)));
    this.ignore.pop();
    for (const e of rule.elses) {
      this.ignore.push(declaredVars(e.body));
      e.body = this.body(e.body);
      if (e.value) e.value = this.term(e.value);
      this.ignore.pop();
    }
    this.ignore.pop();
  }
}

export function resolveRefs(ctx: CheckContext): void {
  const functions = new Set<string>();
  for (const e of ruleEntries(ctx.modules)) if (e.rule.kind === 'function') functions.add(pathKey(e.path));
  for (const module of ctx.modules) {
    const r = new Resolver(ctx, moduleGlobals(module), functions);
    for (const rule of module.rules) r.rule(rule);
    // OPA's RemoveImports: every use is a full ref now.
    module.imports = [];
  }
  if (ctx.query) ctx.query = new Resolver(ctx, new Map(), functions).body(ctx.query);
}
