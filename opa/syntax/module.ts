// Module grammar: package, imports and rules, with error recovery per statement.
import type { Annotations, Import, Module } from './ast.ts';
import { findMetadataBlocks, type MetadataBlock } from './annotations.ts';
import { Abort, Sync, type ParserState } from './parser-state.ts';
import { parseRule } from './rule.ts';
import { Tok, keywords, isKeyword } from './tokens.ts';

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
      p.keywordAsRefHead();
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
      if (n.tok !== Tok.Ident && !isKeyword(n.tok)) p.unexpected('expected ident');
      p.next();
      path.push(n.text);
    } else if (p.at(Tok.LBrack) && !p.t.wsBefore) {
      p.next();
      const s = p.t;
      if (s.tok !== Tok.String && s.tok !== Tok.RawString) p.unexpected('expected string');
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
  const pathEnd = p.prev.end;
  if (!importRoots.has(path[0])) {
    p.fail(`unexpected import path, must begin with one of: {data, future, input, rego}, got: ${path[0]} (hint: if this is unexpected, try updating OPA)`, pathStart, pathEnd);
  }
  let alias: string | undefined;
  if (p.accept(Tok.As)) {
    const a = p.t;
    if (a.tok !== Tok.Ident) p.unexpected('expected var');
    p.next();
    alias = a.text;
  }
  if (path[0] === 'rego' && (path.length !== 2 || path[1] !== 'v1')) p.fail(`invalid import \`${path.join('.')}\`, must be \`rego.v1\``, pathStart, pathEnd);
  if (path[0] === 'future') checkFutureImport(p, path, alias, pathStart, pathEnd);
  if (!alias && path[0] !== 'future' && keywords.has(path[path.length - 1])) {
    p.fail(`unexpected import path, must not end with a keyword, got: ${path[path.length - 1]} (hint: import a different path or use an alias)`, pathStart, pathEnd);
  }
  return alias === undefined ? { path, loc: p.locFrom(kw.start) } : { path, alias, loc: p.locFrom(kw.start) };
}

/** The v0 future keywords (no-ops in v1) and `not` (for `not { ... }` bodies, which we refuse where used). */
const futureKeywords = ['contains', 'every', 'if', 'in', 'not'];

// future.keywords[.kw]: accepted no-ops in v1, except the experimental logic operators, which turn
// `and` / `or` into keywords for the rest of the module.
function checkFutureImport(p: ParserState, path: string[], alias: string | undefined, start: number, end: number): void {
  if (path.length < 2 || path[1] !== 'keywords' || path.length > 3) p.fail('invalid import, must be `future.keywords`', start, end);
  if (alias !== undefined) p.fail('`future` imports cannot be aliased', start, end);
  const kw = path[2];
  if (kw === 'and' || kw === 'or') {
    p.logicOps.add(kw);
    return;
  }
  if (kw !== undefined && !futureKeywords.includes(kw)) p.fail(`unexpected keyword, must be one of [${futureKeywords.join(' ')}]`, start, end);
}
