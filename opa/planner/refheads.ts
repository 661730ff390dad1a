// General ref heads: rules whose head ref has variables or non-string keys below the group
// path (and partial objects that own rules below them) build nested objects on demand.
import type { Local, Operand } from '../ir/ir.ts';
import type { Rule } from '../syntax/ast.ts';
import type { Planner } from './context.ts';
import type { RuleGroup } from './tree.ts';
import { planTerm, TRUE } from './terms.ts';

/**
 * General ref heads (`p[x].y[z] := v`, `p[x] contains y`, `q[7] := 8`): nested objects created on
 * demand. A shadow object mirrors the structure (intermediate node = object, value leaf = true,
 * set leaf = "set") so a leaf and a node at the same key conflict as in OPA, and values produced
 * by rule bodies are never descended into (or mutated).
 */
export function emitGeneral(p: Planner, g: RuleGroup, rule: Rule, ret: Local, shadow: Local): void {
  const tail = g.tails.get(rule)!;
  const loc = p.irLoc(rule.headLoc);
  const isSet = rule.kind === 'partialset';
  if (rule.kind === 'function' || tail.length === 0)
    p.notImplemented(`${rule.kind} rule at the path of a general ref head (data.${g.path.join('.')})`, rule.headLoc);
  // Partial sets: every tail key but the last is an object level; the last one holds the set.
  const levels = tail.length - 1;
  const step = (obj: Local, sh: Local, i: number): void => {
    if (i < levels) return planTerm(p, tail[i], (key) => {
      const [o, s2] = node(p, obj, sh, key);
      step(o, s2, i + 1);
    });
    planTerm(p, tail[levels], (key) => {
      if (isSet) {
        const set = leafSet(p, obj, sh, key);
        return planTerm(p, rule.key!, (v) => p.emit({ type: 'SetAddStmt', value: v, set, loc }));
      }
      planTerm(p, rule.value ?? TRUE, (v) => {
        markLeaf(p, sh, key, { bool: true });
        p.emit({ type: 'ObjectInsertOnceStmt', key, value: v, object: obj, loc });
      });
    });
  };
  step(ret, shadow, 0);
}

/** Aborts (object insert conflict) if the shadow holds something other than `marker` at key, then records it. */
function markLeaf(p: Planner, sh: Local, key: Operand, marker: Operand): void {
  const t = p.newLocal();
  p.emit({
    type: 'BlockStmt',
    blocks: [
      {
        stmts: [
          { type: 'DotStmt', source: { local: sh }, key, target: t },
          { type: 'NotEqualStmt', a: { local: t }, b: marker },
          { type: 'ObjectInsertOnceStmt', key, value: marker, object: sh },
        ],
      },
    ],
  });
  p.emit({ type: 'ObjectInsertStmt', key, value: marker, object: sh });
}

/** The intermediate object at key (created with its shadow if absent); a leaf there conflicts. */
function node(p: Planner, obj: Local, sh: Local, key: Operand): [Local, Local] {
  const t = p.newLocal();
  const s2 = p.newLocal();
  const child = p.newLocal();
  p.emit({ type: 'ResetLocalStmt', target: s2 });
  p.emit({
    type: 'BlockStmt',
    blocks: [
      { stmts: [{ type: 'DotStmt', source: { local: sh }, key, target: t }, { type: 'AssignVarStmt', source: { local: t }, target: s2 }] },
      {
        stmts: [
          { type: 'IsDefinedStmt', source: s2 },
          { type: 'NotStmt', block: { stmts: [{ type: 'IsObjectStmt', source: { local: s2 } }] } },
          { type: 'ObjectInsertOnceStmt', key, value: { bool: false }, object: sh },
        ],
      },
      {
        stmts: [
          { type: 'IsUndefinedStmt', source: s2 },
          { type: 'MakeObjectStmt', target: s2 },
          { type: 'ObjectInsertStmt', key, value: { local: s2 }, object: sh },
          { type: 'MakeObjectStmt', target: child },
          { type: 'ObjectInsertStmt', key, value: { local: child }, object: obj },
        ],
      },
    ],
  });
  p.emit({ type: 'DotStmt', source: { local: obj }, key, target: child });
  return [child, s2];
}

/** The set at key (created if absent); a value leaf or a node there conflicts. */
function leafSet(p: Planner, obj: Local, sh: Local, key: Operand): Local {
  markLeaf(p, sh, key, { str: p.str('set') });
  const set = p.newLocal();
  p.emit({ type: 'ResetLocalStmt', target: set });
  const t = p.newLocal();
  p.emit({
    type: 'BlockStmt',
    blocks: [
      { stmts: [{ type: 'DotStmt', source: { local: obj }, key, target: t }, { type: 'AssignVarStmt', source: { local: t }, target: set }] },
      {
        stmts: [
          { type: 'IsUndefinedStmt', source: set },
          { type: 'MakeSetStmt', target: set },
          { type: 'ObjectInsertStmt', key, value: { local: set }, object: obj },
        ],
      },
    ],
  });
  return set;
}
