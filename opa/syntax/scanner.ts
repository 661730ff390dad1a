// The Rego scanner: UTF-8 bytes -> tokens with byte ranges. It decides nothing about grammar.
import { Tok, keywords } from './tokens.ts';

export interface Token {
  tok: Tok;
  start: number;
  end: number;
  /** Identifier/keyword spelling, number text, decoded string value, or comment text (after '#'). */
  text: string;
  /** A newline was skipped between the previous token and this one (Rego separates literals by newlines). */
  nlBefore: boolean;
  /** Any whitespace or comment was skipped before this token. */
  wsBefore: boolean;
  /** Scanner problem with this token (bad escape, unterminated string...), reported by the parser. */
  error?: string;
}

export interface Comment { start: number; end: number; text: string }

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

export class Scanner {
  readonly src: Buffer;
  private pos = 0;
  readonly comments: Comment[] = [];

  constructor(text: string | Buffer) {
    this.src = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  }

  /** Next token; comments are collected in `comments`, never returned. */
  next(): Token {
    const s = this.src;
    let nl = false, ws = false;
    for (;;) {
      const c = s[this.pos];
      if (c === 0x0a) { nl = true; ws = true; this.pos++; continue; }
      if (c === 0x20 || c === 0x09 || c === 0x0d) { ws = true; this.pos++; continue; }
      if (c === 0x23) { this.scanComment(); ws = true; continue; }
      break;
    }
    const start = this.pos;
    this.nl = nl;
    this.ws = ws;
    if (start >= s.length) return this.tok(start, Tok.EOF, 0);
    const c = s[start], d = s[start + 1];
    if (isLetter(c)) {
      let e = start + 1;
      while (e < s.length && (isLetter(s[e]) || isDigit(s[e]))) e++;
      const word = s.toString('latin1', start, e);
      // A keyword directly followed by '.' is the head of a ref (`if.foo`, `default.x := 1`), as in OPA.
      // `contains(` is the builtin function of that name, not the rule keyword.
      const kw = s[e] === 0x2e || (s[e] === 0x28 && word === 'contains') ? undefined : keywords.get(word);
      return this.tok(start, kw ?? Tok.Ident, e - start, word);
    }
    if (isDigit(c)) return this.scanNumber(start, nl, ws);
    switch (c) {
      case 0x22: return this.scanString(start, nl, ws);
      case 0x60: return this.scanRawString(start, nl, ws);
      case 0x24: // '$' starts a template string $"..." or $`...`
        if (d === 0x22 || d === 0x60) return this.scanTemplate(start, nl, ws);
        break;
      case 0x7b: return this.tok(start, Tok.LBrace, 1);
      case 0x7d: return this.tok(start, Tok.RBrace, 1);
      case 0x5b: return this.tok(start, Tok.LBrack, 1);
      case 0x5d: return this.tok(start, Tok.RBrack, 1);
      case 0x28: return this.tok(start, Tok.LParen, 1);
      case 0x29: return this.tok(start, Tok.RParen, 1);
      case 0x2e: return this.tok(start, Tok.Dot, 1);
      case 0x2c: return this.tok(start, Tok.Comma, 1);
      case 0x3b: return this.tok(start, Tok.Semicolon, 1);
      case 0x3a: return d === 0x3d ? this.tok(start, Tok.Assign, 2) : this.tok(start, Tok.Colon, 1);
      case 0x3d: return d === 0x3d ? this.tok(start, Tok.Equal, 2) : this.tok(start, Tok.Unify, 1);
      case 0x21: if (d === 0x3d) return this.tok(start, Tok.Neq, 2); break;
      case 0x3c: return d === 0x3d ? this.tok(start, Tok.Lte, 2) : this.tok(start, Tok.Lt, 1);
      case 0x3e: return d === 0x3d ? this.tok(start, Tok.Gte, 2) : this.tok(start, Tok.Gt, 1);
      case 0x2b: return this.tok(start, Tok.Add, 1);
      case 0x2d: return this.tok(start, Tok.Sub, 1);
      case 0x2a: return this.tok(start, Tok.Mul, 1);
      case 0x2f: return this.tok(start, Tok.Quo, 1);
      case 0x25: return this.tok(start, Tok.Rem, 1);
      case 0x26: return this.tok(start, Tok.And, 1);
      case 0x7c: return this.tok(start, Tok.Or, 1);
    }
    // One illegal character (a whole UTF-8 sequence, so the message shows it intact).
    let len = 1;
    if (c >= 0xc0) while (start + len < s.length && (s[start + len] & 0xc0) === 0x80) len++;
    return this.tok(start, Tok.Illegal, len, s.toString('utf8', start, start + len));
  }

