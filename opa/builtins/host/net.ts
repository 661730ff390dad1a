// CIDR builtins missing from the SDK: net.cidr_expand, net.cidr_is_valid, net.cidr_merge,
// net.cidr_overlap (deprecated alias of "CIDR contains IP"). Addresses parse as Go's net package.
import type { HostBuiltin } from './index.ts';
import { ANY, S, B, arrayOf, setOf, anyOf, objOf, tuple, decl } from './types.ts';

const STR_OR_TUPLE = anyOf(S, arrayOf(ANY));
const CONTAINS_ARG = anyOf(S, arrayOf(STR_OR_TUPLE), objOf(S, STR_OR_TUPLE), setOf(STR_OR_TUPLE));
import { fail, str } from './errors.ts';
import { setResult } from './values.ts';

export interface Addr { v6: boolean; value: bigint }

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // Go rejects leading zeros (ambiguous octal) since 1.17.
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  let tailV4: bigint | undefined;
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tailV4 = parseV4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    text = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!), tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

export function parseIp(s: string): Addr | undefined {
  if (s.includes(':')) {
    const v = parseV6(s);
    return v === undefined ? undefined : { v6: true, value: v };
  }
  const v = parseV4(s);
  return v === undefined ? undefined : { v6: false, value: v };
}

export interface Cidr { addr: Addr; bits: number }

export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIp(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (!addr || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (addr.v6 ? 128 : 32)) return undefined;
  return { addr, bits };
}

const width = (v6: boolean): number => (v6 ? 128 : 32);

function hostMask(v6: boolean, bits: number): bigint {
  return (1n << BigInt(width(v6) - bits)) - 1n;
}

export function formatIp(a: Addr): string {
  if (!a.v6) return [24n, 16n, 8n, 0n].map((s) => ((a.value >> s) & 255n).toString()).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((a.value >> BigInt(112 - 16 * i)) & 0xffffn));
  // Go prints IPv4-mapped addresses in dotted form.
  if (a.value >> 32n === 0xffffn) return '::ffff:' + formatIp({ v6: false, value: a.value & 0xffffffffn });
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on ties.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':');
}

const MAX_EXPAND = 1n << 20n;

/** Smallest list of CIDRs covering [lo, hi]. */
function rangeToCidrs(v6: boolean, lo: bigint, hi: bigint): string[] {
  const out: string[] = [];
  const w = width(v6);
  while (lo <= hi) {
    let size = 0;
    while (size < w && (lo & ((1n << BigInt(size + 1)) - 1n)) === 0n && lo + (1n << BigInt(size + 1)) - 1n <= hi) size++;
    out.push(`${formatIp({ v6, value: lo })}/${w - size}`);
    lo += 1n << BigInt(size);
  }
  return out;
}

