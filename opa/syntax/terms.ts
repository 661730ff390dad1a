// Term grammar: operators by precedence (as OPA's parser), primaries, refs, calls and collections.
import type { CallTerm, Loc, Term, VarTerm } from './ast.ts';
import { parseQuery } from './body.ts';
import type { ParserState } from './parser-state.ts';
import { parseTemplate } from './template.ts';
import { Tok, isKeyword, tokNames } from './tokens.ts';

/** Binary operators: builtin name and precedence, loosest first (OPA: relation < | < & < +,- < *,/,%). */
const binaryOps = new Map<Tok, [string, number]>([
  [Tok.Equal, ['equal', 1]], [Tok.Neq, ['neq', 1]], [Tok.Lt, ['lt', 1]], [Tok.Lte, ['lte', 1]], [Tok.Gt, ['gt', 1]], [Tok.Gte, ['gte', 1]],
  [Tok.Or, ['or', 2]],
  [Tok.And, ['and', 3]],
  [Tok.Add, ['plus', 4]], [Tok.Sub, ['minus', 4]],
  [Tok.Mul, ['mul', 5]], [Tok.Quo, ['div', 5]], [Tok.Rem, ['rem', 5]],
]);

export function call(op: string[], opLoc: Loc, args: Term[], loc: Loc): CallTerm {
  return { type: 'call', op, opLoc, args, loc };
}

function span(p: ParserState, a: Term, b: Term): Loc {
  return p.loc(a.loc.start, Math.max(a.loc.end, b.loc.end));
}

/**
 * in-expr = relation [ "," relation "in" relation ] { "in" relation }
 * keyVal allows the `k, v in xs` form (not inside lists, where ',' separates items);
 * noOr stops at a top-level '|' so that `[x | body]` reads as a comprehension.
 */
export function parseTermIn(p: ParserState, keyVal: boolean, noOr = false): Term {
  let lhs = parseRelation(p, noOr);
  if (keyVal && p.at(Tok.Comma)) {
    const kv = p.attempt(() => {
      p.next();
      const mhs = parseRelation(p, noOr);
      const op = p.expect(Tok.In);
      const rhs = parseRelation(p, noOr);
      return call(['internal', 'member_3'], p.loc(op.start, op.end), [lhs, mhs, rhs], span(p, lhs, rhs));
    });
    if (kv) lhs = kv;
  }
  while (p.at(Tok.In)) {
    const op = p.next();
    const rhs = parseRelation(p, noOr);
    lhs = call(['internal', 'member_2'], p.loc(op.start, op.end), [lhs, rhs], span(p, lhs, rhs));
  }
  return lhs;
}

/**
 * binary = unary { op binary }   by precedence climbing (all operators are left-associative);
 * one stack frame per precedence step keeps deep nesting cheap.
 */
function parseBinary(p: ParserState, minPrec: number, noOr: boolean): Term {
  let lhs = parseUnary(p);
  for (;;) {
    const op = binaryOps.get(p.t.tok);
    if (!op || op[1] < minPrec || (noOr && p.t.tok === Tok.Or)) return lhs;
    const t = p.next();
    const rhs = parseBinary(p, op[1] + 1, noOr);
    lhs = call([op[0]], p.loc(t.start, t.end), [lhs, rhs], span(p, lhs, rhs));
  }
}

// relation = or { ("==" | "!=" | "<" | "<=" | ">" | ">=") or }; or = and { "|" and }; and = arith { "&" arith };
// arith = factor { ("+" | "-") factor }; factor = unary { ("*" | "/" | "%") unary }
function parseRelation(p: ParserState, noOr: boolean): Term {
  return parseBinary(p, 1, noOr);
}

// unary = "-" number | "-" unary | term      (a negative literal stays a number; `-x` is minus(0, x))
function parseUnary(p: ParserState): Term {
  if (!p.at(Tok.Sub)) return parseTerm(p);
  const minus = p.next();
  if (p.at(Tok.Number) || (p.at(Tok.Dot) && p.peek().tok === Tok.Number)) return parseNumber(p, minus.start, '-');
  p.enter();
  const operand = parseUnary(p);
  p.leave();
  const zero: Term = { type: 'number', text: '0', loc: p.loc(minus.start, minus.end) };
  return call(['minus'], p.loc(minus.start, minus.end), [zero, operand], p.loc(minus.start, operand.loc.end));
}

/** Decimal exponents beyond this are refused, like OPA's limit of 2^±100000 on number literals. */
const MAX_DECIMAL_EXPONENT = 30103;

