// Public entry points of the Rego v1 parser: modules, queries and single terms. Never throws on user input.
import type { Body, Module, Term } from './ast.ts';
import type { Diagnostic } from './diagnostics.ts';
import { parseQuery as parseQueryTokens } from './body.ts';
import { Abort, ParserState, Sync } from './parser-state.ts';
import { parseModuleTokens } from './module.ts';
import { parseTermIn } from './terms.ts';
import { Tok } from './tokens.ts';

export function parseModule(file: string, text: string): { module?: Module; diagnostics: Diagnostic[] } {
  const p = new ParserState(file, text);
  let module: Module | undefined;
  try {
    module = parseModuleTokens(p);
  } catch (e) {
    stackOverflow(p, e);
  }
  return p.diags.length || !module ? { diagnostics: p.diags } : { module, diagnostics: [] };
}

export function parseQuery(file: string, text: string): { body?: Body; diagnostics: Diagnostic[] } {
  const p = new ParserState(file, text);
  const body = whole(p, () => parseQueryTokens(p, Tok.EOF));
  return body && !p.diags.length ? { body, diagnostics: [] } : { diagnostics: p.diags };
}

export function parseTerm(file: string, text: string): { term?: Term; diagnostics: Diagnostic[] } {
  const p = new ParserState(file, text);
  const term = whole(p, () => parseTermIn(p, false));
  return term && !p.diags.length ? { term, diagnostics: [] } : { diagnostics: p.diags };
}

/** Runs a parse that must consume all input; parse errors become diagnostics. */
function whole<T>(p: ParserState, fn: () => T): T | undefined {
  try {
    if (p.at(Tok.EOF)) p.fail('empty input', 0, 0);
    const r = fn();
    if (!p.at(Tok.EOF)) p.unexpected();
    return r;
  } catch (e) {
    if (e instanceof Sync || e instanceof Abort) return undefined;
    stackOverflow(p, e);
    return undefined;
  }
}

/**
 * The depth limit keeps recursion well inside the JS stack; should a smaller stack still overflow,
 * the input is reported as too deeply nested rather than crashing the caller.
 */
function stackOverflow(p: ParserState, e: unknown): void {
  if (!(e instanceof RangeError)) throw e;
  p.diags.push({ code: 'rego_parse_error', message: 'nesting too deep', loc: p.loc(p.t.start, p.t.end) });
}
