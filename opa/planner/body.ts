// Planning bodies in continuation style: each expression plans "the rest of the body" inside
// whatever blocks (scans, calls) it opens, so an undefined statement ends exactly that path.
import type { Body, Expr, Term } from '../syntax/ast.ts';
import type { Planner } from './context.ts';
import { planTerm } from './terms.ts';
import { isPattern, planUnify, unifyLocal } from './unify.ts';
import { planCallExpr } from './calls.ts';
import { planWith } from './with.ts';
import { planLogic } from './logic.ts';

export function planBody(p: Planner, body: Body, k: () => void, i = 0): void {
  if (i === body.length) return k();
  planExpr(p, body[i], () => planBody(p, body, k, i + 1));
}

export function planExpr(p: Planner, e: Expr, k: () => void): void {
  if (e.kind !== 'some' && e.with.length > 0) return planWith(p, e, k);
  planExprNoWith(p, e, k);
}

export function planExprNoWith(p: Planner, e: Expr, k: () => void): void {
  switch (e.kind) {
    case 'some':
      return k();
    case 'somein':
      return planTerm(p, e.collection, (c) => scan(p, p.toLocal(c), e.key, e.value, k, e.loc));
    case 'every':
      return planTerm(p, e.domain, (d) => {
        const dl = p.toLocal(d);
        // A non-collection domain makes `every` undefined (not vacuously true).
        const isColl = p.newLocal();
        p.emit({ type: 'ResetLocalStmt', target: isColl });
        const set = { type: 'AssignVarStmt' as const, source: { bool: true }, target: isColl };
        p.emit({
          type: 'BlockStmt',
          blocks: [
            { stmts: [{ type: 'IsArrayStmt', source: { local: dl } }, set] },
            { stmts: [{ type: 'IsObjectStmt', source: { local: dl } }, set] },
            { stmts: [{ type: 'IsSetStmt', source: { local: dl } }, set] },
          ],
        });
        p.emit({ type: 'IsDefinedStmt', source: isColl });
        // every = not (some element for which the body does not hold)
        planNot(p, (found) => scan(p, dl, e.key, e.value, () => planNot(p, (ok) => planBody(p, e.body, ok), found), e.loc));
        k();
      });
    case 'logic':
      return planLogic(p, e, k);
    case 'term':
      if (e.negated) {
        planNot(p, (found) => planTermExpr(p, e.term, found));
        return k();
      }
      return planTermExpr(p, e.term, k);
  }
}

/** Iterates a collection local binding key/value terms (patterns unify, bound terms compare). */
function scan(p: Planner, source: number, key: Term | undefined, value: Term, k: () => void, loc: Expr['loc']): void {
  const kl = p.newLocal();
  const vl = p.newLocal();
  const block = p.block(() =>
    p.scoped(() => {
      const withValue = () => unifyLocal(p, value, { local: vl }, k);
      if (key) unifyLocal(p, key, { local: kl }, withValue);
      else withValue();
    }),
  );
  p.emit({ type: 'ScanStmt', source, key: kl, value: vl, block, loc: p.irLoc(loc) });
}

/**
 * NotStmt over a sub-plan. A straight-line sub-plan (no iteration, one success path) is the
 * NotStmt's block as is. Otherwise the inner plan sets a flag on its first success and leaves
 * (BreakStmt), and the not-block is defined iff the flag is set.
 */
export function planNot(p: Planner, inner: (found: () => void) => void, k?: () => void): void {
  let successes = 0;
  let straight = true;
  const simple = p.block(() => {
    const base = p.depth;
    p.scoped(() =>
      inner(() => {
        successes++;
        if (p.depth !== base) straight = false;
      }),
    );
  });
  if (successes === 1 && straight) {
    p.emit({ type: 'NotStmt', block: simple });
    if (k) k();
    return;
  }
  const flag = p.newLocal();
  const notBlock = p.block(() => {
    p.emit({ type: 'ResetLocalStmt', target: flag });
    const b = p.block(() => {
      const base = p.depth;
      p.scoped(() =>
        inner(() => {
          p.emit({ type: 'AssignVarStmt', source: { bool: true }, target: flag });
          // One success decides: leave every block up to and including b (stops scans early).
          p.emit({ type: 'BreakStmt', index: p.depth - base });
        }),
      );
    });
    p.emit({ type: 'BlockStmt', blocks: [b] });
    p.emit({ type: 'IsDefinedStmt', source: flag });
  });
  p.emit({ type: 'NotStmt', block: notBlock });
  if (k) k();
}

export function planTermExpr(p: Planner, t: Term, k: () => void): void {
  if (t.type === 'call') {
    const name = t.op.join('.');
    if ((name === 'eq' || name === 'assign') && t.args.length === 2) return planUnify(p, t.args[0], t.args[1], k);
    if (name === 'internal.member_2' && t.args.length === 2 && isPattern(p, t.args[0]))
      return planTerm(p, t.args[1], (c) => scan(p, p.toLocal(c), undefined, t.args[0], k, t.loc));
    if (name === 'internal.member_3' && t.args.length === 3 && (isPattern(p, t.args[0]) || isPattern(p, t.args[1])))
      return planTerm(p, t.args[2], (c) => scan(p, p.toLocal(c), t.args[0], t.args[1], k, t.loc));
    return planCallExpr(p, t, k);
  }
  if (t.type === 'boolean' && t.value) return k();
  planTerm(p, t, (op) => {
    p.emit({ type: 'NotEqualStmt', a: op, b: { bool: false } });
    k();
  });
}

