// CheckRuleConflicts: the rules defining one path must agree on their kind (single value vs
// `contains`), on their arity, on being complete vs partial; at most one default; a complete
// rule cannot have other rules inside its value; no package may sit where a rule is defined.
// Default values must be ground. Messages follow OPA's compile.go.
import type { Term } from '../syntax/ast.ts';
import { pathKey, report, ruleEntries, type CheckContext, type RuleEntry } from './context.ts';
import { pathString, ruleRefString } from './ref-string.ts';
import { isClosure, visitTerm } from './walk.ts';

function defaultValueProblem(t: Term): string | undefined {
  let found: string | undefined;
  visitTerm(t, (x) => {
    if (found) return false;
    if (x.type === 'var') found = 'var';
    else if (x.type === 'ref') found = 'ref';
    else if (x.type === 'call') found = 'call';
    // Comprehensions are fine (OPA evaluates them once): their vars are their own.
    else if (isClosure(x)) return false;
    return found === undefined;
  });
  return found;
}

interface Node { entries: RuleEntry[]; children: Map<string, Node> }

function flattenChildren(n: Node, path: string[], out: string[]): void {
  for (const [k, c] of n.children) {
    const p = [...path, k];
    if (c.entries.length > 0) out.push(pathString(p));
    flattenChildren(c, p, out);
  }
}

export function checkRuleConflicts(ctx: CheckContext): void {
  const entries = ruleEntries(ctx.modules);
  const root: Node = { entries: [], children: new Map() };
  for (const e of entries) {
    let n = root;
    for (const p of e.path) {
      let c = n.children.get(p);
      if (!c) { c = { entries: [], children: new Map() }; n.children.set(p, c); }
      n = c;
    }
    n.entries.push(e);
  }
  const visit = (n: Node, path: string[]): void => {
    if (n.entries.length > 0) {
      const kinds = new Set<string>();
      const arities = new Set<number>();
      let complete = 0, partial = 0;
      const defaults: RuleEntry[] = [];
      let conflicts: string[] | undefined;
      let name = '';
      for (const e of n.entries) {
        const r = e.rule;
        name = ruleRefString(e.module.package, r.kind === 'partialobject' && r.key && !r.refTail ? [...r.ref, r.key] : (r.refTail ?? r.ref));
        kinds.add(r.kind === 'partialset' ? 'multi' : 'single');
        arities.add(r.args?.length ?? 0);
        if (r.isDefault) defaults.push(e);
        if (e.ground && n.children.size > 0) { conflicts = []; flattenChildren(n, path, conflicts); }
        if (r.kind !== 'partialset' && e.ground) complete++; else partial++;
      }
      const first = n.entries[0];
      if (conflicts && conflicts.length > 0) {
        report(ctx, 'rego_type_error', `rule ${name} conflicts with [${conflicts.join(' ')}]`, first.rule.loc);
        return;
      }
      if (kinds.size > 1 || arities.size > 1 || (complete >= 1 && partial >= 1)) {
        report(ctx, 'rego_type_error', `conflicting rules ${name} found`, first.rule.loc);
        return;
      }
      if (defaults.length > 1) {
        report(ctx, 'rego_type_error', `multiple default rules ${name} found`, defaults[0].module.packageLoc);
        return;
      }
    }
    for (const [k, c] of n.children) visit(c, [...path, k]);
  };
  visit(root, []);

  // A package may not live inside the value of a rule of another module.
  const packages = new Map<string, { pkg: string[]; loc: Term['loc'] }>();
  for (const m of ctx.modules) packages.set(pathKey(['data', ...m.package]), { pkg: m.package, loc: m.packageLoc });
  for (const e of entries) {
    if (!e.ground) continue;
    const pkg = packages.get(pathKey(e.path));
    if (!pkg) continue;
    const rel = e.rule.ref.map((t) => (t.type === 'string' ? t.value : '')).join('.');
    report(ctx, 'rego_type_error', `package ${pkg.pkg.join('.')} conflicts with rule ${rel} defined at ${e.rule.loc.file}`, e.module.packageLoc);
  }

  for (const e of entries) {
    const r = e.rule;
    if (!r.isDefault || !r.value) continue;
    const problem = defaultValueProblem(r.value);
    if (problem) report(ctx, 'rego_type_error', `default rule value cannot contain ${problem}`, r.value.loc);
  }
}
