// `with` modifiers: input/base-data replacements run the expression inside WithStmt blocks;
// rule, function and builtin replacements are planning-time mocks. The expression's new
// bindings are collected inside the with-block and replayed after it, so the replacement
// never leaks into the rest of the body.
import type { Operand } from '../ir/ir.ts';
import type { Expr, Term, With } from '../syntax/ast.ts';
import type { Mock, Planner } from './context.ts';
import { planTerm, isConstant } from './terms.ts';
import { planExprNoWith } from './body.ts';
import { findNode, hasRules, type TreeNode } from './tree.ts';
import { bindVar } from './unify.ts';
import { MOCK_KEY } from './mocks.ts';

type Target =
  | { kind: 'doc'; local: 0 | 1; path: string[]; mock?: string[] }
  | { kind: 'fn'; isBuiltin: boolean; path: string[] };

function stringPath(p: Planner, terms: Term[], loc: With['loc']): string[] {
  return terms.map((t) => {
    if (t.type !== 'string') p.notImplemented('with target paths with non-string keys', loc);
    return t.value;
  });
}

function dottedName(t: Term): string | undefined {
  if (t.type === 'var') return t.name;
  if (t.type === 'ref' && t.head.type === 'var' && t.path.every((e) => e.type === 'string'))
    return [t.head.name, ...t.path.map((e) => (e as { value: string }).value)].join('.');
  return undefined;
}

function classify(p: Planner, w: With): Target {
  const t = w.target;
  if (t.type === 'var' && t.name === 'input') return { kind: 'doc', local: 0, path: [] };
  if (t.type === 'var' && t.name === 'data') return { kind: 'doc', local: 1, path: [], mock: [] };
  if (t.type === 'ref' && t.head.type === 'var' && t.head.name === 'input') return { kind: 'doc', local: 0, path: stringPath(p, t.path, w.loc) };
  if (t.type === 'ref' && t.head.type === 'var' && t.head.name === 'data') {
    const path = stringPath(p, t.path, w.loc);
    // Does the path overlap rules? Walk the tree: a group on the way or rules below.
    let n: TreeNode | undefined = p.tree.root;
    for (let i = 0; i < path.length && n; i++) {
      if (n.group && i < path.length) {
        if (n.group.kind === 'function') return { kind: 'fn', isBuiltin: false, path };
        p.notImplemented('with on a path inside a rule', w.loc);
      }
      n = n.children.get(path[i]);
    }
    if (n?.group?.kind === 'function') return { kind: 'fn', isBuiltin: false, path };
    if (n && hasRules(n)) return { kind: 'doc', local: 1, path, mock: path };
    return { kind: 'doc', local: 1, path };
  }
  const name = dottedName(t);
  if (name !== undefined && p.builtins.has(name)) return { kind: 'fn', isBuiltin: true, path: [name] };
  p.fail(`with: invalid target ${name ?? t.type}`, w.loc);
}

/** A replacement value naming a function (user or builtin) makes a function mock. */
function fnReplacement(p: Planner, v: Term): Mock['fn'] | undefined {
  if (v.type === 'ref' && v.head.type === 'var' && v.head.name === 'data' && v.path.every((e) => e.type === 'string')) {
    const path = v.path.map((e) => (e as { value: string }).value);
    if (findNode(p.tree.root, path)?.group?.kind === 'function') return { data: true, path };
  }
  const name = dottedName(v);
  if (name !== undefined && v.type !== 'ref' && p.builtins.has(name) && !p.vars.has(name)) return { data: false, path: name.split('.') };
  if (v.type === 'ref' && name !== undefined && p.builtins.has(name) && v.head.type === 'var' && !p.vars.has(v.head.name))
    return { data: false, path: name.split('.') };
  return undefined;
}

export function planWith(p: Planner, e: Expr & { with: With[] }, k: () => void): void {
  const targets = e.with.map((w) => classify(p, w));
  const mocks: Mock[] = [];
  const docs: Array<{ local: 0 | 1; path: string[]; value: Operand }> = [];
  // Computed replacement values travel in data (under MOCK_KEY) so rules called inside see them.
  const carry = (v: Operand): string => {
    const key = String(p.mockCounter++);
    docs.push({ local: 1, path: [MOCK_KEY, key], value: v });
    return key;
  };
  const step = (i: number): void => {
    if (i === e.with.length) return runInside();
    const w = e.with[i];
    const t = targets[i];
    if (t.kind === 'fn') {
      const fn = fnReplacement(p, w.value);
      if (fn) mocks.push({ path: t.path, isBuiltin: t.isBuiltin, fn });
      else if (isConstant(w.value)) mocks.push({ path: t.path, isBuiltin: t.isBuiltin, value: w.value });
      else return planTerm(p, w.value, (v) => {
        mocks.push({ path: t.path, isBuiltin: t.isBuiltin, dataKey: carry(v) });
        step(i + 1);
      });
      return step(i + 1);
    }
    planTerm(p, w.value, (v) => {
      docs.push({ local: t.local, path: t.path, value: v });
      if (t.mock) {
        if (isConstant(w.value)) mocks.push({ path: t.mock, isBuiltin: false, value: w.value });
        else mocks.push({ path: t.mock, isBuiltin: false, dataKey: carry(v) });
      }
      step(i + 1);
    });
  };

  const runInside = (): void => {
    const before = new Set(p.vars.keys());
    const rows = p.newLocal();
    p.emit({ type: 'MakeArrayStmt', capacity: 0, target: rows });
    let outVars: string[] = [];
    const inner = p.block(() =>
      p.scoped(() => {
        const savedMocks = p.mocks;
        p.mocks = [...p.mocks, ...mocks];
        try {
          const wrap = (j: number): void => {
            if (j === docs.length) {
              planExprNoWith(p, e, () => {
                outVars = [...p.vars.keys()].filter((v) => !before.has(v));
                const row = p.newLocal();
                p.emit({ type: 'MakeArrayStmt', capacity: outVars.length, target: row });
                for (const v of outVars) p.emit({ type: 'ArrayAppendStmt', value: { local: p.vars.get(v)! }, array: row });
                p.emit({ type: 'ArrayAppendStmt', value: { local: row }, array: rows });
              });
              return;
            }
            const d = docs[j];
            const block = p.block(() => wrap(j + 1));
            p.emit({ type: 'WithStmt', local: d.local, path: d.path.map((s) => p.str(s)), value: d.value, block, loc: p.irLoc(e.loc) });
          };
          wrap(0);
        } finally {
          p.mocks = savedMocks;
        }
      }),
    );
    p.emit({ type: 'BlockStmt', blocks: [inner] });
    // Replay each solution of the expression outside the with-block.
    const key = p.newLocal();
    const row = p.newLocal();
    const block = p.block(() =>
      p.scoped(() => {
        for (let i = 0; i < outVars.length; i++) {
          const l = p.newLocal();
          const idx = p.newLocal();
          p.emit({ type: 'MakeNumberIntStmt', value: String(i), target: idx });
          p.emit({ type: 'DotStmt', source: { local: row }, key: { local: idx }, target: l });
          bindVar(p, outVars[i], { local: l });
        }
        k();
      }),
    );
    p.emit({ type: 'ScanStmt', source: rows, key, value: row, block, loc: p.irLoc(e.loc) });
  };
  step(0);
}