  private nl = false;
  private ws = false;

  private tok(start: number, t: Tok, len: number, text = ''): Token {
    this.pos = start + len;
    return { tok: t, start, end: this.pos, text, nlBefore: this.nl, wsBefore: this.ws };
  }

  private scanComment(): void {
    const s = this.src;
    const start = this.pos;
    let e = start;
    while (e < s.length && s[e] !== 0x0a) e++;
    let textEnd = e;
    if (textEnd > start && s[textEnd - 1] === 0x0d) textEnd--;
    this.comments.push({ start, end: e, text: s.toString('utf8', start + 1, textEnd) });
    this.pos = e;
  }

  // number = digits [ "." digits ] [ ("e"|"E") ["+"|"-"] digits ]   (sign handled by the parser)
  private scanNumber(start: number, nl: boolean, ws: boolean): Token {
    const s = this.src;
    let e = start;
    while (isDigit(s[e])) e++;
    if (s[e] === 0x2e && isDigit(s[e + 1])) { e++; while (isDigit(s[e])) e++; }
    let error: string | undefined;
    if (s[e] === 0x65 || s[e] === 0x45) {
      let f = e + 1;
      if (s[f] === 0x2b || s[f] === 0x2d) f++;
      if (isDigit(s[f])) { while (isDigit(s[f])) f++; e = f; } else { e = f; error = 'illegal number format'; }
    }
    // A number glued to letters (`1a`) is one bad token, as OPA reports it.
    if (isLetter(s[e] ?? 0)) { while (e < s.length && (isLetter(s[e]) || isDigit(s[e]))) e++; error = 'illegal number format'; }
    this.pos = e;
    return { tok: Tok.Number, start, end: e, text: s.toString('latin1', start, e), nlBefore: nl, wsBefore: ws, error };
  }

  // string = '"' { char | escape } '"'   with JSON escapes (\" \\ \/ \b \f \n \r \t \uXXXX)
  private scanString(start: number, nl: boolean, ws: boolean): Token {
    const s = this.src;
    let e = start + 1;
    let error: string | undefined;
    for (;;) {
      if (e >= s.length || s[e] === 0x0a) { error = 'non-terminated string'; break; }
      if (s[e] === 0x22) { e++; break; }
      if (s[e] === 0x5c) e += 2; else e++;
    }
    this.pos = Math.min(e, s.length);
    const end = this.pos;
    let text = '';
    if (!error) {
      const r = decodeEscapes(s.toString('utf8', start + 1, end - 1));
      text = r.value;
      error = r.error;
    }
    return { tok: Tok.String, start, end, text, nlBefore: nl, wsBefore: ws, error };
  }

  // raw string = '`' { any byte but '`' } '`'   (may span lines, no escapes)
  private scanRawString(start: number, nl: boolean, ws: boolean): Token {
    const s = this.src;
    let e = start + 1;
    while (e < s.length && s[e] !== 0x60) e++;
    const error = e >= s.length ? 'non-terminated raw string' : undefined;
    this.pos = Math.min(e + 1, s.length);
    return { tok: Tok.RawString, start, end: this.pos, text: s.toString('utf8', start + 1, e), nlBefore: nl, wsBefore: ws, error };
  }

