// RewritePrintCalls: as OPA with print enabled, `print(a, b)` becomes internal.print([{a|}, {b|}]):
// each operand is the set of its values, so an undefined operand prints "<undefined>" instead of
// failing the body (the native builtin prints via the host's opa_println and always succeeds).
// Without internal.print (a capabilities list lacking it) the calls are erased, as OPA does when
// print is disabled (`opa build -t wasm` without --enable-print).
import type { Body, Rule, Term } from '../syntax/ast.ts';
import type { CheckContext } from './context.ts';
import { allBodies, isCall } from './walk.ts';

function erase(body: Body): void {
  for (let i = body.length - 1; i >= 0; i--) {
    const e = body[i];
    if (e.kind === 'term' && isCall(e.term, 'print')) body.splice(i, 1);
  }
}

function toInternalPrint(body: Body): void {
  for (const e of body) {
    if (e.kind !== 'term' || !isCall(e.term, 'print')) continue;
    const call = e.term;
    const operands: Term = {
      type: 'array',
      items: call.args.map((a): Term => ({ type: 'setcompr', term: a, body: [], loc: a.loc })),
      loc: call.loc,
    };
    call.op = ['internal', 'print'];
    call.args = [operands];
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
  const rewrite = ctx.builtins.has('internal.print') ? toInternalPrint : erase;
  for (const m of ctx.modules) for (const r of m.rules) ruleBodies(r, rewrite);
  if (ctx.query) allBodies(ctx.query, rewrite);
}