// number = [ "." ] digits [ "." digits ] [ exponent ]   (`.5` is written 0.5 in the AST so that it is valid JSON)
function parseNumber(p: ParserState, start: number, sign: '' | '-'): Term {
  const dot = p.accept(Tok.Dot);
  const t = p.next();
  if (t.error) p.fail(t.error, t.start, t.end);
  if (dot && dot.end !== t.start) p.fail('unexpected number token: expected number', t.start, t.end);
  const lit = dot ? '0.' + t.text : t.text;
  if (!dot && lit.length > 1 && lit[0] === '0' && lit[1] !== '.' && !((lit[1] === 'e' || lit[1] === 'E') && lit.length > 2)) {
    p.fail('unexpected number token: expected number without leading zero', t.start, t.end);
  }
  const m = /^(\d*)(?:\.\d*)?(?:[eE]([+-]?\d+))?$/.exec(lit);
  const intDigits = (m?.[1] ?? '').replace(/^0+/, '').length;
  const exp = Number(m?.[2] ?? 0);
  if (Math.abs(exp + intDigits) > MAX_DECIMAL_EXPONENT) p.fail('number too big', t.start, t.end);
  return { type: 'number', text: sign + lit, loc: p.loc(start, t.end) };
}

// term = scalar | var | array | object | set | comprehension | "(" in-expr ")" , then ref/call suffixes
export function parseTerm(p: ParserState): Term {
  p.enter();
  const t = p.t;
  let term: Term;
  let suffixes = true;
  switch (t.tok) {
    case Tok.Number:
      term = parseNumber(p, t.start, '');
      suffixes = false;
      break;
    case Tok.Dot:
      if (p.peek().tok !== Tok.Number) p.unexpected();
      term = parseNumber(p, t.start, '');
      suffixes = false;
      break;
    case Tok.String:
    case Tok.RawString:
      p.next();
      if (t.error) p.fail(t.error, t.start, t.end);
      term = t.tok === Tok.String
        ? { type: 'string', value: t.text, loc: p.loc(t.start, t.end) }
        : { type: 'string', value: t.text, raw: true, loc: p.loc(t.start, t.end) };
      suffixes = false;
      break;
    case Tok.TemplateString:
      p.next();
      term = parseTemplate(p, t);
      suffixes = false;
      break;
    case Tok.True:
    case Tok.False:
      p.next();
      term = { type: 'boolean', value: t.tok === Tok.True, loc: p.loc(t.start, t.end) };
      suffixes = false;
      break;
    case Tok.Null:
      p.next();
      term = { type: 'null', loc: p.loc(t.start, t.end) };
      suffixes = false;
      break;
    case Tok.Ident:
      p.next();
      if (t.text === 'set' && p.at(Tok.LParen) && !p.t.wsBefore && p.peek().tok === Tok.RParen) {
        p.next(); p.next();
        term = { type: 'set', items: [], loc: p.locFrom(t.start) };
      } else {
        term = { type: 'var', name: t.text, loc: p.loc(t.start, t.end) };
      }
      break;
    case Tok.LBrack:
      term = parseArray(p);
      break;
    case Tok.LBrace:
      term = parseBraces(p);
      break;
    case Tok.LParen: {
      p.next();
      term = parseTermIn(p, true);
      p.expect(Tok.RParen);
      break;
    }
    default:
      p.unexpected();
  }
  if (suffixes) term = parseSuffixes(p, term);
  p.leave();
  return term;
}

// suffix = "." name | "[" in-expr "]" | "(" [ args ] ")"   (no newline before: a new line starts a new literal)
function parseSuffixes(p: ParserState, head: Term): Term {
  const start = head.loc.start;
  let path: Term[] = [];
  // Dotted names so far, while the term can still be the name of a called function.
  let callable = head.type === 'var';
  for (;;) {
    const t = p.t;
    if (t.wsBefore) break; // `a .b` and `a [b]` are not refs, as in OPA
    if (t.tok === Tok.Dot) {
      p.next();
      const n = p.t;
      if (n.tok !== Tok.Ident && !isKeyword(n.tok)) p.unexpected('expected ident');
      if (n.wsBefore) p.fail('unexpected whitespace after .', n.start, n.end);
      p.next();
      path.push({ type: 'string', value: n.text, loc: p.loc(n.start, n.end) });
    } else if (t.tok === Tok.LBrack) {
      p.next();
      path.push(parseTermIn(p, true));
      p.expect(Tok.RBrack);
      callable = false;
    } else if (t.tok === Tok.LParen) {
      if (!callable) p.fail('invalid call: only functions named by a dotted ref can be called', t.start, t.end);
      const op = [(head as VarTerm).name, ...path.map((s) => (s as { value: string }).value)];
      const opLoc = p.loc(start, p.prev.end);
      p.next();
      const args = parseList(p, Tok.RParen);
      head = call(op, opLoc, args, p.locFrom(start));
      path = [];
      callable = false;
    } else break;
  }
  if (path.length === 0) return head;
  return { type: 'ref', head, path, loc: p.locFrom(start) };
}

