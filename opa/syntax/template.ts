// Template strings `$"... {expr} ..."` and $`...`: split into literal parts and parsed expressions.
import type { CallTerm, Term, TemplateStringTerm, VarTerm } from './ast.ts';
import type { ParserState } from './parser-state.ts';
import type { Token } from './scanner.ts';
import { decodeEscapes, skipTemplateExpr } from './scanner.ts';
import { parseLiteral } from './body.ts';
import { Tok } from './tokens.ts';

// template = "$" quote { char | "\{" | "{" in-expr "}" } quote
export function parseTemplate(p: ParserState, t: Token): TemplateStringTerm {
  if (t.error) p.fail(t.error, t.start, t.end);
  const s = p.src;
  const dq = s[t.start + 1] === 0x22;
  const end = t.end - 1;
  const parts: Array<string | Term> = [];
  let lit = '';
  let segStart = t.start + 2;
  const flush = (upTo: number) => {
    const raw = s.toString('utf8', segStart, upTo);
    if (dq) {
      const r = decodeEscapes(raw);
      if (r.error) p.fail(r.error, segStart, upTo);
      lit += r.value;
    } else lit += raw;
  };
  let i = segStart;
  while (i < end) {
    const c = s[i];
    if (c === 0x5c && s[i + 1] === 0x7b) { // "\{" is a literal brace
      flush(i);
      lit += '{';
      i += 2;
      segStart = i;
    } else if (c === 0x5c && dq) {
      i += 2;
    } else if (c === 0x7b) {
      flush(i);
      if (lit) parts.push(lit);
      lit = '';
      const close = skipTemplateExpr(s, i + 1);
      if (close < 0 || close >= end) p.fail('non-terminated template expression', i, end);
      parts.push(parseTemplateExpr(p, i + 1, close));
      i = close + 1;
      segStart = i;
    } else i++;
  }
  flush(end);
  if (lit) parts.push(lit);
  return { type: 'templatestring', parts, loc: p.loc(t.start, t.end) };
}

function parseTemplateExpr(p: ParserState, start: number, end: number): Term {
  const sub = p.sub(start, end);
  if (sub.at(Tok.EOF)) p.fail('empty template expression', start - 1, end + 1);
  const lit = parseLiteral(sub);
  if (!sub.at(Tok.EOF)) sub.unexpected('expected } to end template string expression');
  const where = 'in template-string expression';
  if (lit.kind === 'some' || lit.kind === 'somein') p.fail(`unexpected 'some' ${where}`, lit.loc.start, lit.loc.end);
  if (lit.kind === 'every') p.fail(`unexpected 'every' ${where}`, lit.loc.start, lit.loc.end);
  if (lit.kind === 'logic') p.fail(`unexpected logic expression ${where}`, lit.loc.start, lit.loc.end);
  if (lit.negated) p.fail(`unexpected negation ('not') ${where}`, lit.loc.start, lit.loc.end);
  if (lit.term.type === 'call' && lit.term.op.length === 1 && lit.term.opLoc.end - lit.term.opLoc.start <= 2) {
    // only the operators written `:=` / `=` (a user function named `assign` is a different thing)
    const op = p.src.toString('latin1', lit.term.opLoc.start, lit.term.opLoc.end);
    if (op === ':=') p.fail(`unexpected assignment (':=') ${where}`, lit.loc.start, lit.loc.end);
    if (op === '=') p.fail(`unexpected unification ('=') ${where}`, lit.loc.start, lit.loc.end);
  }
  if (lit.with.length === 0) return lit.term;
  // `{t with m as v}`: the values of t under the modifiers, as a set comprehension iterated in
  // place (the template renders every value of a part, and none as undefined).
  const v: VarTerm = { type: 'var', name: '$tpl', loc: lit.term.loc };
  const assign: CallTerm = { type: 'call', op: ['assign'], opLoc: lit.term.loc, args: [v, lit.term], loc: lit.term.loc };
  const compr: Term = { type: 'setcompr', term: { ...v }, body: [{ kind: 'term', term: assign, negated: false, with: lit.with, loc: lit.loc }], loc: lit.loc };
  return { type: 'ref', head: compr, path: [{ type: 'var', name: '_', loc: lit.loc }], loc: lit.loc };
}
