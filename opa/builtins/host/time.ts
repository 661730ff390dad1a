// Time builtins: time.now_ns, parse_ns, parse_rfc3339_ns, parse_duration_ns, date, clock, weekday,
// add_date, format. Nanoseconds are bigint inside (int64 range, as OPA); results beyond 2^53 stay exact.
// Zones: "" / "UTC" = UTC, "Local" = the process zone, otherwise IANA names via Intl.
import type { HostBuiltin } from './index.ts';
import { S, N, TIME_ARG, tuple, anyOf, decl } from './types.ts';
import { fail, str } from './errors.ts';
import { nowNs } from './clock.ts';
import { tokenize, format, parse, NAMED_LAYOUTS, type Civil } from './time-layout.ts';

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;
const NS = 1_000_000_000n;

function fitNumber(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

type Zone = { kind: 'utc' } | { kind: 'local' } | { kind: 'iana'; name: string; fmt: Intl.DateTimeFormat; abbr: Intl.DateTimeFormat };

const zoneCache = new Map<string, Zone | undefined>();

function loadZone(name: string): Zone | undefined {
  if (name === '' || name === 'UTC') return { kind: 'utc' };
  if (name === 'Local') return { kind: 'local' };
  if (zoneCache.has(name)) return zoneCache.get(name);
  let z: Zone | undefined;
  try {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    const abbr = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' });
    z = { kind: 'iana', name, fmt, abbr };
  } catch {
    z = undefined;
  }
  zoneCache.set(name, z);
  return z;
}

/** Seconds east of UTC at the instant `ms` (milliseconds since the epoch). */
function offsetAt(z: Zone, ms: number): number {
  if (z.kind === 'utc') return 0;
  if (z.kind === 'local') return -new Date(ms).getTimezoneOffset() * 60;
  const secMs = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of z.fmt.formatToParts(new Date(secMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const d = new Date(0);
  d.setUTCFullYear(parts.year!, parts.month! - 1, parts.day!);
  d.setUTCHours(parts.hour!, parts.minute!, parts.second!, 0);
  return Math.round((d.getTime() - secMs) / 1000);
}

function zoneName(z: Zone, ms: number, offset: number): string {
  if (z.kind === 'utc') return 'UTC';
  if (z.kind === 'iana') {
    const n = z.abbr.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
    return /^[A-Z]{3,5}$/.test(n) ? n : '';
  }
  return offset === 0 ? 'UTC' : '';
}

function civil(ns: bigint, z: Zone): Civil {
  const ms = Number((ns - (((ns % 1_000_000n) + 1_000_000n) % 1_000_000n)) / 1_000_000n);
  const nsec = Number(((ns % NS) + NS) % NS);
  const offset = offsetAt(z, ms);
  const d = new Date(ms + offset * 1000);
  const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
  const start = new Date(0);
  start.setUTCFullYear(d.getUTCFullYear(), 0, 1);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), nsec,
    weekday: d.getUTCDay(), yday: Math.floor((d.getTime() - start.getTime()) / 86_400_000) + 1 + 0 * jan1,
    offset, zoneName: zoneName(z, ms, offset),
  };
}

/** The (ns, zone[, layout]) argument of the time builtins. */
function timeArg(name: string, x: unknown, allowLayout = false): { ns: bigint; zone: Zone; layout?: string } {
  let nsv: unknown = x, tz = 'UTC', layout: string | undefined;
  if (Array.isArray(x)) {
    if (x.length !== 2 && !(allowLayout && x.length === 3)) fail(name, 'operand 1 must be number or [number, string]');
    nsv = x[0];
    tz = str(name, x[1], 1);
    if (x.length === 3) layout = str(name, x[2], 1);
  }
  let ns: bigint;
  if (typeof nsv === 'bigint') ns = nsv;
  else if (typeof nsv === 'number' && Number.isInteger(nsv)) ns = BigInt(nsv);
  else if (typeof nsv === 'number') return fail(name, 'timestamp too big');
  else return fail(name, 'operand 1 must be number or [number, string]');
  if (ns < INT64_MIN || ns > INT64_MAX) fail(name, 'timestamp too big');
  const zone = loadZone(tz) ?? fail(name, `unknown time zone ${tz}`);
  return { ns, zone, layout };
}

/** Nanoseconds of a parsed civil time (UTC unless the value carried an offset), int64-checked. */
function toNs(name: string, p: { year: number; month: number; day: number; hour: number; minute: number; second: number; nsec: number; offset?: number }): bigint {
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute, p.second, 0);
  if (!Number.isFinite(d.getTime())) fail(name, 'time outside of valid range');
  const ns = (BigInt(d.getTime()) / 1000n - BigInt(p.offset ?? 0)) * NS + BigInt(p.nsec);
  if (ns < INT64_MIN || ns > INT64_MAX) fail(name, 'time outside of valid range');
  return ns;
}

