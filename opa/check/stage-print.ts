// RewritePrintCalls: OPA erases `print(...)` calls when print statements are not enabled (as for
// `opa build -t wasm` without --enable-print); writ has no print sink in the module, so it does the same.
import type { Body, Rule } from '../syntax/ast.ts';
import type { CheckContext } from './context.ts';
import { allBodies, isCall } from './walk.ts';

function erase(body: Body): void {
  for (let i = body.length - 1; i >= 0; i--) {
    const e = body[i];
    if (e.kind === 'term' && isCall(e.term, 'print')) body.splice(i, 1);
  }
}

function ruleBodies(rule: Rule, cb: (b: Body) => void): void {
  allBodies(rule.body, cb);
  for (const e of rule.elses) allBodies(e.body, cb);
  // Comprehensions in heads have bodies too (the wrapper body itself is thrown away).
  for (const t of [rule.key, rule.value, ...rule.elses.map((e) => e.value)]) {
    if (t) allBodies([{ kind: 'term', term: t, negated: false, with: [], loc: t.loc }], cb);
  }
}

export function rewritePrintCalls(ctx: CheckContext): void {
  if (ctx.builtins.has('print')) return; // a host that implements print keeps the calls
  for (const m of ctx.modules) for (const r of m.rules) ruleBodies(r, erase);
  if (ctx.query) allBodies(ctx.query, erase);
}
