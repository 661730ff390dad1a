// Module grammar: package, imports, rules (heads, bodies, else chains) with error recovery per statement.
import type { Annotations, Body, Import, Module, Rule, RuleKind, Term } from './ast.ts';
import { findMetadataBlocks, type MetadataBlock } from './annotations.ts';
import { parseLiteral, parseQuery } from './body.ts';
import { Abort, Sync, type ParserState } from './parser-state.ts';
import { parseList, parseTermIn } from './terms.ts';
import { Tok, isKeyword } from './tokens.ts';

const importRoots = new Set(['data', 'input', 'future', 'rego']);

// module = package { import | rule }
export function parseModuleTokens(p: ParserState): Module | undefined {
  const mod: Module = { file: p.file, package: [], packageLoc: p.loc(0, 0), imports: [], rules: [], annotations: [] };
  const annotate = (b: MetadataBlock, def: Annotations['scope']): Annotations => {
    const a: Annotations = { scope: b.scope ?? def, fields: b.fields, loc: p.loc(b.start, b.end) };
    mod.annotations.push(a);
    return a;
  };
  let havePackage = false;
  try {
    // Each METADATA block annotates the first statement after it.
    const byStatement = new Map<number, MetadataBlock>();
    let k = 0;
    for (const b of findMetadataBlocks(p, p.src)) {
      while (k < p.toks.length - 1 && p.toks[k].start < b.end) k++;
      byStatement.set(p.toks[k].start, b);
    }
    if (p.at(Tok.EOF)) p.fail('empty module', 0, 0);
    while (!p.at(Tok.EOF)) {
      const t = p.t;
      const block = byStatement.get(t.start);
      p.depth = 0; // an error may have unwound nested parses without leaving them
      try {
        if (t.tok === Tok.Package) {
          if (havePackage) p.fail('unexpected package keyword: only one package per module', t.start, t.end);
          parsePackage(p, mod);
          havePackage = true;
          if (block) annotate(block, 'package');
        } else if (!havePackage) {
          p.fail('package expected', t.start, t.end);
        } else if (t.tok === Tok.Import) {
          mod.imports.push(parseImport(p));
          if (block) p.report(`annotation scope '${block.scope ?? 'rule'}' must be applied to rule (have import)`, block.start, block.end);
        } else {
          const rules = parseRule(p);
          const ann = block ? annotate(block, 'rule') : undefined;
          if (ann && (ann.scope === 'rule' || ann.scope === 'document')) for (const r of rules) r.annotations = ann;
          mod.rules.push(...rules);
        }
        endStatement(p);
      } catch (e) {
        if (!(e instanceof Sync)) throw e;
        if (!havePackage) break;
        resync(p);
      }
    }
  } catch (e) {
    if (!(e instanceof Abort) && !(e instanceof Sync)) throw e;
  }
  return havePackage ? mod : undefined;
}

/** A statement must end at a newline or the end of the file. */
function endStatement(p: ParserState): void {
  if (!p.at(Tok.EOF) && !p.t.nlBefore) p.unexpected();
}

/** Skips to the next token that starts a line at column 1: the likely start of the next statement. */
function resync(p: ParserState): void {
  const starts = [Tok.Ident, Tok.Default, Tok.Import, Tok.Package];
  do p.next();
  while (!p.at(Tok.EOF) && !(p.lineStart(p.t.start) && starts.includes(p.t.tok)));
}

// package = "package" name { "." name | "[" string "]" }
function parsePackage(p: ParserState, mod: Module): void {
  const kw = p.next();
  const path = parseDottedPath(p);
  if (path[0] === 'data') path.shift();
  mod.package = path;
  mod.packageLoc = p.locFrom(kw.start);
}

