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

export function planMockValue(p: Planner, m: Mock, _loc: Loc, k: Iter<Operand>): void {
  if (m.local !== undefined) return k({ local: m.local });
  if (m.value) return planTerm(p, m.value, k);
  throw new Error('internal: mock without a value');
}

/** Mocks that can follow a call into another function: constants and function replacements. */
function portableMocks(p: Planner): Mock[] {
  return p.mocks.filter((m) => m.local === undefined);
}

function mockKey(ms: Mock[]): string {
  return JSON.stringify(ms.map((m) => [m.isBuiltin, m.path, m.fn ?? null, m.value ? stripLocs(m.value) : null]));
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
export function funcFor(p: Planner, g: RuleGroup): string {
  const ms = portableMocks(p);
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
