// Rule functions on demand, specialised per set of active `with` replacements (mocks), so a
// replaced rule or function is also replaced inside the rules that depend on it.
import type { Operand } from '../ir/ir.ts';
import type { Loc } from '../syntax/ast.ts';
import type { Mock, Planner } from './context.ts';
import type { RuleGroup } from './tree.ts';
import type { Iter } from './terms.ts';
import { planTerm } from './terms.ts';
import { planGroupFunc } from './rules.ts';
import { startsWith } from './refs.ts';

/** The mock replacing the data path `cur` (or one of its prefixes), innermost first. */
export function findDataMock(p: Planner, cur: string[]): Mock | undefined {
  for (let i = p.mocks.length - 1; i >= 0; i--) {
    const m = p.mocks[i];
    if (!m.isBuiltin && m.fn === undefined && m.path.length === cur.length && startsWith(cur, m.path)) return m;
  }
  return undefined;
}

/** The mock replacing a function call target (data path of a user function, or a builtin name). */
export function findCallMock(p: Planner, isBuiltin: boolean, path: string[]): Mock | undefined {
  for (let i = p.mocks.length - 1; i >= 0; i--) {
    const m = p.mocks[i];
    if (m.isBuiltin === isBuiltin && m.path.length === path.length && startsWith(path, m.path)) return m;
  }
  return undefined;
}

/** The data key under which computed `with` values are carried into called rules. */
export const MOCK_KEY = '$writ_mock';

export function planMockValue(p: Planner, m: Mock, _loc: Loc, k: Iter<Operand>): void {
  if (m.dataKey !== undefined) {
    const a = p.newLocal();
    const b = p.newLocal();
    p.emit({ type: 'DotStmt', source: { local: 1 }, key: { str: p.str(MOCK_KEY) }, target: a });
    p.emit({ type: 'DotStmt', source: { local: a }, key: { str: p.str(m.dataKey) }, target: b });
    return k({ local: b });
  }
  if (m.value) return planTerm(p, m.value, k);
  throw new Error('internal: mock without a value');
}

/** Mocks in effect inside a called function; a replacement function runs without function mocks. */
function calleeMocks(p: Planner, replacement: boolean): Mock[] {
  return replacement ? p.mocks.filter((m) => !m.isBuiltin && m.fn === undefined && !isFunctionPath(p, m.path)) : p.mocks;
}

function isFunctionPath(p: Planner, path: string[]): boolean {
  let n = p.tree.root;
  for (const s of path) {
    const c = n.children.get(s);
    if (!c) return false;
    n = c;
  }
  return n.group?.kind === 'function';
}

function mockKey(ms: Mock[]): string {
  return JSON.stringify(ms.map((m) => [m.isBuiltin, m.path, m.fn ?? null, m.value ? stripLocs(m.value) : null, m.dataKey ?? null]));
}

function stripLocs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripLocs);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'loc' && k !== 'opLoc') o[k] = stripLocs(x);
    return o;
  }
  return v;
}

/** The name of the Func computing a group under the current mocks; planned later if new. */
export function funcFor(p: Planner, g: RuleGroup, replacement = false): string {
  const ms = calleeMocks(p, replacement);
  const key = g.path.join('.') + '|' + mockKey(ms);
  let name = p.funcNames.get(key);
  if (name === undefined) {
    name = `g${ms.length === 0 ? 0 : ++p.funcCounter}.data.${g.path.join('.')}`;
    p.funcNames.set(key, name);
    const fname = name;
    p.pending.push(() => {
      const saved = p.mocks;
      p.mocks = ms;
      try {
        planGroupFunc(p, g, fname);
      } finally {
        p.mocks = saved;
      }
    });
  }
  return name;
}

/** Calls the Func of a rule group (no extra arguments). */
export function callGroup(p: Planner, g: RuleGroup, loc: Loc, k: Iter<Operand>): void {
  const target = p.newLocal();
  p.emit({ type: 'CallStmt', func: funcFor(p, g), args: [{ local: 0 }, { local: 1 }], result: target, loc: p.irLoc(loc) });
  k({ local: target });
}
