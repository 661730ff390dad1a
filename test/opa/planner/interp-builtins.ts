// Test-only JS implementations of common builtins for the IR interpreter (throw = undefined).
import { RObject, RSet, compare, equal, typeName, toJSON, fromJSON, type V } from './values.ts';

const num = (v: V): number => {
  if (typeof v !== 'number') throw new Error('not a number');
  return v;
};
const str = (v: V): string => {
  if (typeof v !== 'string') throw new Error('not a string');
  return v;
};
const coll = (v: V): V[] => {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  throw new Error('not a collection');
};
const setOf = (v: V): RSet => {
  if (!(v instanceof RSet)) throw new Error('not a set');
  return v;
};
const obj = (v: V): RObject => {
  if (!(v instanceof RObject)) throw new Error('not an object');
  return v;
};
const mkset = (xs: V[]): RSet => {
  const s = new RSet();
  xs.forEach((x) => s.add(x));
  return s;
};
const intOnly = (n: number) => {
  if (!Number.isInteger(n)) throw new Error('not an integer');
  return n;
};

function member(x: V, c: V): boolean {
  if (Array.isArray(c)) return c.some((e) => equal(e, x));
  if (c instanceof RSet) return c.has(x);
  if (c instanceof RObject) return c.entries().some(([, v]) => equal(v, x));
  return false;
}

function walk(v: V, path: V[], out: V[]): void {
  out.push([[...path], v]);
  if (Array.isArray(v)) v.forEach((e, i) => walk(e, [...path, i], out));
  else if (v instanceof RObject) for (const [k, e] of v.entries()) walk(e, [...path, k], out);
  else if (v instanceof RSet) for (const e of v.values()) walk(e, [...path, e], out);
}

function sprintf(f: string, args: V[]): string {
  let i = 0;
  return f.replace(/%([-+ 0#]*\d*(?:\.\d+)?)([a-zA-Z%])/g, (_m, _flags, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'd') return String(Math.trunc(num(a)));
    if (verb === 's' && typeof a === 'string') return a;
    if (verb === 'v' || verb === 's') return typeof a === 'string' ? a : fmt(a);
    return fmt(a);
  });
}

function fmt(v: V): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof RSet) return v.size ? '{' + v.values().map(fmt).join(', ') + '}' : 'set()';
  if (Array.isArray(v)) return '[' + v.map(fmt).join(', ') + ']';
  if (v instanceof RObject) return '{' + v.entries().map(([k, x]) => fmt(k) + ': ' + fmt(x)).join(', ') + '}';
  return String(v);
}

