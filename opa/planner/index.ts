// plan(): checked modules (normal form) + entrypoints + optional query -> IR Policy.
import type { Policy, Plan } from '../ir/ir.ts';
import type { Body, Module } from '../syntax/ast.ts';
import type { BuiltinDef } from '../builtins/registry.ts';
import type { Diagnostic, SourceSet } from '../syntax/diagnostics.ts';
import { Planner, PlanError } from './context.ts';
import { buildTree, findNode } from './tree.ts';
import { planBody } from './body.ts';
import { planTerm } from './terms.ts';

export interface PlanInput {
  modules: Module[];
  entrypoints: string[][];
  query?: { body: Body; vars: string[] };
  builtins: ReadonlyMap<string, BuiltinDef>;
  sources: SourceSet;
}

export function plan(input: PlanInput): { policy?: Policy; diagnostics: Diagnostic[] } {
  const tree = buildTree(input.modules);
  const p = new Planner(tree, input.builtins, input.sources);
  const plans: Plan[] = [];
  const noLoc = input.modules[0]?.packageLoc ?? { file: '', start: 0, end: 0 };
  try {
    for (const ep of input.entrypoints) {
      if (!findNode(tree.root, ep)) p.fail(`entrypoint ${ep.join('/')} does not refer to a rule or package`, noLoc);
      const blocks = p.inFunction(() => [
        p.block(() =>
          planTerm(
            p,
            { type: 'ref', head: { type: 'var', name: 'data', loc: noLoc }, path: ep.map((s) => ({ type: 'string', value: s, loc: noLoc })), loc: noLoc },
            (v) => {
              const row = p.newLocal();
              p.emit({ type: 'MakeObjectStmt', target: row });
              p.emit({ type: 'ObjectInsertStmt', key: { str: p.str('result') }, value: v, object: row });
              p.emit({ type: 'ResultSetAddStmt', value: row });
            },
          ),
        ),
      ]);
      plans.push({ name: ep.join('/'), blocks });
      drain(p);
    }
    if (input.query) {
      const q = input.query;
      const blocks = p.inFunction(() => [
        p.block(() =>
          planBody(p, q.body, () => {
            const row = p.newLocal();
            p.emit({ type: 'MakeObjectStmt', target: row });
            for (const v of q.vars) {
              const l = p.vars.get(v);
              if (l !== undefined) p.emit({ type: 'ObjectInsertStmt', key: { str: p.str(v) }, value: { local: l }, object: row });
            }
            p.emit({ type: 'ResultSetAddStmt', value: row });
          }),
        ),
      ]);
      plans.push({ name: 'eval', blocks });
      drain(p);
    }
  } catch (e) {
    if (e instanceof PlanError) return { diagnostics: [e.diagnostic] };
    throw e;
  }
  const policy: Policy = {
    static: {
      strings: p.strings,
      builtins: [...p.usedBuiltins].map(([name, arity]) => ({ name, arity })),
      files: p.files,
    },
    plans,
    funcs: p.funcs,
  };
  return { policy, diagnostics: [] };
}

/** Plans the rule functions requested so far (and those they request). */
function drain(p: Planner): void {
  while (p.pending.length) p.pending.shift()!();
}
