// Rule grammar: heads (refs, functions, contains, values), bodies, else chains and chained bodies.
import type { Body, Rule, RuleKind, Term } from './ast.ts';
import { parseLiteral, parseQuery } from './body.ts';
import { plainBody } from './logic.ts';
import type { ParserState } from './parser-state.ts';
import { parseList, parseTermIn } from './terms.ts';
import { Tok, isKeyword } from './tokens.ts';

const isScalar = (t: Term) => t.type === 'string' || t.type === 'number' || t.type === 'boolean' || t.type === 'null';

// rule = [ "default" ] head [ "if" rule-body ] { else } { "{" query "}" }
export function parseRule(p: ParserState): Rule[] {
  const start = p.t.start;
  p.keywordAsRefHead();
  const isDefault = !!p.accept(Tok.Default);
  p.keywordAsRefHead();
  const name = p.t;
  if (name.tok !== Tok.Ident) p.unexpected(isDefault ? 'expected rule name' : undefined);
  const parts = parseHeadRef(p);
  let args: Term[] | undefined;
  if (p.at(Tok.LParen) && !p.t.wsBefore) {
    if (!parts.every((t) => t.type === 'string')) p.fail('invalid rule head: a function name must be a ref of strings', p.t.start, p.t.end);
    p.next();
    args = parseList(p, Tok.RParen);
  }
  const label = parts.map((t) => (t.type === 'string' ? t.value : '[...]')).join('.');
  let kind: RuleKind;
  let key: Term | undefined;
  let value: Term | undefined;
  let assign: ':=' | '=' | undefined;
  let ref = parts;
  let refTail: Term[] | undefined;
  const contains = p.accept(Tok.Contains);
  if (contains) {
    if (args) p.fail(`unexpected contains keyword: the contains keyword can only be used with multi-value rule definitions (e.g., ${label} contains <VALUE> { ... })`, contains.start, contains.end);
    if (isDefault) p.fail('illegal default rule (must have a value)', start, contains.end);
    kind = 'partialset';
    key = parseTermIn(p, false);
    if (!parts.every(isScalar)) refTail = parts;
  } else {
    const op = p.accept(Tok.Assign) ?? p.accept(Tok.Unify);
    if (op) {
      assign = op.tok === Tok.Assign ? ':=' : '=';
      value = parseTermIn(p, false);
    }
    const firstVar = parts.findIndex((t) => !isScalar(t));
    if (args) kind = 'function';
    else if (firstVar < 0) kind = 'complete';
    else {
      kind = 'partialobject';
      ref = parts.slice(0, firstVar);
      if (firstVar === parts.length - 1) key = parts[firstVar];
      else refTail = parts;
      // A value-less `p[x] if {...}` maps x to true.
      value ??= { type: 'boolean', value: true, loc: p.locFrom(start) };
    }
    if (isDefault) checkDefault(p, start, op ? value : undefined, args, firstVar >= 0 && !args ? parts[firstVar] : undefined);
  }
  const headLoc = p.locFrom(start);
  let body: Body = [];
  if (p.at(Tok.If)) {
    if (isDefault) p.unexpected('default rules cannot have a body');
    p.next();
    body = parseRuleBody(p);
  } else if (p.at(Tok.LBrace)) {
    const b = p.t;
    if (kind === 'partialobject' && !assign && key) {
      p.fail('`contains` keyword is required for partial set rules (hint: write `p contains x if { ... }`; `p[x] { ... }` is Rego v0)', b.start, b.end);
    }
    p.fail('`if` keyword is required before rule body', b.start, b.end);
  } else if (!assign && !contains && !isDefault) {
    p.fail(`rule must have a value or a body (hint: write \`${label} if { ... }\` or \`${label} := <value>\`)`, name.start, p.prev.end);
  }
  const rule: Rule = { kind, isDefault, ref, body, elses: [], loc: p.locFrom(start), headLoc };
  if (refTail) rule.refTail = refTail;
  if (args) rule.args = args;
  if (key) rule.key = key;
  if (value) rule.value = value;
  if (assign) rule.assign = assign;
  if (p.at(Tok.Else)) {
    if (refTail || (kind === 'partialobject' && ref.length > 1)) p.fail('else keyword cannot be used on rules with variables in head', p.t.start, p.t.end);
    if (key) p.fail('else keyword cannot be used on multi-value rules', p.t.start, p.t.end);
    if (isDefault) p.unexpected('default rules cannot have else');
    parseElses(p, rule);
    rule.loc = p.locFrom(start);
  }
  // Chained bodies `p if { a } { b }` define one more rule with the same head per body (no `if` needed, as OPA).
  const rules = [rule];
  while (body.length && p.at(Tok.LBrace)) {
    if (rule.elses.length) p.fail('unexpected { token: expected else keyword', p.t.start, p.t.end);
    const b = p.t.start;
    // The head is copied, not shared, so that later stages may rewrite each rule's terms independently.
    const { body: _b, elses: _e, annotations, ...head } = rule;
    const next: Rule = { ...structuredClone(head), body: parseBraceBody(p), elses: [], loc: p.locFrom(b) };
    if (annotations) next.annotations = annotations;
    rules.push(next);
  }
  return rules;
}