export const interpBuiltins: Record<string, (...a: V[]) => V | undefined> = {
  plus: (a, b) => num(a) + num(b),
  minus: (a, b) => {
    if (a instanceof RSet && b instanceof RSet) return mkset(a.values().filter((x) => !b.has(x)));
    return num(a) - num(b);
  },
  mul: (a, b) => num(a) * num(b),
  div: (a, b) => {
    if (num(b) === 0) throw new Error('divide by zero');
    return num(a) / num(b);
  },
  rem: (a, b) => {
    if (num(b) === 0) throw new Error('modulo by zero');
    return intOnly(num(a)) % intOnly(num(b));
  },
  abs: (a) => Math.abs(num(a)),
  round: (a) => Math.sign(num(a)) * Math.round(Math.abs(num(a))),
  ceil: (a) => Math.ceil(num(a)),
  floor: (a) => Math.floor(num(a)),
  equal: (a, b) => equal(a, b),
  neq: (a, b) => !equal(a, b),
  lt: (a, b) => compare(a, b) < 0,
  lte: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  gte: (a, b) => compare(a, b) >= 0,
  and: (a, b) => mkset(setOf(a).values().filter((x) => setOf(b).has(x))),
  or: (a, b) => mkset([...setOf(a).values(), ...setOf(b).values()]),
  intersection: (s) => {
    const sets = setOf(s).values().map(setOf);
    if (!sets.length) return new RSet();
    return mkset(sets[0].values().filter((x) => sets.every((t) => t.has(x))));
  },
  union: (s) => mkset(setOf(s).values().flatMap((t) => setOf(t).values())),
  count: (a) => {
    if (typeof a === 'string') return [...a].length;
    if (a instanceof RObject) return a.size;
    return coll(a).length;
  },
  sum: (a) => coll(a).reduce<number>((x, y) => x + num(y), 0),
  product: (a) => coll(a).reduce<number>((x, y) => x * num(y), 1),
  max: (a) => {
    const xs = coll(a);
    return xs.length ? xs.reduce((x, y) => (compare(x, y) >= 0 ? x : y)) : undefined;
  },
  min: (a) => {
    const xs = coll(a);
    return xs.length ? xs.reduce((x, y) => (compare(x, y) <= 0 ? x : y)) : undefined;
  },
  sort: (a) => [...coll(a)].sort(compare),
  all: (a) => coll(a).every((x) => x === true),
  any: (a) => coll(a).some((x) => x === true),
  concat: (d, a) => coll(a).map(str).join(str(d)),
  contains: (a, b) => str(a).includes(str(b)),
  startswith: (a, b) => str(a).startsWith(str(b)),
  endswith: (a, b) => str(a).endsWith(str(b)),
  lower: (a) => str(a).toLowerCase(),
  upper: (a) => str(a).toUpperCase(),
  split: (a, b) => str(a).split(str(b)),
  replace: (a, b, c) => str(a).split(str(b)).join(str(c)),
  trim: (a, b) => {
    const cs = [...str(b)];
    let s = [...str(a)];
    while (s.length && cs.includes(s[0])) s = s.slice(1);
    while (s.length && cs.includes(s[s.length - 1])) s = s.slice(0, -1);
    return s.join('');
  },
  trim_space: (a) => str(a).trim(),
  trim_prefix: (a, b) => (str(a).startsWith(str(b)) ? str(a).slice(str(b).length) : str(a)),
  trim_suffix: (a, b) => (str(b) && str(a).endsWith(str(b)) ? str(a).slice(0, -str(b).length) : str(a)),
  indexof: (a, b) => {
    const i = str(a).indexOf(str(b));
    return i < 0 ? -1 : [...str(a).slice(0, i)].length;
  },
  substring: (a, s, n) => {
    const cs = [...str(a)];
    if (num(s) < 0) throw new Error('negative offset');
    return (num(n) < 0 ? cs.slice(num(s)) : cs.slice(num(s), num(s) + num(n))).join('');
  },
  sprintf: (f, a) => sprintf(str(f), a as V[]),
  to_number: (a) => {
    if (a === null) return 0;
    if (typeof a === 'boolean') return a ? 1 : 0;
    if (typeof a === 'number') return a;
    const n = Number(str(a));
    if (Number.isNaN(n) || str(a).trim() === '') throw new Error('bad number');
    return n;
  },
  format_int: (n, b) => Math.trunc(num(n)).toString(num(b)),
  is_number: (a) => typeof a === 'number',
  is_string: (a) => typeof a === 'string',
  is_boolean: (a) => typeof a === 'boolean',
  is_array: (a) => Array.isArray(a),
  is_set: (a) => a instanceof RSet,
  is_object: (a) => a instanceof RObject,
  is_null: (a) => a === null,
  type_name: (a) => typeName(a),
  'array.concat': (a, b) => {
    if (!Array.isArray(a) || !Array.isArray(b)) throw new Error('type');
    return [...a, ...b];
  },
  'array.slice': (a, s, e) => {
    if (!Array.isArray(a)) throw new Error('type');
    return a.slice(Math.max(0, num(s)), Math.max(num(s), num(e)));
  },
  'array.reverse': (a) => [...(a as V[])].reverse(),
  'object.get': (o, k, d) => {
    if (Array.isArray(k)) {
      let cur: V | undefined = obj(o);
      for (const seg of k) {
        if (cur instanceof RObject) cur = cur.get(seg);
        else if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
        else cur = undefined;
        if (cur === undefined) return d;
      }
      return cur;
    }
    return obj(o).get(k) ?? d;
  },
  'object.keys': (o) => mkset(obj(o).entries().map(([k]) => k)),
  'object.remove': (o, ks) => {
    const rm = ks instanceof RObject ? ks.entries().map(([k]) => k) : coll(ks);
    const out = new RObject();
    for (const [k, v] of obj(o).entries()) if (!rm.some((r) => equal(r, k))) out.set(k, v);
    return out;
  },
  'object.union': (a, b) => unionObj(obj(a), obj(b)),
  'object.filter': (o, ks) => {
    const keep = ks instanceof RObject ? ks.entries().map(([k]) => k) : coll(ks);
    const out = new RObject();
    for (const [k, v] of obj(o).entries()) if (keep.some((r) => equal(r, k))) out.set(k, v);
    return out;
  },
  'internal.member_2': (x, c) => member(x, c),
  'internal.member_3': (k, v, c) => {
    if (Array.isArray(c)) return typeof k === 'number' && c[k] !== undefined && equal(c[k], v);
    if (c instanceof RObject) return c.get(k) !== undefined && equal(c.get(k)!, v);
    if (c instanceof RSet) return equal(k, v) && c.has(v);
    return false;
  },
  walk: (x) => {
    const out: V[] = [];
    walk(x, [], out);
    return out;
  },
  'numbers.range': (a, b) => {
    const out: V[] = [];
    const x = intOnly(num(a)), y = intOnly(num(b));
    if (x <= y) for (let i = x; i <= y; i++) out.push(i);
    else for (let i = x; i >= y; i--) out.push(i);
    return out;
  },
  'json.marshal': (a) => JSON.stringify(toJSON(a)),
  'json.unmarshal': (a) => fromJSON(JSON.parse(str(a))),
  'strings.reverse': (a) => [...str(a)].reverse().join(''),
  'bits.or': (a, b) => Number(BigInt(intOnly(num(a))) | BigInt(intOnly(num(b)))),
  'bits.and': (a, b) => Number(BigInt(intOnly(num(a))) & BigInt(intOnly(num(b)))),
  'bits.xor': (a, b) => Number(BigInt(intOnly(num(a))) ^ BigInt(intOnly(num(b)))),
  'bits.negate': (a) => Number(~BigInt(intOnly(num(a)))),
  'bits.lsh': (a, b) => Number(BigInt(intOnly(num(a))) << BigInt(intOnly(num(b)))),
  'bits.rsh': (a, b) => Number(BigInt(intOnly(num(a))) >> BigInt(intOnly(num(b)))),
  'object.union_n': (a) => {
    if (!Array.isArray(a)) throw new Error('type');
    return a.reduce<RObject>((acc, o) => unionObj(acc, obj(o)), new RObject());
  },
  'array.flatten': (a) => {
    if (!Array.isArray(a)) throw new Error('type');
    const out: V[] = [];
    const rec = (xs: V[]): void => xs.forEach((x) => (Array.isArray(x) ? rec(x) : out.push(x)));
    rec(a);
    return out;
  },
  'strings.replace_n': (m, s) => {
    let out = str(s);
    for (const [k, v] of obj(m).entries()) out = out.split(str(k)).join(str(v));
    return out;
  },
  'numbers.range_step': (a, b, st) => {
    const x = intOnly(num(a)), y = intOnly(num(b)), step = intOnly(num(st));
    if (step <= 0) throw new Error('step must be positive');
    const out: V[] = [];
    if (x <= y) for (let i = x; i <= y; i += step) out.push(i);
    else for (let i = x; i >= y; i -= step) out.push(i);
    return out;
  },
  'graph.reachable': (g, init) => {
    const graph = obj(g);
    const seen = new RSet();
    const queue = [...coll(init)];
    while (queue.length) {
      const n = queue.shift()!;
      if (seen.has(n)) continue;
      const edges = graph.get(n);
      if (edges === undefined) continue;
      seen.add(n);
      queue.push(...coll(edges));
    }
    return seen;
  },
  'object.subset': (sup, sub) => subset(sup, sub),
  'regex.match': (re, s) => new RegExp(str(re), 'u').test(str(s)),
  'regex.is_valid': (re) => {
    try {
      new RegExp(str(re), 'u');
      return true;
    } catch {
      return false;
    }
  },
  'json.is_valid': (a) => {
    try {
      JSON.parse(str(a));
      return true;
    } catch {
      return false;
    }
  },
  trim_right: (a, b) => {
    const cs = [...str(b)];
    let s = [...str(a)];
    while (s.length && cs.includes(s[s.length - 1])) s = s.slice(0, -1);
    return s.join('');
  },
  trim_left: (a, b) => {
    const cs = [...str(b)];
    let s = [...str(a)];
    while (s.length && cs.includes(s[0])) s = s.slice(1);
    return s.join('');
  },
  'internal.template_string': (parts) => {
    if (!Array.isArray(parts)) throw new Error('type');
    return parts
      .map((p) => {
        if (typeof p === 'string') return p;
        const vs = setOf(p).values();
        if (vs.length === 0) return '<undefined>';
        if (vs.length > 1) throw new Error('template-strings must not produce multiple outputs');
        return typeof vs[0] === 'string' ? vs[0] : fmt(vs[0]);
      })
      .join('');
  },
};

function subset(sup: V, sub: V): boolean {
  if (sup instanceof RObject && sub instanceof RObject)
    return sub.entries().every(([k, v]) => {
      const x = sup.get(k);
      return x !== undefined && (x instanceof RObject && v instanceof RObject ? subset(x, v) : equal(x, v));
    });
  if (sup instanceof RSet && sub instanceof RSet) return sub.values().every((v) => sup.has(v));
  if (Array.isArray(sup) && sub instanceof RSet) return sub.values().every((v) => sup.some((x) => equal(x, v)));
  if (Array.isArray(sup) && Array.isArray(sub)) {
    if (sub.length === 0) return true;
    for (let i = 0; i + sub.length <= sup.length; i++) if (sub.every((v, j) => equal(sup[i + j], v))) return true;
    return false;
  }
  throw new Error('type');
}

/** Deep merge of objects, b's values win (object.union; ObjectMergeStmt in interp.ts). */
export function unionObj(a: RObject, b: RObject): RObject {
  const out = new RObject();
  for (const [k, v] of a.entries()) out.set(k, v);
  for (const [k, v] of b.entries()) {
    const av = out.get(k);
    out.set(k, av instanceof RObject && v instanceof RObject ? unionObj(av, v) : v);
  }
  return out;
}
