// Test-only stand-in for opa/check while it is not available: resolves rule names, function
// names and imports to `data.` refs and renames wildcards. No safety reordering, no checks.
import type { Body, Expr, Module, Term } from '../../../opa/syntax/ast.ts';

export function miniNormalize(modules: Module[], query?: Body): { modules: Module[]; query?: Body; queryVars: string[] } {
  const rulesByPkg = new Map<string, Set<string>>();
  for (const m of modules) {
    const key = m.package.join('.');
    const s = rulesByPkg.get(key) ?? new Set<string>();
    for (const r of m.rules) s.add((r.ref[0] as { value: string }).value);
    rulesByPkg.set(key, s);
  }
  let n = 0;
  const out = modules.map((m) => {
    const names = rulesByPkg.get(m.package.join('.'))!;
    const aliases = new Map<string, string[]>();
    for (const imp of m.imports) {
      if (imp.path[0] !== 'data' && imp.path[0] !== 'input') continue;
      aliases.set(imp.alias ?? imp.path[imp.path.length - 1], imp.path);
    }
    const rules = m.rules.map((r) => {
      const locals = new Set<string>();
      const collect = (t: unknown): void => {
        if (Array.isArray(t)) return t.forEach(collect);
        if (t && typeof t === 'object') {
          const o = t as Record<string, unknown>;
          if (o.type === 'call' && Array.isArray(o.op) && (o.op[0] === 'assign' || o.op[0] === 'eq') && (o.args as Term[])[0]?.type === 'var')
            locals.add(((o.args as Term[])[0] as { name: string }).name);
          if (o.kind === 'some') (o.vars as Array<{ name: string }>).forEach((v) => locals.add(v.name));
          if (o.kind === 'somein' || o.kind === 'every') {
            for (const x of [o.key, o.value]) if (x && (x as Term).type === 'var') locals.add((x as { name: string }).name);
          }
          Object.values(o).forEach(collect);
        }
      };
      collect(r.body);
      for (const a of r.args ?? []) collect([{ kind: 'term', term: { type: 'call', op: ['eq'], args: [a] } }]);
      (r.args ?? []).forEach((a) => a.type === 'var' && locals.add(a.name));
      const fix = (t: Term): Term => rewrite(t, m.package, names, aliases, locals, () => `$w${n++}`);
      const fixBody = (b: Body): Body => b.map((e) => fixExpr(e, fix, fixBody));
      return {
        ...r,
        key: r.key && fix(r.key),
        value: r.value && fix(r.value),
        args: r.args?.map(fix),
        refTail: r.refTail?.map(fix),
        body: fixBody(r.body),
        elses: r.elses.map((e) => ({ ...e, value: e.value && fix(e.value), body: fixBody(e.body) })),
      };
    });
    return { ...m, imports: [], rules };
  });
  const qvars: string[] = [];
  let q: Body | undefined;
  if (query) {
    const fix = (t: Term): Term => rewrite(t, [], new Set(), new Map(), new Set(), () => `$w${n++}`);
    const fixBody = (b: Body): Body => b.map((e) => fixExpr(e, fix, fixBody));
    q = fixBody(query);
    const seen = (t: unknown): void => {
      if (Array.isArray(t)) return t.forEach(seen);
      if (t && typeof t === 'object') {
        const o = t as Record<string, unknown>;
        if (o.type === 'var' && typeof o.name === 'string' && !o.name.startsWith('$') && o.name !== 'input' && o.name !== 'data' && !qvars.includes(o.name))
          qvars.push(o.name);
        if (o.type === 'call') return seen(o.args);
        Object.values(o).forEach(seen);
      }
    };
    seen(q);
  }
  return { modules: out, query: q, queryVars: qvars };
}

function fixExpr(e: Expr, fix: (t: Term) => Term, fixBody: (b: Body) => Body): Expr {
  const withs = (e.kind === 'some' ? [] : e.with).map((w) => ({ ...w, target: fix(w.target), value: fix(w.value) }));
  switch (e.kind) {
    case 'some':
      return e;
    case 'somein':
      return { ...e, key: e.key && fix(e.key), value: fix(e.value), collection: fix(e.collection), with: withs };
    case 'every':
      return { ...e, domain: fix(e.domain), body: fixBody(e.body), with: withs };
    case 'term':
      return { ...e, term: fix(e.term), with: withs };
  }
}

function rewrite(t: Term, pkg: string[], names: Set<string>, aliases: Map<string, string[]>, locals: Set<string>, wild: () => string): Term {
  const r = (x: Term) => rewrite(x, pkg, names, aliases, locals, wild);
  const str = (s: string): Term => ({ type: 'string', value: s, loc: t.loc });
  const dataRef = (path: string[], rest: Term[]): Term => ({ type: 'ref', head: { type: 'var', name: path[0], loc: t.loc }, path: [...path.slice(1).map(str), ...rest], loc: t.loc });
  switch (t.type) {
    case 'var':
      if (t.name === '_') return { ...t, name: wild() };
      if (!locals.has(t.name) && names.has(t.name)) return dataRef(['data', ...pkg, t.name], []);
      if (!locals.has(t.name) && aliases.has(t.name)) return dataRef(aliases.get(t.name)!, []);
      return t;
    case 'ref': {
      const head = r(t.head);
      const path = t.path.map(r);
      if (head.type === 'ref') return { ...t, head: head.head, path: [...head.path, ...path] };
      return { ...t, head, path };
    }
    case 'array':
    case 'set':
      return { ...t, items: t.items.map(r) };
    case 'object':
      return { ...t, items: t.items.map(([a, b]) => [r(a), r(b)] as [Term, Term]) };
    case 'arraycompr':
    case 'setcompr':
      return { ...t, term: r(t.term), body: t.body.map((e) => fixExpr(e, r, (b) => b.map((x) => fixExpr(x, r, (y) => y)))) };
    case 'objectcompr':
      return { ...t, key: r(t.key), value: r(t.value), body: t.body.map((e) => fixExpr(e, r, (b) => b)) };
    case 'call': {
      let op = t.op;
      if (names.has(op[0]) && op.length === 1) op = ['data', ...pkg, ...op];
      else if (aliases.has(op[0])) op = [...aliases.get(op[0])!, ...op.slice(1)];
      return { ...t, op, args: t.args.map(r) };
    }
    default:
      return t;
  }
}
