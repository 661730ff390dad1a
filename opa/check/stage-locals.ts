// RewriteLocalVars: give every local variable of a rule (or of the query) a name unique within it.
// Scopes follow OPA: a rule body (with the function args), each comprehension body and each
// `every` body. `:=`, `some` and `every` declare a variable in the current scope (shadowing outer
// ones); any other variable belongs to the outermost enclosing scope in which it occurs outside
// closures, so comprehensions see the variables of the bodies around them. Wildcards get `$_N`,
// a second variable with an already used name gets `name$N`; the query's own variables keep their names.
import type { Body, Expr, Loc, Rule, Term, VarTerm } from '../syntax/ast.ts';
import { report, type CheckContext } from './context.ts';
import { childTerms, isCall, isClosure, patternVars } from './walk.ts';

const ROOTS = new Set(['input', 'data']);

interface Scope {
  parent?: Scope;
  depth: number;
  /** Names declared anywhere in this scope (`:=`, `some`, `every`, args). */
  declared: Set<string>;
  /** Names occurring in this scope outside closures. */
  direct: Set<string>;
  /** Progress while renaming in order: how each name was introduced so far. */
  seen: Map<string, 'seen' | 'assigned' | 'declared' | 'arg'>;
  /** The args scope of a rule: assigning an arg in the rule body is an error. */
  argsOf?: Scope;
  owned: Map<string, Entity>;
}

interface Entity { original: string; depth: number; order: number; pos: number; name?: string }

function typeName(t: Term): string {
  switch (t.type) {
    case 'arraycompr': return 'arraycomprehension';
    case 'setcompr': return 'setcomprehension';
    case 'objectcompr': return 'objectcomprehension';
    case 'templatestring': return 'templatestring';
    default: return t.type;
  }
}

class Renamer {
  private readonly scopes = new Map<Body, Scope>();
  private readonly bound = new Map<VarTerm, Entity>();
  private readonly entities: Entity[] = [];

  constructor(private readonly ctx: CheckContext) {}

  newScope(parent?: Scope): Scope {
    return { parent, depth: parent ? parent.depth + 1 : 0, declared: new Set(), direct: new Set(), seen: new Map(), owned: new Map() };
  }

  // ---- pass A: scopes, declarations and direct occurrences

  collectTerm(t: Term, s: Scope): void {
    if (this.ctx.functionValues.has(t)) return;
    if (t.type === 'var') {
      if (t.name !== '_' && !ROOTS.has(t.name)) s.direct.add(t.name);
      return;
    }
    if (isClosure(t)) {
      const c = this.newScope(s);
      this.scopes.set(t.body, c);
      for (const h of childTerms(t)) this.collectTerm(h, c);
      this.collectBody(t.body, c);
      return;
    }
    for (const c of childTerms(t)) this.collectTerm(c, s);
  }

  collectBody(body: Body, s: Scope): void {
    for (const e of body) {
      const withs = 'with' in e ? e.with : [];
      for (const w of withs) this.collectTerm(w.value, s);
      switch (e.kind) {
        case 'term':
          if (isCall(e.term, 'assign') && e.term.args.length === 2) {
            for (const v of patternVars(e.term.args[0])) if (v.name !== '_') s.declared.add(v.name);
            this.collectTerm(e.term.args[1], s);
          } else this.collectTerm(e.term, s);
          break;
        case 'some':
          for (const v of e.vars) if (v.name !== '_') s.declared.add(v.name);
          break;
        case 'somein':
          for (const t of [e.key, e.value]) if (t) for (const v of patternVars(t)) if (v.name !== '_') s.declared.add(v.name);
          for (const t of [e.key, e.value]) if (t && t.type !== 'var') this.collectTerm(t, s);
          this.collectTerm(e.collection, s);
          break;
        case 'every': {
          this.collectTerm(e.domain, s);
          const c = this.newScope(s);
          this.scopes.set(e.body, c);
          for (const v of [e.key, e.value]) if (v && v.name !== '_') c.declared.add(v.name);
          this.collectBody(e.body, c);
          break;
        }
        case 'logic':
          for (const b of e.operands) {
            const c = this.newScope(s);
            this.scopes.set(b, c);
            this.collectBody(b, c);
          }
          break;
      }
    }
  }