  // template string = '$' ( '"' ... '"' | '`' ... '`' ) with `{expr}` parts; scanned whole, split by the parser.
  private scanTemplate(start: number, nl: boolean, ws: boolean): Token {
    const s = this.src;
    let end = skipTemplate(s, start + 1);
    let error: string | undefined;
    if (end < 0) {
      error = 'non-terminated template string';
      end = s.length;
      if (s[start + 1] === 0x22) { end = s.indexOf(0x0a, start); if (end < 0) end = s.length; }
    }
    this.pos = end;
    return { tok: Tok.TemplateString, start, end, text: '', nlBefore: nl, wsBefore: ws, error };
  }
}

/** Index after the closing quote of a '"' string or '`' raw string opening at q, or -1. */
function skipQuoted(s: Buffer, q: number): number {
  const quote = s[q];
  for (let i = q + 1; i < s.length; i++) {
    const c = s[i];
    if (c === quote) return i + 1;
    if (quote === 0x22 && c === 0x0a) return -1;
    if (quote === 0x22 && c === 0x5c) i++;
  }
  return -1;
}

/** Template strings nested deeper than this are refused (the skipping below recurses). */
const MAX_TEMPLATE_NESTING = 100;

/** Index of the '}' closing a template expression whose body starts at i, or -1. */
export function skipTemplateExpr(s: Buffer, i: number, nesting = 0): number {
  let depth = 1;
  while (i < s.length) {
    const c = s[i];
    if (c === 0x22 || c === 0x60) {
      i = skipQuoted(s, i);
      if (i < 0) return -1;
      continue;
    }
    if (c === 0x24 && (s[i + 1] === 0x22 || s[i + 1] === 0x60)) {
      if (nesting >= MAX_TEMPLATE_NESTING) return -1;
      i = skipTemplate(s, i + 1, nesting + 1);
      if (i < 0) return -1;
      continue;
    }
    if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i;
    i++;
  }
  return -1;
}

/** Index after the closing quote of a template string whose opening quote is at q, or -1. */
export function skipTemplate(s: Buffer, q: number, nesting = 0): number {
  const quote = s[q];
  let i = q + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === 0x5c) { i += quote === 0x22 || s[i + 1] === 0x7b ? 2 : 1; continue; }
    if (c === quote) return i + 1;
    if (quote === 0x22 && c === 0x0a) return -1;
    if (c === 0x7b) {
      const j = skipTemplateExpr(s, i + 1, nesting);
      if (j < 0) return -1;
      i = j + 1;
      continue;
    }
    i++;
  }
  return -1;
}

/** Resolves JSON escapes; surrogate pairs combine, lone surrogates become U+FFFD (as Go's JSON decoder does). */
export function decodeEscapes(body: string): { value: string; error?: string } {
  if (!body.includes('\\')) return { value: body };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') { out += ch; continue; }
    const e = body[++i];
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        const hex = body.slice(i + 1, i + 5);
        if (hex.length < 4 || ![...hex].every((h) => isHex(h.charCodeAt(0)))) return { value: out, error: 'illegal escape sequence' };
        let cp = parseInt(hex, 16);
        i += 4;
        if (cp >= 0xd800 && cp < 0xdc00) {
          const lo = /^\\u([0-9a-fA-F]{4})/.exec(body.slice(i + 1, i + 7));
          const lov = lo ? parseInt(lo[1], 16) : 0;
          if (lo && lov >= 0xdc00 && lov < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lov - 0xdc00); i += 6; }
          else cp = 0xfffd;
        } else if (cp >= 0xdc00 && cp < 0xe000) cp = 0xfffd;
        out += String.fromCodePoint(cp);
        break;
      }
      default: return { value: out, error: 'illegal escape sequence' };
    }
  }
  return { value: out };
}
