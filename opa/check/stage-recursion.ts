// CheckRecursion: no rule may depend on itself, directly or through other rules and functions.
// A ref to a document above rules (a package) depends on every rule below it; a ref into a
// rule's value depends on that rule. `with` targets are replacements, not dependencies.
import type { Expr, Rule, Term } from '../syntax/ast.ts';
import { pathKey, report, ruleEntries, rulesByPath, type CheckContext, type RuleEntry } from './context.ts';
import { pathString } from './ref-string.ts';
import { exprTerms, isClosure, visitTerm } from './walk.ts';

/** The data paths a rule mentions (refs to data and user function calls), as ground prefixes. */
function dataPaths(rule: Rule): string[][] {
  const out: string[][] = [];
  const onTerm = (t: Term): boolean | void => {
    if (t.type === 'ref' && t.head.type === 'var' && t.head.name === 'data') {
      const p = ['data'];
      for (const e of t.path) { if (e.type !== 'string') break; p.push(e.value); }
      out.push(p);
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

function isPrefix(a: string[], b: string[]): boolean {
  return a.length <= b.length && a.every((x, i) => b[i] === x);
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
          if (isPrefix(op, p) || isPrefix(p, op)) deps.add(other);
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
  void pathKey;
}