// head-ref = name { "." name | "[" term "]" }   (keywords allowed after a dot)
function parseHeadRef(p: ParserState): Term[] {
  const name = p.next();
  const parts: Term[] = [{ type: 'string', value: name.text, loc: p.loc(name.start, name.end) }];
  for (;;) {
    if (p.t.wsBefore) break;
    if (p.accept(Tok.Dot)) {
      const n = p.t;
      if ((n.tok !== Tok.Ident && !isKeyword(n.tok)) || n.wsBefore) p.unexpected('expected ident');
      p.next();
      parts.push({ type: 'string', value: n.text, loc: p.loc(n.start, n.end) });
    } else if (p.accept(Tok.LBrack)) {
      parts.push(parseTermIn(p, true));
      p.expect(Tok.RBrack);
    } else break;
  }
  return parts;
}

/** Default rules: a constant value (no vars, refs or calls outside comprehensions), distinct var arguments. */
function checkDefault(p: ParserState, start: number, value: Term | undefined, args: Term[] | undefined, varKey: Term | undefined): void {
  if (!value) p.fail('illegal default rule (must have a value)', start, p.prev.end);
  if (varKey) p.fail('illegal default rule (ref cannot contain var)', varKey.loc.start, varKey.loc.end);
  const bad = nonConstant(value);
  if (bad) p.fail(`illegal default rule (value cannot contain ${bad})`, start, p.prev.end);
  const seen = new Set<string>();
  for (const a of args ?? []) {
    if (a.type !== 'var') p.fail(`illegal default rule (arguments cannot contain ${a.type})`, start, p.prev.end);
    if (a.name !== '_' && seen.has(a.name)) p.fail(`illegal default rule (arguments cannot be repeated ${a.name})`, start, p.prev.end);
    seen.add(a.name);
  }
}

/** The first var, ref or call in a term outside comprehensions, by OPA's type name. */
function nonConstant(t: Term): string | undefined {
  switch (t.type) {
    case 'var': return 'var';
    case 'ref': return 'ref';
    case 'call': return 'call';
    case 'templatestring': return t.parts.some((x) => typeof x !== 'string') ? 'var' : undefined;
    case 'array': case 'set': for (const i of t.items) { const b = nonConstant(i); if (b) return b; } return undefined;
    case 'object': for (const [k, v] of t.items) { const b = nonConstant(k) ?? nonConstant(v); if (b) return b; } return undefined;
    default: return undefined;
  }
}

// else = "else" [ (":=" | "=") term ] [ "if" ] ( "{" query "}" | literal )   (no value means true)
function parseElses(p: ParserState, rule: Rule): void {
  while (p.at(Tok.Else)) {
    const kw = p.next();
    if (!p.at(Tok.LBrace) && !p.at(Tok.If) && !p.at(Tok.Assign) && !p.at(Tok.Unify)) p.unexpected('expected else value term or rule body');
    let value: Term | undefined;
    if (p.accept(Tok.Assign) ?? p.accept(Tok.Unify)) value = parseTermIn(p, true);
    let body: Body = [];
    if (p.accept(Tok.If)) {
      if (p.at(Tok.EOF)) p.unexpected('rule body expected');
      body = p.at(Tok.LBrace) ? parseBraceBody(p) : [parseLiteral(p)];
    } else if (p.at(Tok.LBrace)) body = parseBraceBody(p);
    const e: Rule['elses'][number] = { body, loc: p.locFrom(kw.start) };
    if (value) e.value = value;
    rule.elses.push(e);
  }
}

// rule-body = literal | "{" query "}"   (a literal first, as OPA: `if {x: 1 | ...}` is a comprehension;
// a set literal `if { x }` is read as a braced query instead)
function parseRuleBody(p: ParserState): Body {
  if (p.at(Tok.EOF)) p.unexpected('rule body expected');
  if (p.at(Tok.LBrace)) {
    const at = p.i;
    const lit = p.attempt(() => parseLiteral(p));
    if (lit && plainBody(lit)) return plainBody(lit)!;
    if (lit && !(lit.kind === 'term' && lit.term.type === 'set')) return [lit];
    p.i = at;
    return parseBraceBody(p);
  }
  return [parseLiteral(p)];
}

function parseBraceBody(p: ParserState): Body {
  p.expect(Tok.LBrace);
  const body = parseQuery(p, Tok.RBrace);
  p.expect(Tok.RBrace);
  return body;
}
