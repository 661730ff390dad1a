// CheckRecursion: no rule may depend on itself, directly or through other rules and functions.
// A ref to a document above rules (a package) depends on every rule below it; a ref into a
// rule's value depends on that rule. `with` targets are replacements, not dependencies.
import type { Expr, Rule, Term } from '../syntax/ast.ts';
import { report, ruleEntries, rulesByPath, type CheckContext, type RuleEntry } from './context.ts';
import { pathString } from './ref-string.ts';
import { exprBodies, exprTerms, isClosure, visitTerm } from './walk.ts';

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
    for (const b of exprBodies(e)) for (const x of b) onExpr(x);
  };
  for (const t of [rule.key, rule.value, ...(rule.refTail ?? []), ...rule.elses.map((e) => e.value)]) if (t) visitTerm(t, onTerm, { closures: false });
  for (const e of rule.body) onExpr(e);
  for (const el of rule.elses) for (const e of el.body) onExpr(e);
  return out;
}


/** Rule groups by path, as a tree, to find what a ref pattern reaches without scanning every group. */
interface PathNode { group?: string; children: Map<string, PathNode> }

function reachedGroups(root: PathNode, pattern: Pattern, out: Set<string>): void {
  const all = (n: PathNode): void => {
    if (n.group) out.add(n.group);
    for (const c of n.children.values()) all(c);
  };
  const walk = (n: PathNode, i: number): void => {
    if (n.group) out.add(n.group); // the ref points into this rule's value
    if (i === pattern.length) return all(n); // the ref points above these rules
    const p = pattern[i];
    if (p === null) for (const c of n.children.values()) walk(c, i + 1);
    else {
      const c = n.children.get(p);
      if (c) walk(c, i + 1);
    }
  };
  walk(root, 0);
}

export function checkRecursion(ctx: CheckContext): void {
  const groups = rulesByPath(ruleEntries(ctx.modules));
  const keys = [...groups.keys()];
  const paths = new Map<string, string[]>(keys.map((k) => [k, groups.get(k)![0].path]));
  const root: PathNode = { children: new Map() };
  for (const k of keys) {
    let n = root;
    for (const p of paths.get(k)!) {
      let c = n.children.get(p);
      if (!c) { c = { children: new Map() }; n.children.set(p, c); }
      n = c;
    }
    n.group = k;
  }
  const edges = new Map<string, string[]>();
  for (const k of keys) {
    const deps = new Set<string>();
    for (const e of groups.get(k)!) for (const p of dataPaths(e.rule)) reachedGroups(root, p, deps);
    edges.set(k, [...deps]);
  }
  // Only groups in a strongly connected component with a cycle can be recursive; for those, the
  // shortest path back to the group (breadth first, inside its component) is the message's chain.
  const comp = components(keys, edges);
  for (const start of keys) {
    const prev = new Map<string, string>();
    const queue = [start];
    let found = false;
    for (let i = 0; i < queue.length && !found; i++) {
      const k = queue[i];
      for (const n of edges.get(k) ?? []) {
        if (comp.get(n) !== comp.get(start)) continue;
        if (n === start) { prev.set(start, k); found = true; break; }
        if (prev.has(n)) continue;
        prev.set(n, k);
        queue.push(n);
      }
    }
    if (!found) continue;
    const trail = [start];
    for (let k = prev.get(start)!; k !== start; k = prev.get(k)!) trail.push(k);
    trail.push(start);
    trail.splice(1, trail.length - 2, ...trail.slice(1, -1).reverse());
    const first: RuleEntry = groups.get(start)![0];
    const names = trail.map((k) => pathString(paths.get(k)!));
    report(ctx, 'rego_recursion_error', `rule ${names[0]} is recursive: ${names.join(' -> ')}`, first.rule.loc);
  }
}

/** Strongly connected components (Tarjan's algorithm, iterative so deep chains cannot overflow the stack). */
function components(keys: string[], edges: Map<string, string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const comp = new Map<string, number>();
  let next = 0;
  let nComp = 0;
  for (const root of keys) {
    if (index.has(root)) continue;
    const work: Array<{ k: string; i: number }> = [{ k: root, i: 0 }];
    index.set(root, next); low.set(root, next); next++;
    stack.push(root); onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const out = edges.get(top.k) ?? [];
      if (top.i < out.length) {
        const n = out[top.i++];
        if (!index.has(n)) {
          index.set(n, next); low.set(n, next); next++;
          stack.push(n); onStack.add(n);
          work.push({ k: n, i: 0 });
        } else if (onStack.has(n)) low.set(top.k, Math.min(low.get(top.k)!, index.get(n)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].k;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.k)!));
      }
      if (low.get(top.k) === index.get(top.k)) {
        for (;;) {
          const w = stack.pop()!;
          onStack.delete(w);
          comp.set(w, nComp);
          if (w === top.k) break;
        }
        nComp++;
      }
    }
  }
  return comp;
}
