// Number literals: integers must fit in 64 bits, because the runtime keeps integers exact
// only up to int64 (floats are fine: they are doubles everywhere).
import type { Term } from '../syntax/ast.ts';
import { report, type CheckContext } from './context.ts';
import { visitBody, visitRule } from './walk.ts';

const INT = /^-?\d+$/;
const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

export function checkNumberLiterals(ctx: CheckContext): void {
  const cb = (t: Term): void => {
    if (t.type !== 'number' || !INT.test(t.text)) return;
    const v = BigInt(t.text);
    if (v < MIN || v > MAX) {
      report(ctx, 'rego_compile_error', 'integer literal out of range (writ keeps integers exact up to 64 bits)', t.loc);
    }
  };
  for (const m of ctx.modules) {
    for (const r of m.rules) visitRule(r, cb);
  }
  if (ctx.query) visitBody(ctx.query, cb);
}
