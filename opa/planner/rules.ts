// One IR function per rule group: every definition, its else chain and the default, for
// complete rules, partial sets, partial objects (incl. general ref heads) and functions.
import type { Block, Local, Operand } from '../ir/ir.ts';
import type { Body, Rule, Term } from '../syntax/ast.ts';
import type { Planner } from './context.ts';
import type { RuleGroup } from './tree.ts';
import { planBody } from './body.ts';
import { hasUnboundVars, isConstant, planTerm, TRUE } from './terms.ts';
import { emitGeneral } from './refheads.ts';
import { isPattern, unifyLocal } from './unify.ts';


export function planGroupFunc(p: Planner, g: RuleGroup, name: string): void {
  p.inFunction(() => {
    const arity = g.kind === 'function' ? ((g.rules[0] ?? g.defaults[0]).args?.length ?? 0) : 0;
    const params: Local[] = [0, 1];
    for (let i = 0; i < arity; i++) params.push(p.newLocal());
    const ret = p.newLocal();
    const blocks: Block[] = [];
    const dataPath = 'data.' + g.path.join('.');
    if (g.kind === 'partialset' && !g.general) p.emit({ type: 'MakeSetStmt', target: ret });
    else if (g.kind === 'partialobject' || g.kind === 'partialset' || g.general) p.emit({ type: 'MakeObjectStmt', target: ret });
    const shadow = g.general ? p.newLocal() : -1;
    if (g.general) p.emit({ type: 'MakeObjectStmt', target: shadow });
    if (p.curr.length) blocks.push({ stmts: p.curr.splice(0) });

    // Complete rules whose definitions all give the same constant cannot conflict: once one
    // succeeds the rest are skipped, and each stops iterating at its first success.
    const firstWins = (g.kind === 'complete' || g.kind === 'function') && !g.general && sameConstantValues(g.rules);
    for (const rule of g.rules) {
      const bodyWithArgs = (body: Body, k: () => void) => withArgs(p, rule, params.slice(2), body, k);
      if (firstWins) {
        blocks.push(
          p.block(() => {
            const base = p.depth;
            p.emit({ type: 'IsUndefinedStmt', source: ret });
            p.scoped(() =>
              bodyWithArgs(rule.body, () => {
                emitResult(p, g, rule, rule.value, ret, shadow, dataPath);
                if (p.depth > base) p.emit({ type: 'BreakStmt', index: p.depth - base });
              }),
            );
          }),
        );
        continue;
      }
      if (rule.elses.length === 0) {
        blocks.push(p.block(() => p.scoped(() => bodyWithArgs(rule.body, () => emitResult(p, g, rule, rule.value, ret, shadow, dataPath)))));
        continue;
      }
      // Else chain: the first definition in the chain that is defined gives the value.
      const chain = p.newLocal();
      const chainBlocks: Block[] = [];
      const parts = [{ value: rule.value, body: rule.body }, ...rule.elses];
      parts.forEach((part, i) =>
        chainBlocks.push(
          p.block(() =>
            p.scoped(() => {
              if (i > 0) p.emit({ type: 'IsUndefinedStmt', source: chain });
              bodyWithArgs(part.body, () =>
                planTerm(p, part.value ?? TRUE, (v) => p.emit(assignOnce(p, g, rule, v, chain, dataPath))),
              );
            }),
          ),
        ),
      );
      blocks.push(
        p.block(() => {
          p.emit({ type: 'ResetLocalStmt', target: chain });
          p.emit({ type: 'BlockStmt', blocks: chainBlocks });
          p.emit({ type: 'IsDefinedStmt', source: chain });
          p.emit(assignOnce(p, g, rule, { local: chain }, ret, dataPath));
        }),
      );
    }
    for (const rule of g.defaults) {
      blocks.push(
        p.block(() =>
          p.scoped(() => {
            p.emit({ type: 'IsUndefinedStmt', source: ret });
            planTerm(p, rule.value ?? TRUE, (v) => p.emit({ type: 'AssignVarStmt', source: v, target: ret }));
          }),
        ),
      );
    }
    p.funcs.push({ name, params, ret, blocks, path: g.path });
  });
}

/**
 * Binds a definition's argument patterns to the parameters, plans the body, then checks the
 * arguments that need variables bound by the body (e.g. `f($"{x}") if x := ...`).
 */
function withArgs(p: Planner, rule: Rule, params: Local[], body: Body, k: () => void): void {
  const args = rule.args ?? [];
  const deferred: number[] = [];
  const late = (j: number): void => {
    if (j === deferred.length) return k();
    unifyLocal(p, args[deferred[j]], { local: params[deferred[j]] }, () => late(j + 1));
  };
  const step = (i: number): void => {
    if (i === args.length) return planBody(p, body, () => late(0));
    if (!isPattern(p, args[i]) && hasUnboundVars(p, args[i])) {
      deferred.push(i);
      return step(i + 1);
    }
    unifyLocal(p, args[i], { local: params[i] }, () => step(i + 1));
  };
  step(0);
}

function assignOnce(p: Planner, g: RuleGroup, rule: Rule, v: Operand, target: Local, dataPath: string) {
  const message =
    g.kind === 'function' ? `functions must not produce multiple outputs for same inputs` : `complete rule ${dataPath} produced conflicting values`;
  return { type: 'AssignVarOnceStmt' as const, source: v, target, message, loc: p.irLoc(rule.headLoc) };
}

/** The end of a definition's body: assign / add / insert its head. */
function emitResult(p: Planner, g: RuleGroup, rule: Rule, value: Term | undefined, ret: Local, shadow: Local, dataPath: string): void {
  const loc = p.irLoc(rule.headLoc);
  if (g.general) return emitGeneral(p, g, rule, ret, shadow);
  if (g.kind === 'complete' || g.kind === 'function') {
    return planTerm(p, value ?? TRUE, (v) => p.emit(assignOnce(p, g, rule, v, ret, dataPath)));
  }
  // A partial group: the rule's own ref below the group path (more keys for ref heads like a.b[k]).
  if (rule.kind === 'partialset') {
    return planTerm(p, rule.key!, (v) => p.emit({ type: 'SetAddStmt', value: v, set: ret, loc }));
  }
  if (rule.kind === 'partialobject') {
    return planTerm(p, rule.key!, (key) =>
      planTerm(p, value ?? TRUE, (v) => p.emit({ type: 'ObjectInsertOnceStmt', key, value: v, object: ret, loc })),
    );
  }
  p.notImplemented(`mixing ${rule.kind} and ${g.kind} definitions of ${dataPath}`, rule.headLoc);
}

/** True if every definition has no else chain and the same constant head value (text-equal). */
function sameConstantValues(rules: Rule[]): boolean {
  const texts = new Set<string>();
  for (const r of rules) {
    const v = r.value ?? TRUE;
    if (r.elses.length > 0 || !isConstant(v)) return false;
    texts.add(constantText(v));
  }
  return texts.size === 1;
}

function constantText(t: Term): string {
  switch (t.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(t.value);
    case 'number':
      return 'n' + t.text;
    case 'string':
      return JSON.stringify(t.value);
    case 'array':
      return '[' + t.items.map(constantText).join(',') + ']';
    case 'set':
      return '<' + t.items.map(constantText).join(',') + '>';
    case 'object':
      return '{' + t.items.map(([k, v]) => constantText(k) + ':' + constantText(v)).join(',') + '}';
    default:
      return '?' + t.loc.start;
  }
}
