// CheckDeprecatedBuiltins: Rego v1 refuses the builtins OPA deprecated (OPA's checkDeprecatedBuiltins
// runs for every v1 module). A user function of the same name is fine: it was resolved to data.
import type { Term } from '../syntax/ast.ts';
import { report, type CheckContext } from './context.ts';
import { visitBody, visitRule } from './walk.ts';

/** OPA's deprecated builtins (capabilities "deprecated": true). */
export const DEPRECATED = new Set([
  'any', 'all', 're_match', 'set_diff', 'net.cidr_overlap',
  'cast_array', 'cast_set', 'cast_string', 'cast_boolean', 'cast_null', 'cast_object',
]);

export function checkDeprecatedBuiltins(ctx: CheckContext): void {
  const onTerm = (t: Term): void => {
    if (t.type !== 'call') return;
    const name = t.op.join('.');
    if (DEPRECATED.has(name)) report(ctx, 'rego_type_error', `deprecated built-in function calls in expression: ${name}`, t.loc);
  };
  for (const m of ctx.modules) for (const r of m.rules) visitRule(r, onTerm);
  if (ctx.query) visitBody(ctx.query, onTerm);
}
