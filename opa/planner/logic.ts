// `and` / `or` (experimental keywords), explicit operand bodies and `not { ... }`: each operand
// body is tested like a `not` body (one success decides, its bindings stay inside), so the
// expression is a short-circuiting boolean test built from NotStmt blocks:
//   and = exists(A); exists(B)        not and = not (exists(A); exists(B))
//   or  = not (not A; not B)          not or  = not A; not B
// where exists(X) = not (not X). Solutions are never multiplied: the expression succeeds once.
import type { Body, LogicExpr } from '../syntax/ast.ts';
import type { Planner } from './context.ts';
import { planBody, planNot } from './body.ts';

export function planLogic(p: Planner, e: LogicExpr, k: () => void): void {
  const bodies = e.operands;
  if (e.op === 'and' && !e.negated) return allExist(p, bodies, k);
  if (e.op === 'or' && e.negated) return noneHolds(p, bodies, k);
  planNot(p, (found) => (e.op === 'and' ? allExist(p, bodies, found) : noneHolds(p, bodies, found)));
  k();
}

/** Each body has a solution (checked in order, each stopping at its first solution). */
function allExist(p: Planner, bodies: Body[], k: () => void, i = 0): void {
  if (i === bodies.length) return k();
  planNot(p, (found) => {
    planNot(p, (ok) => planBody(p, bodies[i], ok));
    found();
  });
  allExist(p, bodies, k, i + 1);
}

/** No body has a solution (checked in order). */
function noneHolds(p: Planner, bodies: Body[], k: () => void, i = 0): void {
  if (i === bodies.length) return k();
  planNot(p, (ok) => planBody(p, bodies[i], ok));
  noneHolds(p, bodies, k, i + 1);
}
