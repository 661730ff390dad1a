// units.parse (SI and binary suffixes, "m" = milli) and units.parse_bytes; exact rational arithmetic,
// integers beyond 2^53 come back as bigint (written exactly into the module).
import type { HostBuiltin } from './index.ts';
import { S, N, decl } from './types.ts';
import { fail, str } from './errors.ts';

const K = 1000n, KI = 1024n;
const pow = (b: bigint, e: number): bigint => b ** BigInt(e);

// units.parse: the first letter is case-sensitive (m = milli, M = mega), the rest is not.
const SI: Record<string, [bigint, bigint]> = {
  '': [1n, 1n], m: [1n, 1000n],
  k: [K, 1n], K: [K, 1n], ki: [KI, 1n], Ki: [KI, 1n],
  M: [pow(K, 2), 1n], mi: [pow(KI, 2), 1n], Mi: [pow(KI, 2), 1n],
  g: [pow(K, 3), 1n], G: [pow(K, 3), 1n], gi: [pow(KI, 3), 1n], Gi: [pow(KI, 3), 1n],
  t: [pow(K, 4), 1n], T: [pow(K, 4), 1n], ti: [pow(KI, 4), 1n], Ti: [pow(KI, 4), 1n],
  p: [pow(K, 5), 1n], P: [pow(K, 5), 1n], pi: [pow(KI, 5), 1n], Pi: [pow(KI, 5), 1n],
  e: [pow(K, 6), 1n], E: [pow(K, 6), 1n], ei: [pow(KI, 6), 1n], Ei: [pow(KI, 6), 1n],
};

// units.parse_bytes: case-insensitive, optional trailing "b".
const BYTES: Record<string, bigint> = { '': 1n };
['k', 'm', 'g', 't', 'p', 'e'].forEach((p, i) => {
  BYTES[p] = BYTES[p + 'b'] = pow(K, i + 1);
  BYTES[p + 'i'] = BYTES[p + 'ib'] = pow(KI, i + 1);
});

/** Split "1.5Gi" into a decimal rational and the unit suffix. */
function split(name: string, raw: string): { num: bigint; den: bigint; unit: string } {
  const s = raw.replace(/"/g, '');
  if (s.includes(' ')) fail(name, 'spaces not allowed in resource strings');
  const m = /^([0-9.]*)(.*)$/s.exec(s)!;
  const digits = m[1]!, unit = m[2]!;
  if (digits === '') fail(name, 'no amount provided');
  const d = /^(\d*)(?:\.(\d*))?$/.exec(digits);
  if (!d || (d[1] === '' && !d[2])) fail(name, 'could not parse amount to a number');
  const frac = d[2] ?? '';
  return { num: BigInt((d[1] || '0') + frac), den: 10n ** BigInt(frac.length), unit };
}

function toNumber(num: bigint, den: bigint): number | bigint {
  if (num % den === 0n) {
    const q = num / den;
    return q >= BigInt(Number.MIN_SAFE_INTEGER) && q <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(q) : q;
  }
  return Number(num) / Number(den);
}

export const unitsBuiltins: HostBuiltin[] = [
  {
    name: 'units.parse', impl: 'host', decl: decl([S], N),
    fn: (x) => {
      const { num, den, unit } = split('units.parse', str('units.parse', x, 1));
      const u = unit.length > 1 ? unit[0] + unit.slice(1).toLowerCase() : unit;
      const f = SI[u] ?? fail('units.parse', `unit ${JSON.stringify(unit)} not recognized`);
      return toNumber(num * f[0], den * f[1]);
    },
  },
  {
    name: 'units.parse_bytes', impl: 'host', decl: decl([S], N),
    fn: (x) => {
      const { num, den, unit } = split('units.parse_bytes', str('units.parse_bytes', x, 1).toLowerCase());
      const f = BYTES[unit] ?? fail('units.parse_bytes', `byte unit ${JSON.stringify(unit)} not recognized`);
      return toNumber((num * f) / den, 1n); // truncated to an integer, as OPA
    },
  },
];