function parseWithLayout(name: string, layout: string, value: string): bigint {
  const p = parse(tokenize(NAMED_LAYOUTS[layout] ?? layout), value) ?? fail(name, `cannot parse ${JSON.stringify(value)} as ${JSON.stringify(layout)}`);
  return toNs(name, p);
}

const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: NS, m: 60n * NS, h: 3600n * NS };

/** Go's time.ParseDuration, exact. */
function parseDuration(name: string, s: string): bigint {
  const bad = (): never => fail(name, `time: invalid duration ${JSON.stringify(s)}`);
  let rest = s, neg = false;
  if (rest[0] === '-' || rest[0] === '+') { neg = rest[0] === '-'; rest = rest.slice(1); }
  if (rest === '0') return 0n;
  if (rest === '') bad();
  // Sum in units of 1e-9 ns so fractions of a nanosecond round like Go (truncation).
  let total = 0n;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m || (m[1] === '' && !m[2])) bad();
    const unit = UNIT_NS[m![3]!]!;
    const whole = BigInt(m![1] || '0');
    const fracDigits = m![2] ?? '';
    const frac = fracDigits === '' ? 0n : (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    total += whole * unit + frac;
    if (total > 2n ** 63n) bad();
    rest = rest.slice(m![0].length);
  }
  const v = neg ? -total : total;
  if (v < INT64_MIN || v > INT64_MAX) bad();
  return v;
}

export const timeBuiltins: HostBuiltin[] = [
  {
    name: 'time.now_ns', impl: 'host', nondeterministic: true, decl: decl([], N),
    fn: () => fitNumber(nowNs()),
  },
  {
    name: 'time.parse_ns', impl: 'host', decl: decl([S, S], N),
    fn: (layout, value) => fitNumber(parseWithLayout('time.parse_ns', str('time.parse_ns', layout, 1), str('time.parse_ns', value, 2))),
  },
  {
    name: 'time.parse_rfc3339_ns', impl: 'host', decl: decl([S], N),
    fn: (value) => fitNumber(parseWithLayout('time.parse_rfc3339_ns', 'RFC3339', str('time.parse_rfc3339_ns', value, 1))),
  },
  {
    name: 'time.parse_duration_ns', impl: 'host', decl: decl([S], N),
    fn: (d) => fitNumber(parseDuration('time.parse_duration_ns', str('time.parse_duration_ns', d, 1))),
  },
  {
    name: 'time.date', impl: 'host', decl: decl([TIME_ARG], tuple(N, N, N)),
    fn: (x) => {
      const { ns, zone } = timeArg('time.date', x);
      const c = civil(ns, zone);
      return [c.year, c.month, c.day];
    },
  },
  {
    name: 'time.clock', impl: 'host', decl: decl([TIME_ARG], tuple(N, N, N)),
    fn: (x) => {
      const { ns, zone } = timeArg('time.clock', x);
      const c = civil(ns, zone);
      return [c.hour, c.minute, c.second];
    },
  },
  {
    name: 'time.weekday', impl: 'host', decl: decl([TIME_ARG], S),
    fn: (x) => {
      const { ns, zone } = timeArg('time.weekday', x);
      return ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][civil(ns, zone).weekday];
    },
  },
  {
    name: 'time.add_date', impl: 'host', decl: decl([N, N, N, N], N),
    fn: (t, y, m, d) => {
      const name = 'time.add_date';
      const { ns } = timeArg(name, t);
      const [dy, dm, dd] = [y, m, d].map((v, i) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) fail(name, `operand ${i + 2} must be an integer`);
        return v as number;
      });
      const c = civil(ns, { kind: 'utc' });
      // Go's AddDate normalises overflowing months and days exactly like Date.UTC does.
      const r = toNs(name, { ...c, year: c.year + dy!, month: c.month + dm!, day: c.day + dd!, offset: 0 });
      return fitNumber(r);
    },
  },
  {
    name: 'time.format', impl: 'host', decl: decl([anyOf(N, tuple(N, S), tuple(N, S, S))], S),
    fn: (x) => {
      const { ns, zone, layout } = timeArg('time.format', x, true);
      const l = layout ?? 'RFC3339Nano';
      return format(tokenize(NAMED_LAYOUTS[l] ?? l), civil(ns, zone));
    },
  },
];
