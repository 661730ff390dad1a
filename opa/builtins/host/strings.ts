// String builtins missing from the SDK: strings.reverse/count/any_prefix_match/any_suffix_match,
// glob.quote_meta, indexof_n, strings.split_n, trace.
import type { HostBuiltin } from './index.ts';
import { S, N, B, arrayOf, setOf, anyOf, decl } from './types.ts';
import { fail, str } from './errors.ts';

const STRINGISH = anyOf(S, arrayOf(S), setOf(S));

/** A string or a collection of strings (sets arrive as arrays). */
function stringList(name: string, v: unknown, pos: number): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    return v.map((e) => (typeof e === 'string' ? e : fail(name, `operand ${pos} must be string, array or set of strings`)));
  }
  return fail(name, `operand ${pos} must be one of {string, array, set}`);
}

/** Go's strings.Count: non-overlapping occurrences; an empty needle counts rune boundaries. */
function countOccurrences(s: string, sub: string): number {
  if (sub === '') return [...s].length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

// gobwas/glob's special characters, escaped by glob.quote_meta.
const GLOB_SPECIAL = new Set(['*', '?', '\\', '[', ']', '{', '}']);

export const stringBuiltins: HostBuiltin[] = [
  {
    name: 'strings.reverse', impl: 'host', decl: decl([S], S),
    fn: (x) => [...str('strings.reverse', x, 1)].reverse().join(''),
  },
  {
    name: 'strings.count', impl: 'host', decl: decl([S, S], N),
    fn: (s, sub) => countOccurrences(str('strings.count', s, 1), str('strings.count', sub, 2)),
  },
  {
    name: 'strings.any_prefix_match', impl: 'host', decl: decl([STRINGISH, STRINGISH], B),
    fn: (search, base) => {
      const xs = stringList('strings.any_prefix_match', search, 1);
      const ps = stringList('strings.any_prefix_match', base, 2);
      return xs.some((x) => ps.some((p) => x.startsWith(p)));
    },
  },
  {
    name: 'strings.any_suffix_match', impl: 'host', decl: decl([STRINGISH, STRINGISH], B),
    fn: (search, base) => {
      const xs = stringList('strings.any_suffix_match', search, 1);
      const ps = stringList('strings.any_suffix_match', base, 2);
      return xs.some((x) => ps.some((p) => x.endsWith(p)));
    },
  },
  {
    name: 'glob.quote_meta', impl: 'host', decl: decl([S], S),
    fn: (p) => [...str('glob.quote_meta', p, 1)].map((c) => (GLOB_SPECIAL.has(c) ? '\\' + c : c)).join(''),
  },
  {
    name: 'indexof_n', impl: 'host', decl: decl([S, S], arrayOf(N)),
    fn: (haystack, needle) => {
      const h = [...str('indexof_n', haystack, 1)];
      const n = [...str('indexof_n', needle, 2)];
      if (n.length === 0) fail('indexof_n', 'empty search character');
      const out: number[] = [];
      // Overlapping matches, positions counted in code points (OPA counts runes).
      for (let i = 0; i + n.length <= h.length; i++) {
        if (n.every((c, j) => h[i + j] === c)) out.push(i);
      }
      return out;
    },
  },
  {
    name: 'strings.split_n', impl: 'host', decl: decl([S, S, N], arrayOf(S)),
    fn: (s, sep, n) => {
      const text = str('strings.split_n', s, 1), d = str('strings.split_n', sep, 2);
      if (typeof n !== 'number' || !Number.isInteger(n)) fail('strings.split_n', 'operand 3 must be an integer');
      return goSplitN(text, d, n);
    },
  },
  {
    // OPA's trace only emits a note when tracing is on; the value is always true.
    name: 'trace', impl: 'host', decl: decl([S], B),
    fn: (note) => (str('trace', note, 1), true),
  },
];

/** Go's strings.SplitN. */
function goSplitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const runes = [...s];
    if (n < 0 || n >= runes.length) return runes;
    return [...runes.slice(0, n - 1), runes.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}
