// CheckTypes (conservative): a literal argument whose kind can never match the builtin's declared
// parameter type is a type error, as in OPA (`count(1)`, `"a" + 1`). Vars, refs and calls are never
// judged, so nothing OPA accepts is rejected here.
import type { Term } from '../syntax/ast.ts';
import { report, type CheckContext } from './context.ts';
import { formatType, haveType, literalType, mayMatch } from './types-format.ts';
import { visitBody, visitRule } from './walk.ts';

export function checkTypes(ctx: CheckContext): void {
  const onTerm = (t: Term): void => {
    if (t.type !== 'call' || t.op[0] === 'data') return;
    const name = t.op.join('.');
    const b = ctx.builtins.get(name);
    if (!b) return;
    const want = b.decl.args;
    const bad = want.some((w, i) => {
      const a = t.args[i];
      // null is never judged: OPA's newer declarations accept null where older ones did not (glob.match).
      const have = a && a.type !== 'null' ? literalType(a) : undefined;
      return have !== undefined && !mayMatch(have, w);
    });
    if (!bad) return;
    report(ctx, 'rego_type_error',
      `${name}: invalid argument(s)\n\thave: (${t.args.slice(0, want.length).map(haveType).join(', ')})\n\twant: (${want.map(formatType).join(', ')})`, t.loc);
  };
  for (const m of ctx.modules) for (const r of m.rules) visitRule(r, onTerm);
  if (ctx.query) visitBody(ctx.query, onTerm);
}
