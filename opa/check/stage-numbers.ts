// Number literals: any size is exact at run time (the runtime's bignum.c), but integer literals
// are capped at MAX_DIGITS digits so that a policy cannot make every evaluation parse a huge text.
import type { Term } from '../syntax/ast.ts';
import { report, type CheckContext } from './context.ts';
import { visitBody, visitRule } from './walk.ts';

const INT = /^-?\d+$/;
export const MAX_DIGITS = 10_000;

export function checkNumberLiterals(ctx: CheckContext): void {
  const cb = (t: Term): void => {
    if (t.type !== 'number' || !INT.test(t.text)) return;
    const digits = t.text.length - (t.text.startsWith('-') ? 1 : 0);
    if (digits > MAX_DIGITS) {
      report(ctx, 'rego_compile_error', `integer literal too long (${digits} digits; writ allows at most ${MAX_DIGITS})`, t.loc);
    }
  };
  for (const m of ctx.modules) {
    for (const r of m.rules) visitRule(r, cb);
  }
  if (ctx.query) visitBody(ctx.query, cb);
}
