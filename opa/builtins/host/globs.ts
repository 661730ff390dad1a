// regex.globs_match: whether two "glob regexes" (literals, '.', [classes], escapes, and the
// quantifiers * + ?) match at least one common string — an emptiness test on the product of
// their automata, like the glob-intersection library OPA uses.
import type { HostBuiltin } from './index.ts';
import { S, B, decl } from './types.ts';
import { fail, str } from './errors.ts';

const NAME = 'regex.globs_match';

/** A character set: '.' (any), or ranges, possibly negated. */
interface CharSet { any: boolean; neg: boolean; ranges: Array<[number, number]> }
interface Tok { set: CharSet; q: '' | '*' | '?' }

function bad(input: string, pos: number, msg: string): never {
  return fail(NAME, `input:${input}, pos:${pos}, ${msg}: the input provided is invalid`);
}

function parse(p: string): Tok[] {
  const cps = [...p];
  const toks: Tok[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    let set: CharSet;
    if (c === '*' || c === '+' || c === '?') {
      const last = toks[toks.length - 1];
      if (!last || last.q !== '') bad(p, i + 1, `quantifier '${c}' with nothing to repeat`);
      if (c === '+') toks.push({ set: last!.set, q: '*' });
      else last!.q = c;
      continue;
    }
    if (c === ']') bad(p, i + 1, "set-close ']' with no preceding '['");
    if (c === '.') set = { any: true, neg: false, ranges: [] };
    else if (c === '\\') {
      const n = cps[++i];
      if (n === undefined) bad(p, i, 'trailing escape');
      set = { any: false, neg: false, ranges: [[n!.codePointAt(0)!, n!.codePointAt(0)!]] };
    } else if (c === '[') {
      const ranges: Array<[number, number]> = [];
      let neg = false;
      let j = i + 1;
      if (cps[j] === '^') { neg = true; j++; }
      for (; j < cps.length && cps[j] !== ']'; j++) {
        let lo = cps[j]!;
        if (lo === '\\') { lo = cps[++j] ?? bad(p, j, 'trailing escape'); }
        let hi = lo;
        if (cps[j + 1] === '-' && cps[j + 2] !== undefined && cps[j + 2] !== ']') {
          hi = cps[j + 2]!;
          if (hi === '\\') { hi = cps[j + 3] ?? bad(p, j + 3, 'trailing escape'); j++; }
          j += 2;
        }
        if (hi.codePointAt(0)! < lo.codePointAt(0)!) bad(p, j + 1, 'invalid range');
        ranges.push([lo.codePointAt(0)!, hi.codePointAt(0)!]);
      }
      if (j >= cps.length) bad(p, j, "set-open '[' with no closing ']'");
      i = j;
      set = { any: false, neg, ranges };
    } else if ('()|{}'.includes(c)) {
      return bad(p, i + 1, `unsupported character '${c}'`);
    } else {
      set = { any: false, neg: false, ranges: [[c.codePointAt(0)!, c.codePointAt(0)!]] };
    }
    toks.push({ set, q: '' });
  }
  return toks;
}

const inRanges = (cp: number, rs: Array<[number, number]>): boolean => rs.some(([a, b]) => cp >= a && cp <= b);

function intersects(a: CharSet, b: CharSet): boolean {
  if (a.any) return b.any || b.neg || b.ranges.length > 0;
  if (b.any) return intersects(b, a);
  if (!a.neg && !b.neg) return a.ranges.some(([x1, x2]) => b.ranges.some(([y1, y2]) => x1 <= y2 && y1 <= x2));
  if (a.neg && b.neg) return true; // two complements of finite sets always share characters
  const [pos, negSet] = a.neg ? [b, a] : [a, b];
  // Some character of the positive set lies outside the negated ranges.
  for (const [lo, hi] of pos.ranges) {
    let cp = lo;
    while (cp <= hi) {
      const r = negSet.ranges.find(([x, y]) => cp >= x && cp <= y);
      if (!r) return true;
      cp = r[1] + 1;
    }
  }
  return false;
}

/** States reachable from i by skipping optional tokens. */
function closure(toks: Tok[], i: number): number[] {
  const out = [i];
  while (i < toks.length && toks[i]!.q !== '') out.push(++i);
  return out;
}

function nonEmpty(a: Tok[], b: Tok[]): boolean {
  const seen = new Set<string>();
  const queue: Array<[number, number]> = [];
  const push = (i: number, j: number): void => {
    for (const x of closure(a, i)) for (const y of closure(b, j)) {
      const k = `${x},${y}`;
      if (!seen.has(k)) { seen.add(k); queue.push([x, y]); }
    }
  };
  push(0, 0);
  while (queue.length > 0) {
    const [i, j] = queue.shift()!;
    if (i === a.length && j === b.length) return true;
    if (i === a.length || j === b.length) continue;
    const ta = a[i]!, tb = b[j]!;
    if (!intersects(ta.set, tb.set)) continue;
    // Consume one character on both sides; '*' tokens may stay on their state.
    push(ta.q === '*' ? i : i + 1, tb.q === '*' ? j : j + 1);
    if (ta.q === '*') push(i + 1, tb.q === '*' ? j : j + 1);
    if (tb.q === '*') push(ta.q === '*' ? i : i + 1, j + 1);
    push(i + 1, j + 1);
  }
  return false;
}

export const globsBuiltins: HostBuiltin[] = [
  {
    name: NAME, impl: 'host', decl: decl([S, S], B),
    fn: (g1, g2) => nonEmpty(parse(str(NAME, g1, 1)), parse(str(NAME, g2, 2))),
  },
];
