// Logic-operator grammar: `a or b`, `a and b` (experimental keywords, enabled per module by
// `import future.keywords.and` / `.or`), explicit operand bodies `{ ... }`, groups `( ... )` and
// negated bodies `not { ... }`. Precedence, loosest first: `or`, `and`, `not`; `with` after the
// last operand applies to the whole literal, inside a group to the group.
import type { Body, Expr, LogicExpr, Term, With } from './ast.ts';
import type { ParserState } from './parser-state.ts';
import { parseQuery } from './body.ts';
import { Tok } from './tokens.ts';

type Parsers = { expr: (p: ParserState) => Term; withs: (p: ParserState) => With[] };

/** Whether the current token is the enabled logic keyword `op`. */
export function atLogicOp(p: ParserState, op?: 'and' | 'or'): boolean {
  const t = p.t;
  if (t.tok !== Tok.Ident || !p.logicOps.has(t.text)) return false;
  return op === undefined || t.text === op;
}

/** Whether a literal may use this grammar here (else the plain literal grammar applies). */
export function wantsLogic(p: ParserState): boolean {
  return p.logicOps.size > 0 || (p.at(Tok.Not) && p.peek().tok === Tok.LBrace);
}

/** A positive single-body `and` without `with`: the braces of an explicit body, nothing more. */
export function plainBody(e: Expr): Body | undefined {
  return e.kind === 'logic' && !e.negated && e.op === 'and' && e.operands.length === 1 && e.with.length === 0 ? e.operands[0] : undefined;
}

function asBody(e: Expr): Body {
  return plainBody(e) ?? [e];
}

/** What may follow a complete operand: an operator, a `with`, or the end of the literal. */
function atOperandEnd(p: ParserState): boolean {
  if (atLogicOp(p)) return true;
  const t = p.t.tok;
  return t === Tok.EOF || t === Tok.RBrace || t === Tok.RBrack || t === Tok.RParen || t === Tok.Semicolon || t === Tok.With || t === Tok.Else || p.t.nlBefore;
}

// or-expr = and-expr { "or" and-expr }
export function parseOrExpr(p: ParserState, ps: Parsers, first: boolean): Expr {
  return parseChain(p, ps, 'or', () => parseAndExpr(p, ps, first), () => parseAndExpr(p, ps, false));
}

// and-expr = operand { "and" operand }
function parseAndExpr(p: ParserState, ps: Parsers, first: boolean): Expr {
  return parseChain(p, ps, 'and', () => parseOperand(p, ps, first), () => parseOperand(p, ps, false));
}

function parseChain(p: ParserState, ps: Parsers, op: 'and' | 'or', head: () => Expr, rest: () => Expr): Expr {
  const start = p.t.start;
  const items = [head()];
  while (atLogicOp(p, op)) {
    p.next();
    items.push(rest());
  }
  if (items.length === 1) return items[0];
  return { kind: 'logic', op, operands: items.map(asBody), negated: false, with: [], loc: p.locFrom(start) };
}

// operand = [ "not" ] ( "{" query "}" | "(" or-expr { with } ")" | expr )
// `first`: the operand starts the literal, where braces not followed by an operator stay a term
// when they parse as one (a set or object literal), as without the keywords.
function parseOperand(p: ParserState, ps: Parsers, first: boolean): Expr {
  const start = p.t.start;
  const negated = !!p.accept(Tok.Not);
  p.enter();
  try {
    if (p.at(Tok.LBrace)) {
      const at = p.i;
      const body = p.attempt(() => {
        p.next();
        const b = parseQuery(p, Tok.RBrace);
        p.expect(Tok.RBrace);
        if (!atOperandEnd(p)) p.unexpected();
        return b;
      });
      if (body) {
        const logic: LogicExpr = { kind: 'logic', op: 'and', operands: [body], negated, with: [], loc: p.locFrom(start) };
        if (negated || !first || atLogicOp(p)) return logic;
        const after = p.i;
        p.i = at;
        const term = p.attempt(() => termOperand(p, ps));
        if (term) return { kind: 'term', term, negated, with: [], loc: p.locFrom(start) };
        p.i = after;
        return logic;
      }
    }
    if (p.at(Tok.LParen) && p.logicOps.size > 0) {
      const term = p.attempt(() => termOperand(p, ps));
      if (term) return { kind: 'term', term, negated, with: [], loc: p.locFrom(start) };
      p.next();
      const inner = parseOrExpr(p, ps, false);
      const withs = ps.withs(p);
      p.expect(Tok.RParen);
      return group(inner, withs, negated, p.locFrom(start));
    }
    const term = ps.expr(p);
    return { kind: 'term', term, negated, with: [], loc: p.locFrom(start) };
  } finally {
    p.leave();
  }
}

/** A term expression that is a whole operand (fails if an operator-level token follows). */
function termOperand(p: ParserState, ps: Parsers): Term {
  const t = ps.expr(p);
  if (!atOperandEnd(p)) p.unexpected();
  return t;
}

/** A parenthesised operand: its `with` modifiers and a leading `not` apply to the whole group. */
function group(inner: Expr, withs: With[], negated: boolean, loc: LogicExpr['loc']): Expr {
  if (inner.kind === 'term' || inner.kind === 'logic') {
    const hasWith = inner.with.length > 0 && withs.length > 0;
    if (!hasWith && !(negated && inner.negated)) {
      inner.with = [...inner.with, ...withs];
      if (negated) inner.negated = true;
      inner.loc = loc;
      return inner;
    }
  }
  return { kind: 'logic', op: 'and', operands: [[inner]], negated, with: withs, loc };
}
