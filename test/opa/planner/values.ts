// Test-only Rego value model for the IR interpreter: JS scalars, arrays, and canonical-keyed
// objects and sets, with Rego's total order and JSON conversion.
export type V = null | boolean | number | string | V[] | RObject | RSet;

export class RObject {
  readonly m = new Map<string, [V, V]>();
  get(k: V): V | undefined {
    return this.m.get(canon(k))?.[1];
  }
  set(k: V, v: V): void {
    this.m.set(canon(k), [k, v]);
  }
  entries(): Array<[V, V]> {
    return [...this.m.values()].sort((a, b) => compare(a[0], b[0]));
  }
  get size(): number {
    return this.m.size;
  }
}

export class RSet {
  readonly m = new Map<string, V>();
  has(v: V): boolean {
    return this.m.has(canon(v));
  }
  add(v: V): void {
    this.m.set(canon(v), v);
  }
  values(): V[] {
    return [...this.m.values()].sort(compare);
  }
  get size(): number {
    return this.m.size;
  }
}

export function canon(v: V): string {
  if (v === null) return 'n';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return 'd' + String(v);
  if (typeof v === 'string') return 's' + JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
  if (v instanceof RObject) return '{' + v.entries().map(([k, x]) => canon(k) + ':' + canon(x)).join(',') + '}';
  return '<' + v.values().map(canon).join(',') + '>';
}

function rank(v: V): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 4;
  if (v instanceof RObject) return 5;
  return 6;
}

export function compare(a: V, b: V): number {
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'boolean') return Number(a) - Number(b as boolean);
  if (typeof a === 'number') return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  if (typeof a === 'string') return a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  if (Array.isArray(a)) return compareLists(a, b as V[]);
  if (a instanceof RObject) {
    const ea = a.entries(), eb = (b as RObject).entries();
    for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
      const c = compare(ea[i][0], eb[i][0]) || compare(ea[i][1], eb[i][1]);
      if (c) return c;
    }
    return ea.length - eb.length;
  }
  if (a instanceof RSet) return compareLists(a.values(), (b as RSet).values());
  return 0;
}

function compareLists(a: V[], b: V[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compare(a[i], b[i]);
    if (c) return c;
  }
  return a.length - b.length;
}

export function equal(a: V, b: V): boolean {
  return compare(a, b) === 0;
}

export function fromJSON(x: unknown): V {
  if (x === null || typeof x === 'boolean' || typeof x === 'number' || typeof x === 'string') return x;
  if (typeof x === 'bigint') return Number(x);
  if (Array.isArray(x)) return x.map(fromJSON);
  if (x instanceof RObject || x instanceof RSet) return x;
  const o = new RObject();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) o.set(k, fromJSON(v));
  return o;
}

/** JSON as the SDK would return it: sets become arrays (sorted), non-string keys become their JSON text. */
export function toJSON(v: V): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RSet) return v.values().map(toJSON);
  const o: Record<string, unknown> = {};
  for (const [k, x] of v.entries()) o[typeof k === 'string' ? k : JSON.stringify(toJSON(k))] = toJSON(x);
  return o;
}

export function typeName(v: V): string {
  return ['null', 'boolean', 'number', 'string', 'array', 'object', 'set'][rank(v)];
}