/** name { "." name | "[" string "]" }  (keywords allowed after a dot, as OPA does) */
function parseDottedPath(p: ParserState): string[] {
  const first = p.expect(Tok.Ident, 'ident');
  const path = [first.text];
  for (;;) {
    if (p.t.nlBefore) break;
    if (p.accept(Tok.Dot)) {
      const n = p.t;
      if (n.tok !== Tok.Ident && !isKeyword(n.tok)) p.unexpected('ident');
      p.next();
      path.push(n.text);
    } else if (p.at(Tok.LBrack) && !p.t.wsBefore) {
      p.next();
      const s = p.t;
      if (s.tok !== Tok.String && s.tok !== Tok.RawString) p.unexpected('string');
      if (s.error) p.fail(s.error, s.start, s.end);
      p.next();
      path.push(s.text);
      p.expect(Tok.RBrack);
    } else break;
  }
  return path;
}

// import = "import" path [ "as" var ]
function parseImport(p: ParserState): Import {
  const kw = p.next();
  const pathStart = p.t.start;
  const path = parseDottedPath(p);
  if (!importRoots.has(path[0])) {
    p.fail(`unexpected import path, must begin with one of: {data, future, input, rego}, got: ${path[0]}`, pathStart, p.prev.end);
  }
  if (path[0] === 'rego' && (path.length !== 2 || path[1] !== 'v1')) p.fail(`invalid import ${path.join('.')}, must be rego.v1`, pathStart, p.prev.end);
  if (path[0] === 'future') checkFutureImport(p, path, pathStart);
  let alias: string | undefined;
  if (p.accept(Tok.As)) {
    const a = p.t;
    if (a.tok !== Tok.Ident) p.unexpected('var');
    p.next();
    alias = a.text;
    if (path[0] === 'future' || path[0] === 'rego') p.fail(`${path[0]} imports cannot be aliased`, a.start, a.end);
  }
  return { path, alias, loc: p.locFrom(kw.start) };
}

const futureKeywords = new Set(['in', 'every', 'contains', 'if', 'not']);

// future.keywords[.kw]: accepted no-ops in v1, except the experimental logic operators we do not support.
function checkFutureImport(p: ParserState, path: string[], start: number): void {
  if (path.length < 2 || path[1] !== 'keywords' || path.length > 3) p.fail('invalid import, must be future.keywords or future.keywords.<keyword>', start, p.prev.end);
  const kw = path[2];
  if (kw === 'and' || kw === 'or') p.fail(`not implemented: experimental keyword \`${kw}\` (future.keywords.${kw})`, start, p.prev.end);
  if (kw !== undefined && !futureKeywords.has(kw)) p.fail(`unexpected keyword, must be one of ${[...futureKeywords].join(', ')}`, start, p.prev.end);
}

const isScalar = (t: Term) => t.type === 'string' || t.type === 'number' || t.type === 'boolean' || t.type === 'null';

