// Planning references: paths over locals (DotStmt / ScanStmt) and references into data, which
// merge base documents with rule results (virtual documents) found in the rule tree.
import type { Local, Operand } from '../ir/ir.ts';
import type { RefTerm, Term } from '../syntax/ast.ts';
import type { Planner } from './context.ts';
import type { Iter } from './terms.ts';
import { planTerm } from './terms.ts';
import { bindVar, isPattern, unifyLocal } from './unify.ts';
import type { TreeNode } from './tree.ts';
import { callGroup, findDataMock, MOCK_KEY, planMockValue } from './mocks.ts';

export function planRef(p: Planner, ref: RefTerm, k: Iter<Operand>): void {
  const head = ref.head;
  if (head.type === 'var') {
    if (head.name === 'data') return planDataRef(p, ref, k);
    if (head.name === 'input') {
      p.emit({ type: 'IsDefinedStmt', source: 0 });
      return planPath(p, { local: 0 }, ref.path, 0, k);
    }
    const l = p.vars.get(head.name);
    if (l === undefined) p.fail(`var ${head.name} is unsafe`, head.loc);
    return planPath(p, { local: l }, ref.path, 0, k);
  }
  planTerm(p, head, (op) => planPath(p, op, ref.path, 0, k));
}

/** Keys to skip when scanning (base documents under a node whose children are rules). */
export interface PathOpts { skipIndex?: number; skipKeys?: string[] }

/** Walks path[i..] from source: constant or bound keys become DotStmt, unbound vars become ScanStmt. */
export function planPath(p: Planner, source: Operand, path: Term[], i: number, k: Iter<Operand>, opts: PathOpts = {}): void {
  if (i === path.length) return k(source);
  const elem = path[i];
  if (isPattern(p, elem)) {
    const src = p.toLocal(source);
    const key = p.newLocal();
    const value = p.newLocal();
    const block = p.block(() =>
      p.scoped(() => {
        if (opts.skipIndex === i)
          for (const s of opts.skipKeys ?? []) p.emit({ type: 'NotEqualStmt', a: { local: key }, b: { str: p.str(s) } });
        unifyLocal(p, elem, { local: key }, () => planPath(p, { local: value }, path, i + 1, k, opts));
      }),
    );
    p.emit({ type: 'ScanStmt', source: src, key, value, block, loc: p.irLoc(elem.loc) });
    return;
  }
  planTerm(p, elem, (keyOp) => {
    if (opts.skipIndex === i)
      for (const s of opts.skipKeys ?? []) p.emit({ type: 'NotEqualStmt', a: keyOp, b: { str: p.str(s) } });
    const target = p.newLocal();
    p.emit({ type: 'DotStmt', source, key: keyOp, target, loc: p.irLoc(elem.loc) });
    planPath(p, { local: target }, path, i + 1, k, opts);
  });
}

/** A reference starting at `data`: walk the rule tree as far as the path allows. */
function planDataRef(p: Planner, ref: RefTerm, k: Iter<Operand>): void {
  walkTree(p, ref, p.tree.root, [], 0, k);
}

function walkTree(p: Planner, ref: RefTerm, node: TreeNode, cur: string[], i: number, k: Iter<Operand>): void {
  const path = ref.path;
  const mock = findDataMock(p, cur);
  if (mock) return planMockValue(p, mock, ref.loc, (v) => planPath(p, v, path, i, k));
  if (i === path.length) return planNodeValue(p, node, cur, k, ref);
  const elem = path[i];
  const next = elem.type === 'string' ? node.children.get(elem.value) : undefined;
  if (node.group && !next) {
    if (node.group.kind === 'function') p.fail(`function ${['data', ...cur].join('.')} used as a value`, ref.loc);
    return callGroup(p, node.group, ref.loc, (v) => planPath(p, v, path, i, k));
  }
  if (elem.type === 'string') {
    if (next) return walkTree(p, ref, next, [...cur, elem.value], i + 1, k);
    // No rule below this name: a base document only.
    return planPath(p, { local: 1 }, path, 0, k);
  }
  if (elem.type === 'number' || elem.type === 'boolean' || elem.type === 'null' || node.children.size === 0) {
    return planPath(p, { local: 1 }, path, 0, k);
  }
  // A variable or computed key at a node with rule children: one branch per child, plus the
  // base documents under this node (skipping names the rules own).
  // Functions are not values: iterating a package skips them.
  const children = [...node.children.keys()].filter((n) => {
    const c = node.children.get(n)!;
    return !(c.group?.kind === 'function' && c.children.size === 0);
  });
  // Each branch re-plans the rest of the body; to keep the IR small, wide nodes and nested
  // branchings iterate the node's full value instead (all its rules are then evaluated).
  if (children.length > MAX_BRANCHES || p.branching > 0) {
    return planNodeValue(p, node, cur, (v) => planPath(p, v, path, i, k), ref);
  }
  p.branching++;
  try {
    branchChildren(p, ref, node, cur, i, children, k);
  } finally {
    p.branching--;
  }
}

const MAX_BRANCHES = 8;

