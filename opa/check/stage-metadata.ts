// RewriteRegoMetadataCalls: rego.metadata.rule() and rego.metadata.chain() are static per rule, so
// (as OPA's compiler does) each call is replaced by the constant built from the annotations in scope.
import type { Annotations, Loc, Module, Rule, Term } from '../syntax/ast.ts';
import { report, ruleEntries, type CheckContext } from './context.ts';
import { visitRule } from './walk.ts';

/** A plain JSON-like value as a constant term (YAML scalars, lists and mappings). */
function toTerm(v: unknown, loc: Loc): Term {
  if (v === null || v === undefined) return { type: 'null', loc };
  if (typeof v === 'boolean') return { type: 'boolean', value: v, loc };
  if (typeof v === 'number') return { type: 'number', text: String(v), loc };
  if (typeof v === 'string') return { type: 'string', value: v, loc };
  if (Array.isArray(v)) return { type: 'array', items: v.map((x) => toTerm(x, loc)), loc };
  if (v instanceof Date) return { type: 'string', value: v.toISOString(), loc };
  return { type: 'object', items: Object.entries(v as Record<string, unknown>).map(([k, x]) => [toTerm(k, loc), toTerm(x, loc)]), loc };
}

/** "Name <email>" -> {name, email}, as OPA parses author strings. */
function author(a: unknown): unknown {
  if (typeof a !== 'string') return a;
  const s = a.trim();
  const m = /^(.*?)\s*<([^<>]*)>$/.exec(s);
  if (!m) return { name: s };
  const out: Record<string, string> = {};
  if (m[1]) out.name = m[1];
  if (m[2]) out.email = m[2];
  return out;
}

/** OPA's Annotations JSON: the known fields only, normalised, with the scope. */
function annotationsJson(a: Annotations): Record<string, unknown> {
  const f = a.fields;
  const out: Record<string, unknown> = { scope: a.scope };
  for (const k of ['title', 'description', 'organizations', 'custom']) if (f[k] !== undefined && f[k] !== null) out[k] = f[k];
  if (f.entrypoint === true) out.entrypoint = true;
  if (Array.isArray(f.authors)) out.authors = f.authors.map(author);
  if (Array.isArray(f.related_resources)) {
    out.related_resources = f.related_resources.map((r) => (typeof r === 'string' ? { ref: r } : r));
  }
  return out;
}

function isPrefix(p: string[], of: string[]): boolean {
  return p.length <= of.length && p.every((s, i) => s === of[i]);
}

export function rewriteRegoMetadataCalls(ctx: CheckContext): void {
  const entries = ruleEntries(ctx.modules);
  const key = (p: string[]): string => JSON.stringify(p);
  // Document-scoped blocks apply to every rule of the same path; package ones to the package.
  const docScope = new Map<string, Annotations>();
  for (const e of entries) if (e.rule.annotations?.scope === 'document') docScope.set(key(e.path), e.rule.annotations);
  const pkgScope = new Map<string, Annotations>();
  const subScope: Array<{ pkg: string[]; a: Annotations }> = [];
  for (const m of ctx.modules) {
    for (const a of m.annotations) {
      if (a.scope === 'package') pkgScope.set(key(m.package), a);
      else if (a.scope === 'subpackages') subScope.push({ pkg: m.package, a });
    }
  }
  const chainOf = (rule: Rule, module: Module, path: string[]): Array<{ path: string[]; a?: Annotations }> => {
    const out: Array<{ path: string[]; a?: Annotations }> = [];
    if (rule.annotations?.scope === 'rule') out.push({ path, a: rule.annotations });
    const doc = docScope.get(key(path));
    if (doc) out.push({ path, a: doc });
    const pkgPath = ['data', ...module.package];
    const pkg = pkgScope.get(key(module.package));
    if (pkg) out.push({ path: pkgPath, a: pkg });
    // Deepest enclosing package first.
    const subs = subScope.filter((s) => isPrefix(s.pkg, module.package)).sort((x, y) => y.pkg.length - x.pkg.length);
    for (const s of subs) out.push({ path: ['data', ...s.pkg], a: s.a });
    if (out.length === 0) out.push({ path });
    return out;
  };
  for (const { rule, module, path } of entries) {
    visitRule(rule, (t) => {
      if (t.type !== 'call') return;
      const name = t.op.join('.');
      if ((name !== 'rego.metadata.rule' && name !== 'rego.metadata.chain') || ctx.builtins.has(name)) return;
      const chain = chainOf(rule, module, path);
      if (chain.some((c) => c.a && c.a.fields.schemas !== undefined)) {
        report(ctx, 'rego_compile_error', `not implemented: ${name}() with schemas annotations`, t.loc);
        return;
      }
      let value: unknown;
      if (name === 'rego.metadata.rule') {
        const first = chain[0].a;
        value = first && (first.scope === 'rule' || first.scope === 'document') ? annotationsJson(first) : {};
      } else {
        // Paths drop the leading `data`, as OPA's chain does.
        value = chain.map((c) => (c.a ? { path: c.path.slice(1), annotations: annotationsJson(c.a) } : { path: c.path.slice(1) }));
      }
      const constant = toTerm(value, t.loc);
      for (const k of Object.keys(t)) delete (t as unknown as Record<string, unknown>)[k];
      Object.assign(t, constant);
      return false;
    });
  }
}
