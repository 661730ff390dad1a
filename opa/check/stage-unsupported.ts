// CheckUnsupported: language features OPA accepts that writ refuses by name instead of
// miscompiling. Today: rego.metadata.rule() and rego.metadata.chain() in a query (inside rules
// RewriteRegoMetadataCalls has already replaced them by constants).
// The planner refuses by name what it cannot plan (e.g. template strings without their builtin).
import type { Term } from '../syntax/ast.ts';
import { report, type CheckContext } from './context.ts';
import { visitBody, visitRule } from './walk.ts';

const REFUSED_CALLS = new Set(['rego.metadata.rule', 'rego.metadata.chain']);

export function checkUnsupported(ctx: CheckContext): void {
  const onTerm = (t: Term): void => {
    if (t.type !== 'call') return;
    const name = t.op.join('.');
    if (REFUSED_CALLS.has(name) && !ctx.builtins.has(name)) report(ctx, 'rego_compile_error', `not implemented: ${name}()`, t.loc);
  };
  for (const m of ctx.modules) for (const r of m.rules) visitRule(r, onTerm);
  if (ctx.query) visitBody(ctx.query, onTerm);
}