  // ---- pass B: bind every var occurrence to an entity, in evaluation-independent source order

  private entity(owner: Scope, name: string): Entity {
    let ent = owner.owned.get(name);
    if (!ent) {
      ent = { original: name, depth: owner.depth, order: this.entities.length, pos: Infinity };
      owner.owned.set(name, ent);
      this.entities.push(ent);
    }
    return ent;
  }

  private wildcard(v: VarTerm, s: Scope): void {
    const ent: Entity = { original: '_', depth: s.depth, order: this.entities.length, pos: v.loc.start };
    this.entities.push(ent);
    this.bound.set(v, ent);
  }

  /**
   * The variable a name means at this point: one declared so far in this or an enclosing scope
   * (a declaration further down does not reach back, as in OPA), else a free variable of the
   * outermost enclosing scope that uses the name without declaring it, else this scope's own.
   */
  private resolve(name: string, s: Scope): Entity {
    for (let x: Scope | undefined = s; x; x = x.parent) {
      const k = x.seen.get(name);
      if (k && k !== 'seen') return this.entity(x, name);
    }
    let owner = s;
    for (let x = s.parent; x; x = x.parent) if (x.direct.has(name) && !x.declared.has(name)) owner = x;
    return this.entity(owner, name);
  }

  private use(v: VarTerm, s: Scope): void {
    if (v.name === '_') return this.wildcard(v, s);
    if (ROOTS.has(v.name)) return;
    let introduced = false;
    for (let x: Scope | undefined = s; x; x = x.parent) {
      const k = x.seen.get(v.name);
      if (k && k !== 'seen') { introduced = true; break; }
    }
    if (!introduced && !s.seen.has(v.name)) s.seen.set(v.name, 'seen');
    this.bind(v, this.resolve(v.name, s));
  }

  private bind(v: VarTerm, ent: Entity): void {
    ent.pos = Math.min(ent.pos, v.loc.start);
    this.bound.set(v, ent);
  }

  /** Declare `v` in scope `s` (`:=` target, `some`, `some .. in`, `every`), reporting redeclarations. */
  private declare(v: VarTerm, s: Scope, how: 'assigned' | 'declared', loc: Loc): void {
    if (v.name === '_') return this.wildcard(v, s);
    const prev = s.seen.get(v.name) ?? (s.argsOf?.seen.get(v.name));
    if (prev === 'arg') report(this.ctx, 'rego_compile_error', `arg ${v.name} redeclared`, loc);
    else if (prev === 'seen') report(this.ctx, 'rego_compile_error', `var ${v.name} referenced above`, loc);
    else if (prev) report(this.ctx, 'rego_compile_error', `var ${v.name} ${prev} above`, loc);
    s.seen.set(v.name, how);
    this.bind(v, this.entity(s, v.name));
  }

  term(t: Term, s: Scope): void {
    if (this.ctx.functionValues.has(t)) return;
    if (t.type === 'var') return this.use(t, s);
    if (isClosure(t)) {
      const c = this.scopes.get(t.body);
      if (!c) throw new Error('internal: closure scope missing');
      this.body(t.body, c);
      for (const h of childTerms(t)) this.term(h, c);
      return;
    }
    for (const c of childTerms(t)) this.term(c, s);
  }

  private pattern(t: Term, s: Scope, how: 'assigned' | 'declared'): void {
    switch (t.type) {
      case 'var': return this.declare(t, s, how, t.loc);
      case 'array': for (const i of t.items) this.pattern(i, s, how); return;
      case 'object': for (const [k, v] of t.items) { this.term(k, s); this.pattern(v, s, how); } return;
      default:
        if (how === 'assigned') report(this.ctx, 'rego_compile_error', `cannot assign to ${typeName(t)}`, t.loc);
        else this.term(t, s);
    }
  }

