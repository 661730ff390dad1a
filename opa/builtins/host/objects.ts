// Object builtins missing from the SDK: object.union_n, object.subset (object.keys is native).
// Limits of the host boundary (see the report): non-string keys arrive as JSON text strings and
// sets arrive as arrays, so these see Rego sets as arrays and non-string keys as strings.
import type { HostBuiltin } from './index.ts';
import { ANY, B, OBJ, anyOf, arrayOf, setOf, decl } from './types.ts';
import { fail, isObject, obj, arr } from './errors.ts';
import { newObj, setResult, valuesEqual } from './values.ts';

/** object.union semantics: right wins, except nested objects which merge recursively. */
function union(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = newObj();
  for (const [k, v] of Object.entries(a)) out[k] = v;
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? union(prev, v) : v;
  }
  return out;
}

/** OPA's subset relation, applied recursively to nested values of the same kind. */
function isSubset(sup: unknown, sub: unknown): boolean {
  if (isObject(sup) && isObject(sub)) return objectSubset(sup, sub);
  if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
  return valuesEqual(sup, sub);
}

function objectSubset(sup: Record<string, unknown>, sub: Record<string, unknown>): boolean {
  return Object.entries(sub).every(([k, v]) => Object.prototype.hasOwnProperty.call(sup, k) && isSubset(sup[k], v));
}

/** Arrays: sub must occur in sup as a contiguous run (OPA's array subset). */
function arraySubset(sup: unknown[], sub: unknown[]): boolean {
  if (sub.length === 0) return true;
  for (let i = 0; i + sub.length <= sup.length; i++) {
    if (sub.every((v, j) => valuesEqual(sup[i + j], v))) return true;
  }
  return false;
}

const COLLECTION = anyOf(arrayOf(ANY), OBJ, setOf(ANY));

export const objectBuiltins: HostBuiltin[] = [
  {
    name: 'object.union_n', impl: 'host', decl: decl([arrayOf(OBJ)], OBJ),
    fn: (list) => {
      const xs = arr('object.union_n', list, 1);
      let out: Record<string, unknown> = newObj();
      for (const x of xs) {
        if (!isObject(x)) fail('object.union_n', 'operand 1 must be array of objects');
        out = union(out, x);
      }
      return out;
    },
  },
  {
    name: 'object.subset', impl: 'host', decl: decl([COLLECTION, COLLECTION], B),
    fn: (sup, sub) => {
      if (isObject(sup) && isObject(sub)) return objectSubset(sup, sub);
      if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
      return fail('object.subset', 'both arguments must be objects, sets or arrays of the same kind');
    },
  },
];