// rule = [ "default" ] head [ body ] { else }
// head = name { "." name | "[" term "]" } [ "(" args ")" ] [ "contains" term | (":=" | "=") term ]
function parseRule(p: ParserState): Rule[] {
  const start = p.t.start;
  const isDefault = !!p.accept(Tok.Default);
  const name = p.t;
  if (name.tok !== Tok.Ident) p.unexpected(isDefault ? 'rule name' : undefined);
  p.next();
  const parts: Term[] = [{ type: 'string', value: name.text, loc: p.loc(name.start, name.end) }];
  for (;;) {
    if (p.t.nlBefore) break;
    if (p.accept(Tok.Dot)) {
      const n = p.t;
      if (n.tok !== Tok.Ident && !isKeyword(n.tok)) p.unexpected('ident');
      p.next();
      parts.push({ type: 'string', value: n.text, loc: p.loc(n.start, n.end) });
    } else if (p.at(Tok.LBrack) && !p.t.wsBefore) {
      p.next();
      parts.push(parseTermIn(p, false));
      p.expect(Tok.RBrack);
    } else break;
  }
  let args: Term[] | undefined;
  if (p.at(Tok.LParen) && !p.t.wsBefore) {
    if (!parts.every((t) => t.type === 'string')) p.fail('invalid rule head: a function name must be a ref of strings', p.t.start, p.t.end);
    p.next();
    args = parseList(p, Tok.RParen);
  }
  let kind: RuleKind;
  let key: Term | undefined;
  let value: Term | undefined;
  let assign: ':=' | '=' | undefined;
  let ref = parts;
  let refTail: Term[] | undefined;
  const contains = p.accept(Tok.Contains);
  if (contains) {
    if (args) p.fail('contains keyword cannot be used with functions', contains.start, contains.end);
    if (isDefault) p.fail('default rules cannot use contains', contains.start, contains.end);
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
    if (isDefault) {
      if (!op) p.fail('default rules must have a value: default <name> := <value>', p.t.start, p.t.end);
      if (kind === 'partialobject') p.fail('default rules cannot have variables in the head', parts[firstVar].loc.start, parts[firstVar].loc.end);
    }
  }
  const headLoc = p.locFrom(start);
  let body: Body = [];
  if (p.accept(Tok.If)) {
    if (isDefault) p.fail('default rules must not have a body', p.prev.start, p.prev.end);
    body = parseRuleBody(p);
  } else if (p.at(Tok.LBrace)) {
    const b = p.t;
    if (kind === 'partialobject' && !assign && key) {
      p.fail('`contains` keyword is required for partial set rules (hint: write `p contains x if { ... }`; `p[x] { ... }` is Rego v0)', b.start, b.end);
    }
    p.fail('`if` keyword is required before rule body', b.start, b.end);
  } else if (!assign && !contains && !isDefault) {
    p.fail(`rule must have a value or a body (hint: write \`${name.text} if { ... }\` or \`${name.text} := <value>\`)`, name.start, p.prev.end);
  }
  const rule: Rule = { kind, isDefault, ref, args, key, value, assign, body, elses: [], loc: p.locFrom(start), headLoc };
  if (refTail) rule.refTail = refTail;
  if (rule.args === undefined) delete rule.args;
  if (rule.key === undefined) delete rule.key;
  if (rule.value === undefined) delete rule.value;
  if (rule.assign === undefined) delete rule.assign;
  // else = "else" [ (":=" | "=") term ] [ "if" ] ( "{" query "}" | literal )
  while (p.at(Tok.Else)) {
    const kw = p.next();
    if (kind === 'partialset' || kind === 'partialobject') p.fail('else keyword cannot be used on multi-value rules', kw.start, kw.end);
    if (isDefault) p.fail('else keyword cannot be used on default rules', kw.start, kw.end);
    let v: Term | undefined;
    if (p.accept(Tok.Assign) ?? p.accept(Tok.Unify)) v = parseTermIn(p, false);
    let eb: Body = [];
    if (p.accept(Tok.If)) eb = parseRuleBody(p);
    else if (p.at(Tok.LBrace)) eb = parseBraceBody(p);
    const e: Rule['elses'][number] = { body: eb, loc: p.locFrom(kw.start) };
    if (v) e.value = v;
    rule.elses.push(e);
    rule.loc = p.locFrom(start);
  }
  // Chained bodies `p if { a } { b }` define one more rule with the same head per body (no `if` needed, as OPA).
  const rules = [rule];
  while (body.length && p.at(Tok.LBrace)) {
    const b = p.t.start;
    rules.push({ ...rule, body: parseBraceBody(p), elses: [], loc: p.locFrom(b) });
  }
  return rules;
}

// rule-body = "{" query "}" | literal
function parseRuleBody(p: ParserState): Body {
  // `if {x: i | ...}` is a one-literal body made of a comprehension when the braces do not hold a query.
  if (p.at(Tok.LBrace) && p.peek().tok === Tok.RBrace) p.fail('found empty body', p.t.start, p.peek().end);
  if (p.at(Tok.LBrace)) return p.attempt(() => parseBraceBody(p)) ?? parseBraceBody(p, true);
  if (p.at(Tok.EOF)) p.unexpected('rule body');
  return [parseLiteral(p)];
}

function parseBraceBody(p: ParserState, literalFallback = false): Body {
  if (literalFallback) {
    const lit = p.attempt(() => parseLiteral(p));
    if (lit) return [lit];
  }
  p.expect(Tok.LBrace);
  const body = parseQuery(p, Tok.RBrace);
  p.expect(Tok.RBrace);
  return body;
}
