// Encoding builtins missing from the SDK: hex.*, urlquery.*, base64url.encode_no_pad.
// Strings are UTF-8 byte sequences in OPA; decoded bytes that are not UTF-8 become U+FFFD here.
import type { HostBuiltin } from './index.ts';
import { S, arrayOf, setOf, anyOf, objOf, decl } from './types.ts';
import { fail, str, obj } from './errors.ts';
import { newObj } from './values.ts';

const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder('utf-8');

/** Go's %#U of a byte taken as a rune: U+0067 'g' (no quoted character when not printable). */
function goQuoteByte(c: number): string {
  const hex = 'U+' + c.toString(16).toUpperCase().padStart(4, '0');
  const printable = (c >= 0x20 && c < 0x7f) || c >= 0xa1 && c !== 0xad;
  return printable ? `${hex} '${String.fromCharCode(c)}'` : hex;
}

function hexDecode(s: string): string {
  // Go's hex.DecodeString on the UTF-8 bytes: an invalid byte (even the odd last one) is reported before the odd length.
  const src = utf8.encode(s);
  const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  const bad = (c: number): never => fail('hex.decode', `encoding/hex: invalid byte: ${goQuoteByte(c)}`);
  const bytes = new Uint8Array(src.length >> 1);
  for (let i = 0; i + 1 < src.length; i += 2) {
    if (!isHex(src[i]!)) bad(src[i]!);
    if (!isHex(src[i + 1]!)) bad(src[i + 1]!);
    bytes[i / 2] = parseInt(String.fromCharCode(src[i]!, src[i + 1]!), 16);
  }
  if (src.length % 2 !== 0) {
    if (!isHex(src[src.length - 1]!)) bad(src[src.length - 1]!);
    fail('hex.decode', 'encoding/hex: odd length hex string');
  }
  return utf8Decode.decode(bytes);
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's url.QueryUnescape; undefined for malformed escapes. */
export function queryUnescape(s: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c === '+') {
      bytes.push(0x20);
    } else {
      bytes.push(...utf8.encode(c));
    }
  }
  return utf8Decode.decode(new Uint8Array(bytes));
}

export const encodingBuiltins: HostBuiltin[] = [
  {
    name: 'hex.encode', impl: 'host', decl: decl([S], S),
    fn: (x) => Buffer.from(utf8.encode(str('hex.encode', x, 1))).toString('hex'),
  },
  {
    name: 'hex.decode', impl: 'host', decl: decl([S], S),
    fn: (x) => hexDecode(str('hex.decode', x, 1)),
  },
  {
    name: 'base64url.encode_no_pad', impl: 'host', decl: decl([S], S),
    fn: (x) => Buffer.from(utf8.encode(str('base64url.encode_no_pad', x, 1))).toString('base64url'),
  },
  {
    name: 'urlquery.encode', impl: 'host', decl: decl([S], S),
    fn: (x) => queryEscape(str('urlquery.encode', x, 1)),
  },
  {
    name: 'urlquery.decode', impl: 'host', decl: decl([S], S),
    fn: (x) => queryUnescape(str('urlquery.decode', x, 1)) ?? fail('urlquery.decode', 'invalid URL escape'),
  },
  {
    name: 'urlquery.encode_object', impl: 'host',
    decl: decl([objOf(S, anyOf(S, arrayOf(S), setOf(S)))], S),
    fn: (o) => {
      const name = 'urlquery.encode_object';
      const src = obj(name, o, 1);
      const parts: string[] = [];
      // url.Values.Encode: keys sorted, values in order.
      for (const k of Object.keys(src).sort()) {
        const v = src[k];
        const vs = typeof v === 'string' ? [v] : Array.isArray(v) ? v : fail(name, 'values must be strings, arrays or sets of strings');
        for (const e of vs) {
          if (typeof e !== 'string') fail(name, 'values must be strings, arrays or sets of strings');
          parts.push(queryEscape(k) + '=' + queryEscape(e));
        }
      }
      return parts.join('&');
    },
  },
  {
    name: 'urlquery.decode_object', impl: 'host', decl: decl([S], objOf(S, arrayOf(S))),
    fn: (x) => {
      const name = 'urlquery.decode_object';
      const out = newObj<string[]>();
      // url.ParseQuery: '&'-separated; a ';' or a bad escape is an error.
      for (const part of str(name, x, 1).split('&')) {
        if (part === '') continue;
        if (part.includes(';')) fail(name, 'invalid semicolon separator in query');
        const eq = part.indexOf('=');
        const k = queryUnescape(eq < 0 ? part : part.slice(0, eq));
        const v = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
        if (k === undefined || v === undefined) fail(name, 'invalid URL escape');
        (out[k] ??= []).push(v);
      }
      return out;
    },
  },
];