/** items = [ in-expr { "," in-expr } [ "," ] ] close   (consumes close) */
export function parseList(p: ParserState, close: Tok): Term[] {
  const items: Term[] = [];
  while (!p.at(close)) {
    items.push(parseTermIn(p, false));
    if (!p.accept(Tok.Comma)) break;
  }
  p.expect(close, `"," or "${tokNames[close]}"`);
  return items;
}

// array = "[" [ term { "," term } [","] ] "]" | "[" term "|" query "]"
function parseArray(p: ParserState): Term {
  const open = p.next();
  if (p.accept(Tok.RBrack)) return { type: 'array', items: [], loc: p.locFrom(open.start) };
  // A leading comma `[, x]` is accepted for compatibility, as OPA does; it rules out a comprehension.
  if (p.accept(Tok.Comma)) return { type: 'array', items: parseList(p, Tok.RBrack), loc: p.locFrom(open.start) };
  const first = parseTermIn(p, false, true);
  if (p.accept(Tok.Or)) {
    const body = parseQuery(p, Tok.RBrack);
    p.expect(Tok.RBrack);
    return { type: 'arraycompr', term: first, body, loc: p.locFrom(open.start) };
  }
  let items = [first];
  if (p.accept(Tok.Comma)) items = items.concat(parseList(p, Tok.RBrack));
  else p.expect(Tok.RBrack, '"," or "]"');
  return { type: 'array', items, loc: p.locFrom(open.start) };
}

// braces = "{" "}" | set | object | "{" term "|" query "}" | "{" term ":" term "|" query "}"
function parseBraces(p: ParserState): Term {
  const open = p.next();
  if (p.accept(Tok.RBrace)) return { type: 'object', items: [], loc: p.locFrom(open.start) };
  if (p.at(Tok.Comma)) return parseLeadingCommaBraces(p, open.start);
  const first = parseTermIn(p, false, true);
  if (p.accept(Tok.Or)) {
    const body = parseQuery(p, Tok.RBrace);
    p.expect(Tok.RBrace);
    return { type: 'setcompr', term: first, body, loc: p.locFrom(open.start) };
  }
  if (p.accept(Tok.Colon)) {
    const value = parseTermIn(p, false, true);
    if (p.accept(Tok.Or)) {
      const body = parseQuery(p, Tok.RBrace);
      p.expect(Tok.RBrace);
      return { type: 'objectcompr', key: first, value, body, loc: p.locFrom(open.start) };
    }
    return parseObjectRest(p, first, value, open.start);
  }
  return parseSetRest(p, first, open.start);
}

// `{, a, b}` / `{, k: v}`: leading comma, no comprehension (compatibility, as OPA).
function parseLeadingCommaBraces(p: ParserState, start: number): Term {
  p.next();
  const first = parseTermIn(p, false);
  if (!p.accept(Tok.Colon)) return parseSetRest(p, first, start);
  return parseObjectRest(p, first, parseTermIn(p, false), start);
}

// The rest of a set after its first element: `, b, c}` or `}`.
function parseSetRest(p: ParserState, first: Term, start: number): Term {
  let items = [first];
  if (p.accept(Tok.Comma)) items = items.concat(parseList(p, Tok.RBrace));
  else p.expect(Tok.RBrace, '"," or "}"');
  return { type: 'set', items, loc: p.locFrom(start) };
}

// The rest of an object after its first `k: v`: more pairs (a trailing comma allowed), then `}`.
function parseObjectRest(p: ParserState, k0: Term, v0: Term, start: number): Term {
  const items: Array<[Term, Term]> = [[k0, v0]];
  while (p.accept(Tok.Comma)) {
    if (p.at(Tok.RBrace)) break;
    const k = parseTermIn(p, false);
    p.expect(Tok.Colon);
    items.push([k, parseTermIn(p, false)]);
  }
  p.expect(Tok.RBrace, '"," or "}"');
  return { type: 'object', items, loc: p.locFrom(start) };
}