  expr(e: Expr, s: Scope): void {
    switch (e.kind) {
      case 'term':
        if (isCall(e.term, 'assign') && e.term.args.length === 2) {
          this.term(e.term.args[1], s);
          for (const w of e.with) this.term(w.value, s);
          this.pattern(e.term.args[0], s, 'assigned');
          return;
        }
        this.term(e.term, s);
        break;
      case 'some':
        for (const v of e.vars) this.declare(v, s, 'declared', v.loc);
        return;
      case 'somein':
        this.term(e.collection, s);
        if (e.key) this.pattern(e.key, s, 'declared');
        this.pattern(e.value, s, 'declared');
        break;
      case 'every': {
        this.term(e.domain, s);
        const c = this.scopes.get(e.body);
        if (!c) throw new Error('internal: every scope missing');
        for (const v of [e.key, e.value]) if (v) this.declare(v, c, 'declared', v.loc);
        this.body(e.body, c);
        break;
      }
      case 'logic':
        for (const b of e.operands) {
          const c = this.scopes.get(b);
          if (!c) throw new Error('internal: operand scope missing');
          this.body(b, c);
        }
        break;
    }
    for (const w of e.with) this.term(w.value, s);
  }

  body(b: Body, s: Scope): void {
    for (const e of b) this.expr(e, s);
  }

  // ---- naming

  /** Assign names: outer scopes first, so that the query's own variables keep their names. */
  finish(): void {
    const used = new Set<string>();
    const counters = new Map<string, number>();
    let wild = 0;
    const sorted = [...this.entities].sort((a, b) => a.depth - b.depth || a.order - b.order);
    for (const ent of sorted) {
      if (ent.original === '_') { ent.name = `$_${wild++}`; continue; }
      if (!used.has(ent.original)) { ent.name = ent.original; used.add(ent.original); continue; }
      let n = counters.get(ent.original) ?? 1;
      while (used.has(`${ent.original}$${n}`)) n++;
      counters.set(ent.original, n + 1);
      ent.name = `${ent.original}$${n}`;
      used.add(ent.name);
    }
    for (const [v, ent] of this.bound) v.name = ent.name!;
  }

  rootEntities(s: Scope): Entity[] {
    return [...s.owned.values()].sort((a, b) => a.pos - b.pos || a.order - b.order);
  }

  rule(rule: Rule): void {
    const root = this.newScope();
    const argVars = (rule.args ?? []).flatMap((a) => patternVars(a));
    for (const v of argVars) if (v.name !== '_') root.declared.add(v.name);
    const main = this.newScope(root);
    main.argsOf = root;
    for (const t of [rule.key, rule.value, ...(rule.refTail ?? [])]) if (t) this.collectTerm(t, main);
    this.collectBody(rule.body, main);
    const elses = rule.elses.map((e) => {
      const s = this.newScope(root);
      s.argsOf = root;
      if (e.value) this.collectTerm(e.value, s);
      this.collectBody(e.body, s);
      return s;
    });
    // Args first, then the body, then the head: head vars refer to what the body declared.
    for (const v of argVars) {
      if (v.name === '_') { this.wildcard(v, root); continue; }
      root.seen.set(v.name, 'arg');
      this.bind(v, this.entity(root, v.name));
    }
    this.body(rule.body, main);
    for (const t of [rule.key, rule.value, ...(rule.refTail ?? [])]) if (t) this.term(t, main);
    rule.elses.forEach((e, i) => {
      this.body(e.body, elses[i]);
      if (e.value) this.term(e.value, elses[i]);
    });
    this.finish();
  }

  query(body: Body): string[] {
    const root = this.newScope();
    this.collectBody(body, root);
    this.body(body, root);
    this.finish();
    return this.rootEntities(root).filter((e) => e.original !== '_').map((e) => e.name!);
  }
}

export function rewriteLocalVars(ctx: CheckContext): void {
  for (const module of ctx.modules) for (const rule of module.rules) new Renamer(ctx).rule(rule);
  if (ctx.query) ctx.queryVars = new Renamer(ctx).query(ctx.query);
}
