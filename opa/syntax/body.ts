// Body grammar: queries, literals (`some`, `every`, `not`, expressions) and `with` modifiers.
// Logic operators and explicit/negated bodies are in ./logic.ts.
import type { Body, Expr, Term, VarTerm, With } from './ast.ts';
import type { ParserState } from './parser-state.ts';
import { call, parseTerm, parseTermIn } from './terms.ts';
import { Tok, tokNames } from './tokens.ts';
import { parseOrExpr, wantsLogic } from './logic.ts';

/** query = literal { ( ";" | newline ) literal }   ending before `end` (not consumed) */
export function parseQuery(p: ParserState, end: Tok): Body {
  p.enter();
  if (p.at(end)) p.fail('found empty body', p.t.start, p.t.end);
  const body: Body = [];
  for (;;) {
    body.push(parseLiteral(p));
    if (p.accept(Tok.Semicolon)) {
      if (p.at(end)) break;
      continue;
    }
    if (p.at(end)) break;
    if (!p.t.nlBefore) p.unexpected(`expected \\n or ; or ${tokNames[end]}`);
  }
  p.leave();
  return body;
}

// literal = "some" some-decl | "every" every | or-expr { with }   (see ./logic.ts; without the
// experimental keywords and `not {`, or-expr is [ "not" ] expr)
export function parseLiteral(p: ParserState): Expr {
  const start = p.t.start;
  p.keywordAsRefHead();
  if (p.at(Tok.Some)) return parseSome(p);
  if (p.at(Tok.Every)) return parseEvery(p);
  if (wantsLogic(p)) {
    const e = parseOrExpr(p, { expr: parseExpr, withs: parseWiths }, true);
    const withs = parseWiths(p);
    if (withs.length === 0) return e;
    if ((e.kind === 'term' || e.kind === 'logic') && e.with.length === 0) {
      e.with = withs;
      e.loc = p.locFrom(start);
      return e;
    }
    return { kind: 'logic', op: 'and', operands: [[e]], negated: false, with: withs, loc: p.locFrom(start) };
  }
  const negated = !!p.accept(Tok.Not);
  const term = parseExpr(p);
  const withs = parseWiths(p);
  return { kind: 'term', term, negated, with: withs, loc: p.locFrom(start) };
}

// expr = in-expr [ (":=" | "=") in-expr ]
function parseExpr(p: ParserState): Term {
  const lhs = parseTermIn(p, true);
  const op = p.accept(Tok.Assign) ?? p.accept(Tok.Unify);
  if (!op) return lhs;
  const rhs = parseTermIn(p, true);
  const name = op.tok === Tok.Assign ? 'assign' : 'eq';
  return call([name], p.loc(op.start, op.end), [lhs, rhs], p.loc(lhs.loc.start, rhs.loc.end));
}

// with = "with" term "as" in-expr
function parseWiths(p: ParserState): With[] {
  const out: With[] = [];
  while (p.at(Tok.With)) {
    const w = p.next();
    const target = parseTerm(p);
    p.expect(Tok.As);
    const value = parseTermIn(p, false);
    out.push({ target, value, loc: p.locFrom(w.start) });
  }
  return out;
}

// some-decl = "some" var { "," var } | "some" [ term "," ] term "in" term
function parseSome(p: ParserState): Expr {
  const kw = p.next();
  const inForm = p.attempt(() => {
    const t = parseTermIn(p, true);
    if (t.type !== 'call' || t.op[0] !== 'internal') p.fail('not a some-in', t.loc.start, t.loc.end);
    return t;
  });
  if (inForm && inForm.type === 'call') {
    const withs = parseWiths(p);
    const [a, b, c] = inForm.args;
    return inForm.op[1] === 'member_3'
      ? { kind: 'somein', key: a, value: b, collection: c, with: withs, loc: p.locFrom(kw.start) }
      : { kind: 'somein', value: a, collection: b, with: withs, loc: p.locFrom(kw.start) };
  }
  const vars: VarTerm[] = [parseVar(p)];
  while (p.accept(Tok.Comma)) vars.push(parseVar(p));
  return { kind: 'some', vars, loc: p.locFrom(kw.start) };
}

function parseVar(p: ParserState): VarTerm {
  const t = p.t;
  if (t.tok !== Tok.Ident) p.unexpected('expected var');
  p.next();
  return { type: 'var', name: t.text, loc: p.loc(t.start, t.end) };
}

// every = "every" [ var "," ] var "in" term "{" query "}" { with }
function parseEvery(p: ParserState): Expr {
  const kw = p.next();
  let value = parseVar(p);
  let key: VarTerm | undefined;
  if (p.accept(Tok.Comma)) {
    key = value;
    value = parseVar(p);
  }
  p.expect(Tok.In);
  const domain = parseTermIn(p, false);
  p.expect(Tok.LBrace);
  const body = parseQuery(p, Tok.RBrace);
  p.expect(Tok.RBrace);
  const withs = parseWiths(p);
  return { kind: 'every', key, value, domain, body, with: withs, loc: p.locFrom(kw.start) };
}