/** The (key, address) pairs of a cidr_contains_matches operand; sets arrive as arrays (keys = indexes). */
function matchEntries(name: string, v: unknown, pos: number): Array<[unknown, string]> {
  const addr = (e: unknown): string => {
    if (typeof e === 'string') return e;
    if (Array.isArray(e) && e.length > 0 && typeof e[0] === 'string') return e[0];
    return fail(name, `operand ${pos}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((e, i) => [i, addr(e)]);
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, e]) => [k, addr(e)]);
  return fail(name, `operand ${pos} must be string, array, set or object`);
}

/** Inclusive address range of a CIDR or single IP. */
function range(name: string, s: string): { v6: boolean; lo: bigint; hi: bigint } {
  const c = parseCidr(s) ?? (() => {
    const a = parseIp(s);
    return a ? { addr: a, bits: width(a.v6) } : fail(name, `invalid CIDR or IP ${s}`);
  })();
  const mask = hostMask(c.addr.v6, c.bits);
  return { v6: c.addr.v6, lo: c.addr.value & ~mask, hi: c.addr.value | mask };
}

export const netBuiltins: HostBuiltin[] = [
  {
    name: 'net.cidr_contains_matches', impl: 'host',
    decl: decl([CONTAINS_ARG, CONTAINS_ARG], setOf(tuple(ANY, ANY))),
    fn: (a, b) => {
      const name = 'net.cidr_contains_matches';
      const xs = matchEntries(name, a, 1).map(([k, s]) => [k, range(name, s)] as const);
      const ys = matchEntries(name, b, 2).map(([k, s]) => [k, range(name, s)] as const);
      const out: unknown[] = [];
      for (const [kx, rx] of xs) {
        for (const [ky, ry] of ys) {
          if (rx.v6 === ry.v6 && rx.lo <= ry.lo && ry.hi <= rx.hi) out.push([kx, ky]);
        }
      }
      return setResult(out);
    },
  },
  {
    name: 'net.cidr_expand', impl: 'host', decl: decl([S], setOf(S)),
    fn: (c) => {
      const text = str('net.cidr_expand', c, 1);
      const cidr = parseCidr(text) ?? fail('net.cidr_expand', `invalid CIDR address: ${text}`);
      const mask = hostMask(cidr.addr.v6, cidr.bits);
      if (mask + 1n > MAX_EXPAND) fail('net.cidr_expand', 'CIDR too large to expand');
      const base = cidr.addr.value & ~mask;
      const out: string[] = [];
      for (let i = 0n; i <= mask; i++) out.push(formatIp({ v6: cidr.addr.v6, value: base + i }));
      return setResult(out);
    },
  },
  {
    name: 'net.cidr_is_valid', impl: 'host', decl: decl([S], B),
    fn: (c) => parseCidr(str('net.cidr_is_valid', c, 1)) !== undefined,
  },
  {
    name: 'net.cidr_overlap', impl: 'host', decl: decl([S, S], B),
    fn: (c, ip) => {
      const cidr = parseCidr(str('net.cidr_overlap', c, 1)) ?? fail('net.cidr_overlap', 'invalid CIDR');
      const a = parseIp(str('net.cidr_overlap', ip, 2)) ?? fail('net.cidr_overlap', 'invalid IP');
      if (a.v6 !== cidr.addr.v6) return false;
      const mask = hostMask(a.v6, cidr.bits);
      return (a.value & ~mask) === (cidr.addr.value & ~mask);
    },
  },
  {
    name: 'net.cidr_merge', impl: 'host', decl: decl([anyOf(arrayOf(anyOf(S)), setOf(S))], setOf(S)),
    fn: (xs) => {
      const name = 'net.cidr_merge';
      if (!Array.isArray(xs)) fail(name, 'operand 1 must be array or set of strings');
      const ranges: Array<{ v6: boolean; lo: bigint; hi: bigint }> = [];
      for (const x of xs) {
        if (typeof x !== 'string') fail(name, 'operand 1 must contain only strings');
        const c = parseCidr(x) ?? (() => {
          const a = parseIp(x);
          return a ? { addr: a, bits: width(a.v6) } : fail(name, `IP address ${x} is invalid`);
        })();
        const mask = hostMask(c.addr.v6, c.bits);
        ranges.push({ v6: c.addr.v6, lo: c.addr.value & ~mask, hi: c.addr.value | mask });
      }
      const out: string[] = [];
      for (const v6 of [false, true]) {
        const rs = ranges.filter((r) => r.v6 === v6).sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
        let cur: { lo: bigint; hi: bigint } | undefined;
        for (const r of rs) {
          if (cur && r.lo <= cur.hi + 1n) { if (r.hi > cur.hi) cur.hi = r.hi; continue; }
          if (cur) out.push(...rangeToCidrs(v6, cur.lo, cur.hi));
          cur = { lo: r.lo, hi: r.hi };
        }
        if (cur) out.push(...rangeToCidrs(v6, cur.lo, cur.hi));
      }
      return setResult(out);
    },
  },
];