function branchChildren(p: Planner, ref: RefTerm, node: TreeNode, cur: string[], i: number, children: string[], k: Iter<Operand>): void {
  const path = ref.path;
  const elem = path[i];
  // At the root, carried `with` values (MOCK_KEY) are not a document either.
  const skipKeys = cur.length === 0 && p.mocks.some((m) => m.dataKey !== undefined) ? [...children, MOCK_KEY] : children;
  const blocks = [];
  if (isPattern(p, elem) && elem.type === 'var') {
    for (const name of children) {
      blocks.push(
        p.block(() =>
          p.scoped(() => {
            bindVar(p, elem.name, { str: p.str(name) });
            walkTree(p, ref, node.children.get(name)!, [...cur, name], i + 1, k);
          }),
        ),
      );
    }
    blocks.push(p.block(() => p.scoped(() => planPath(p, { local: 1 }, path, 0, k, { skipIndex: i, skipKeys }))));
    p.emit({ type: 'BlockStmt', blocks });
    return;
  }
  if (isPattern(p, elem)) p.notImplemented('pattern keys in references to rules', elem.loc);
  planTerm(p, elem, (keyOp) => {
    const bs = [];
    for (const name of children) {
      bs.push(
        p.block(() =>
          p.scoped(() => {
            p.emit({ type: 'EqualStmt', a: keyOp, b: { str: p.str(name) } });
            walkTree(p, ref, node.children.get(name)!, [...cur, name], i + 1, k);
          }),
        ),
      );
    }
    bs.push(p.block(() => p.scoped(() => planPath(p, { local: 1 }, path, 0, k, { skipIndex: i, skipKeys }))));
    p.emit({ type: 'BlockStmt', blocks: bs });
  });
}

/** The full value of a data node: its rule result, its children's values and its base document, merged. */
export function planNodeValue(p: Planner, node: TreeNode, cur: string[], k: Iter<Operand>, ref: RefTerm): void {
  const mock = findDataMock(p, cur);
  if (mock) return planMockValue(p, mock, ref.loc, k);
  if (node.group && node.children.size === 0) {
    if (node.group.kind === 'function') p.fail(`function ${['data', ...cur].join('.')} used as a value`, ref.loc);
    return callGroup(p, node.group, ref.loc, k);
  }
  // A package is an object even without rules or base data (merged with the base document if any).
  const base = () => baseAt(p, cur);
  const obj = p.newLocal();
  p.emit({ type: 'MakeObjectStmt', target: obj });
  for (const [name, child] of node.children) {
    if (child.group?.kind === 'function' && child.children.size === 0) continue;
    const b = p.block(() =>
      p.scoped(() =>
        planNodeValue(p, child, [...cur, name], (v) => p.emit({ type: 'ObjectInsertStmt', key: { str: p.str(name) }, value: v, object: obj }), ref),
      ),
    );
    p.emit({ type: 'BlockStmt', blocks: [b] });
  }
  const res = p.newLocal();
  p.emit({ type: 'AssignVarStmt', source: { local: obj }, target: res });
  if (node.group && node.group.kind !== 'function') {
    const g = node.group;
    const b = p.block(() =>
      callGroup(p, g, ref.loc, (v) => {
        const m = p.newLocal();
        p.emit({ type: 'ObjectMergeStmt', a: p.toLocal(v), b: res, target: m });
        p.emit({ type: 'AssignVarStmt', source: { local: m }, target: res });
      }),
    );
    p.emit({ type: 'BlockStmt', blocks: [b] });
  }
  const b = p.block(() => {
    const bl = base();
    const m = p.newLocal();
    // Base documents win over rule results on conflicting keys (as OPA's evaluator does).
    p.emit({ type: 'ObjectMergeStmt', a: bl, b: res, target: m });
    p.emit({ type: 'AssignVarStmt', source: { local: m }, target: res });
  });
  p.emit({ type: 'BlockStmt', blocks: [b] });
  if (cur.length === 0 && p.mocks.some((m) => m.dataKey !== undefined)) {
    // Computed `with` values ride in data under MOCK_KEY; the whole data document hides them.
    const keys = p.newLocal();
    const cleaned = p.newLocal();
    p.emit({ type: 'MakeArrayStmt', capacity: 1, target: keys });
    p.emit({ type: 'ArrayAppendStmt', value: { str: p.str(MOCK_KEY) }, array: keys });
    p.useBuiltin('object.remove', 2);
    p.emit({ type: 'CallStmt', func: 'object.remove', args: [{ local: res }, { local: keys }], result: cleaned });
    return k({ local: cleaned });
  }
  k({ local: res });
}

/** Dot chain from the data local (undefined ends the block). */
function baseAt(p: Planner, path: string[]): Local {
  let src: Local = 1;
  for (const seg of path) {
    const t = p.newLocal();
    p.emit({ type: 'DotStmt', source: { local: src }, key: { str: p.str(seg) }, target: t });
    src = t;
  }
  return src;
}

export function startsWith(path: string[], prefix: string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => path[i] === s);
}
