// The rule tree: rules grouped by data path (one group = one IR function), arranged as a trie
// of path segments so refs into data can find rules, packages and prefixes.
import type { Module, Rule, Term } from '../syntax/ast.ts';

export interface RuleGroup {
  /** Data path without the `data` prefix. */
  path: string[];
  kind: Rule['kind'];
  /** Non-default definitions, in source order (modules in the given order). */
  rules: Rule[];
  defaults: Rule[];
  /** True when some rule is a general ref head (variables or non-string keys after the group path). */
  general: boolean;
  /** General groups: each rule's head terms after the group path (partial objects: key included). */
  tails: Map<Rule, Term[]>;
}

export interface TreeNode {
  children: Map<string, TreeNode>;
  group?: RuleGroup;
}

export interface RuleTree {
  root: TreeNode;
  groups: RuleGroup[];
}

/** The leading constant string segments of a rule's head ref. */
export function constantPrefix(terms: Term[]): string[] {
  const out: string[] = [];
  for (const t of terms) {
    if (t.type !== 'string') break;
    out.push(t.value);
  }
  return out;
}

/** The group path of a rule: package + constant part of its head ref. */
export function rulePath(pkg: string[], rule: Rule): string[] {
  const ref = rule.refTail ?? rule.ref;
  return [...pkg, ...constantPrefix(ref)];
}

/** A rule's head ref terms after its package; a partial object's key is appended. */
function headTerms(rule: Rule): Term[] {
  const ref = rule.refTail ?? rule.ref;
  return rule.kind === 'partialobject' && !rule.refTail && rule.key ? [...ref, rule.key] : ref;
}

function isGeneral(rule: Rule): boolean {
  const ref = rule.refTail ?? rule.ref;
  return ref.length > constantPrefix(ref).length;
}

export function buildTree(modules: Module[]): RuleTree {
  const root: TreeNode = { children: new Map() };
  const groups: RuleGroup[] = [];
  const full = new Map<Rule, Term[]>();
  for (const m of modules) {
    // Packages exist as (possibly empty) nodes so `data.pkg` is an object even without rules.
    nodeAt(root, m.package);
    for (const rule of m.rules) {
      const path = rulePath(m.package, rule);
      const loc = rule.headLoc;
      full.set(rule, [...m.package.map((s) => ({ type: 'string' as const, value: s, loc })), ...headTerms(rule)]);
      const node = nodeAt(root, path);
      if (!node.group) {
        node.group = { path, kind: rule.kind, rules: [], defaults: [], general: false, tails: new Map() };
        groups.push(node.group);
      }
      const g = node.group;
      if (isGeneral(rule)) g.general = true;
      // Kinds merge: a group is partial if any definition is (complete ones then act as entries).
      if (g.kind === 'complete' && rule.kind !== 'complete') g.kind = rule.kind;
      if (rule.isDefault) g.defaults.push(rule);
      else g.rules.push(rule);
    }
  }
  // A general ref head owns everything below its group path: absorb the descendants' rules.
  const absorb = (n: TreeNode, into: RuleGroup | undefined): void => {
    if (n.group && into && n.group !== into) {
      into.rules.push(...n.group.rules);
      into.defaults.push(...n.group.defaults);
      groups.splice(groups.indexOf(n.group), 1);
      n.group = undefined;
    }
    // Partial objects own their subtree too, so `p.q.r := 1` and `p.q[s] := 2` conflict as in OPA.
    if (!into && n.group?.kind === 'partialobject' && [...n.children.values()].some(hasRules)) n.group.general = true;
    const owner = into ?? (n.group?.general ? n.group : undefined);
    for (const c of n.children.values()) absorb(c, owner);
    if (owner && !into) n.children.clear();
  };
  absorb(root, undefined);
  for (const g of groups)
    if (g.general) for (const r of [...g.rules, ...g.defaults]) g.tails.set(r, full.get(r)!.slice(g.path.length));
  return { root, groups };
}

export function nodeAt(root: TreeNode, path: string[]): TreeNode {
  let n = root;
  for (const seg of path) {
    let c = n.children.get(seg);
    if (!c) {
      c = { children: new Map() };
      n.children.set(seg, c);
    }
    n = c;
  }
  return n;
}

export function findNode(root: TreeNode, path: string[]): TreeNode | undefined {
  let n: TreeNode | undefined = root;
  for (const seg of path) {
    n = n.children.get(seg);
    if (!n) return undefined;
  }
  return n;
}

/** True if the subtree holds at least one rule. */
export function hasRules(n: TreeNode): boolean {
  if (n.group) return true;
  for (const c of n.children.values()) if (hasRules(c)) return true;
  return false;
}
