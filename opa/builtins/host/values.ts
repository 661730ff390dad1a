// JSON-value helpers shared by the host families: Rego ordering, equality, and exact JSON text
// (host results may carry bigint for integers beyond 2^53, e.g. nanosecond timestamps).
import { isObject } from './errors.ts';

function rank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'boolean': return 1;
    case 'number': case 'bigint': return 2;
    case 'string': return 3;
  }
  return Array.isArray(v) ? 4 : 5;
}

function compareNum(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a), y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Rego's total order on values (sets arrive as arrays, so arrays stand in for both). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0: return 0;
    case 1: return (a as boolean) === (b as boolean) ? 0 : a ? 1 : -1;
    case 2: return compareNum(a as number, b as number);
    case 3: return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 4: {
      const x = a as unknown[], y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default: {
      const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
      const kx = Object.keys(x).sort(), ky = Object.keys(y).sort();
      for (let i = 0; i < Math.min(kx.length, ky.length); i++) {
        const c = compareValues(kx[i], ky[i]) || compareValues(x[kx[i]!], y[ky[i]!]);
        if (c !== 0) return c;
      }
      return kx.length - ky.length;
    }
  }
}

/** A fresh object for user-controlled keys (no prototype, so "__proto__" is an ordinary key). */
export function newObj<T = unknown>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}

/** A set result: sorted, duplicates removed (the SDK can only carry it as an array). */
export function setResult(items: unknown[]): unknown[] {
  const sorted = [...items].sort(compareValues);
  return sorted.filter((v, i) => i === 0 || compareValues(sorted[i - 1], v) !== 0);
}

/** JSON text of a host result; bigint integers are written exactly. */
export function toJsonText(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`internal: non-finite number ${v} in a host result`);
    return JSON.stringify(v);
  }
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(toJsonText).join(',') + ']';
  if (isObject(v)) {
    return '{' + Object.keys(v).map((k) => JSON.stringify(k) + ':' + toJsonText(v[k])).join(',') + '}';
  }
  throw new Error(`internal: host result is not a JSON value (${typeof v})`);
}
