// Parser state shared by the parse functions: the token array, position, diagnostics and
// the small expect/skip helpers that record an error so call sites stay one line.
import type { Loc } from './ast.ts';
import type { Diagnostic } from './diagnostics.ts';
import { Scanner, type Comment, type Token } from './scanner.ts';
import { Tok, tokNames, isKeyword } from './tokens.ts';

/** Thrown after a diagnostic is recorded; caught where the parser can resynchronise. */
export class Sync {
  readonly sync = true;
}
/** Thrown to stop parsing altogether (too many errors, nesting too deep). */
export class Abort {
  readonly abort = true;
}

export const MAX_ERRORS = 10;
/** Nesting limit for terms and bodies: deep enough for any real policy, shallow enough for the JS stack. */
export const MAX_DEPTH = 300;

export class ParserState {
  readonly toks: Token[] = [];
  readonly comments: Comment[];
  /** The whole file's bytes (offsets are absolute, also in sub-parsers). */
  readonly src: Buffer;
  i = 0;
  depth = 0;
  /** Experimental logic keywords enabled by `import future.keywords.and` / `.or`. */
  logicOps = new Set<string>();
  /** Inside attempt(): errors may be rolled back, so the error cap must not abort yet. */
  private trying = 0;

  /**
   * `base` shifts token offsets when scanning a slice of a file (template string expressions);
   * such a sub-parser shares the diagnostics of its parent.
   */
  constructor(readonly file: string, text: string | Buffer, base = 0, readonly diags: Diagnostic[] = [], whole?: Buffer) {
    const sc = new Scanner(text);
    for (;;) {
      const t = sc.next();
      t.start += base;
      t.end += base;
      this.toks.push(t);
      if (t.tok === Tok.EOF) break;
    }
    this.comments = sc.comments;
    this.src = whole ?? sc.src;
  }

  /** A parser for bytes [start, end) of this file (a template expression), sharing diagnostics and depth. */
  sub(start: number, end: number): ParserState {
    const p = new ParserState(this.file, this.src.subarray(start, end), start, this.diags, this.src);
    p.depth = this.depth;
    p.logicOps = this.logicOps;
    return p;
  }

  /**
   * At the start of a rule or literal, a keyword directly followed by '[' is the head of a ref
   * (`if[x] := 1`), as OPA reads it. (A following '.' is handled by the scanner.)
   */
  keywordAsRefHead(): void {
    const t = this.t, n = this.peek();
    if (isKeyword(t.tok) && n.tok === Tok.LBrack && !n.wsBefore) t.tok = Tok.Ident;
  }

  /** Whether a byte offset is at column 1. */
  lineStart(offset: number): boolean {
    return offset === 0 || this.src[offset - 1] === 0x0a;
  }

  get t(): Token { return this.toks[this.i]; }
  peek(n = 1): Token { return this.toks[Math.min(this.i + n, this.toks.length - 1)]; }
  at(k: Tok): boolean { return this.toks[this.i].tok === k; }
  /** The token just consumed. */
  get prev(): Token { return this.toks[Math.max(0, this.i - 1)]; }

  next(): Token {
    const t = this.toks[this.i];
    if (t.tok !== Tok.EOF) this.i++;
    return t;
  }

  accept(k: Tok): Token | undefined {
    return this.at(k) ? this.next() : undefined;
  }

  /** Consumes a token of kind k or reports `unexpected X token: expected Y`. */
  expect(k: Tok, what = tokNames[k]): Token {
    if (this.at(k)) return this.next();
    return this.unexpected(`expected ${what}`);
  }

  /** Reports the current token as unexpected, OPA style: `unexpected X token[: note]`. */
  unexpected(note?: string): never {
    const t = this.t;
    if (t.error) this.fail(t.error, t.start, t.end);
    if (t.tok === Tok.Illegal) this.fail(`illegal token`, t.start, t.end);
    const name = `${tokNames[t.tok]} ${isKeyword(t.tok) ? 'keyword' : 'token'}`;
    return this.fail(`unexpected ${name}${note ? `: ${note}` : ''}`, t.start, t.end);
  }

  /** Records a diagnostic and unwinds to the nearest recovery point. */
  fail(message: string, start: number, end: number): never {
    this.report(message, start, end);
    throw new Sync();
  }

  /** Records a diagnostic without unwinding. */
  report(message: string, start: number, end: number): void {
    this.diags.push({ code: 'rego_parse_error', message, loc: this.loc(start, end) });
    if (this.diags.length >= MAX_ERRORS && this.trying === 0) throw new Abort();
  }

  loc(start: number, end: number): Loc {
    return { file: this.file, start, end };
  }

  /** Location from `start` to the end of the last consumed token. */
  locFrom(start: number): Loc {
    return this.loc(start, Math.max(start, this.prev.end));
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) {
      this.report('max parsing recursion depth exceeded', this.t.start, this.t.end);
      throw new Abort();
    }
  }
  leave(): void { this.depth--; }

  /** Runs fn; on a parse error, restores the position and diagnostics and returns undefined. */
  attempt<T>(fn: () => T): T | undefined {
    const i = this.i, n = this.diags.length, depth = this.depth;
    this.trying++;
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof Sync)) throw e;
      this.i = i; this.diags.length = n; this.depth = depth;
      return undefined;
    } finally {
      this.trying--;
    }
  }
}
