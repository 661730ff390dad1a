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
  /** True when some rule is a general ref head (variables after the group path). */
  general: boolean;
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

export function buildTree(modules: Module[]): RuleTree {
  const root: TreeNode = { children: new Map() };
  const groups: RuleGroup[] = [];
  for (const m of modules) {
    // Packages exist as (possibly empty) nodes so `data.pkg` is an object even without rules.
    nodeAt(root, m.package);
    for (const rule of m.rules) {
      const path = rulePath(m.package, rule);
      const node = nodeAt(root, path);
      if (!node.group) {
        node.group = { path, kind: rule.kind, rules: [], defaults: [], general: false };
        groups.push(node.group);
      }
      const g = node.group;
      const general = rule.refTail !== undefined && rule.refTail.length > constantPrefix(rule.refTail).length;
      if (general) g.general = true;
      // Kinds merge: a group is partial if any definition is (complete ones then act as entries).
      if (g.kind === 'complete' && rule.kind !== 'complete') g.kind = rule.kind;
      if (rule.isDefault) g.defaults.push(rule);
      else g.rules.push(rule);
    }
  }
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
