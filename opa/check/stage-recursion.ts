// CheckRecursion: no rule may depend on itself, directly or through other rules and functions.
// A ref to a document above rules (a package) depends on every rule below it; a ref into a
// rule's value depends on that rule. `with` targets are replacements, not dependencies.
import type { Expr, Rule, Term } from '../syntax/ast.ts';
import { report, ruleEntries, rulesByPath, type CheckContext, type RuleEntry } from './context.ts';
import { pathString } from './ref-string.ts';
import { exprTerms, isClosure, visitTerm } from './walk.ts';

/** A data path with `null` for dynamic elements (`data[x].p` -> ["data", null, "p"]). */
type Pattern = Array<string | null>;

/** The data paths a rule mentions (refs to data and user function calls). */
function dataPaths(rule: Rule): Pattern[] {
  const out: Pattern[] = [];
  const onTerm = (t: Term): boolean | void => {
    if (t.type === 'ref' && t.head.type === 'var' && t.head.name === 'data') {
      out.push(['data', ...t.path.map((e) => (e.type === 'string' ? e.value : null))]);
    } else if (t.type === 'call' && t.op[0] === 'data') out.push([...t.op]);
    if (isClosure(t)) { for (const e of t.body) onExpr(e); }
  };
  const onExpr = (e: Expr): void => {
    const targets = new Set<Term>('with' in e ? e.with.map((w) => w.target) : []);
    for (const t of exprTerms(e)) if (!targets.has(t)) visitTerm(t, onTerm, { closures: false });
    if (e.kind === 'every') for (const x of e.body) onExpr(x);
  };
  for (const t of [rule.key, rule.value, ...(rule.refTail ?? []), ...rule.elses.map((e) => e.value)]) if (t) visitTerm(t, onTerm, { closures: false });
  for (const e of rule.body) onExpr(e);
  for (const el of rule.elses) for (const e of el.body) onExpr(e);
  return out;
}

/** Could the ref pattern reach the rule at `path` (inside its value, at it, or above it)? As OPA's GetRulesDynamic. */
function reaches(pattern: Pattern, path: string[]): boolean {
  const n = Math.min(pattern.length, path.length);
  for (let i = 0; i < n; i++) if (pattern[i] !== null && pattern[i] !== path[i]) return false;
  return true;
}

export function checkRecursion(ctx: CheckContext): void {
  const groups = rulesByPath(ruleEntries(ctx.modules));
  const keys = [...groups.keys()];
  const paths = new Map<string, string[]>(keys.map((k) => [k, groups.get(k)![0].path]));
  const edges = new Map<string, string[]>();
  for (const k of keys) {
    const deps = new Set<string>();
    for (const e of groups.get(k)!) {
      for (const p of dataPaths(e.rule)) {
        for (const other of keys) {
          const op = paths.get(other)!;
          if (reaches(p, op)) deps.add(other);
        }
      }
    }
    edges.set(k, [...deps]);
  }
  // For each group, look for a path back to itself (depth first, shortest-first neighbour order).
  for (const start of keys) {
    const seen = new Set<string>();
    const trail: string[] = [start];
    const dfs = (k: string): boolean => {
      for (const n of edges.get(k) ?? []) {
        if (n === start) { trail.push(n); return true; }
        if (seen.has(n)) continue;
        seen.add(n);
        trail.push(n);
        if (dfs(n)) return true;
        trail.pop();
      }
      return false;
    };
    if (dfs(start)) {
      const first: RuleEntry = groups.get(start)![0];
      const names = trail.map((k) => pathString(paths.get(k)!));
      report(ctx, 'rego_recursion_error', `rule ${names[0]} is recursive: ${names.join(' -> ')}`, first.rule.loc);
    }
  }
}
