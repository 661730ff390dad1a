// Canonical JSON for hashing: object keys sorted by UTF-16 code units, no whitespace, numbers as
// JSON.stringify prints them, bigint as its decimal digits. The same value always gives the same bytes.
// Printable ASCII other than `"` and `\`: JSON.stringify would print such a string between quotes unchanged.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string, without the call for the common case (most of a record's strings are plain). */
export function jsonString(s: string): string {
  return s.length <= 200 && PLAIN.test(s) ? '"' + s + '"' : JSON.stringify(s);
}

export function canonicalJson(v: unknown, memo?: Map<object, string>): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`internal: cannot hash non-finite number ${v}`);
      return JSON.stringify(v);
    case 'bigint':
      return v.toString();
    case 'string':
      return jsonString(v);
    case 'object': {
      // `memo` (one record's serialisation): an object met again, such as input.principal and the
      // record's principal, is serialised once. Callers must not change the objects meanwhile.
      if (memo) {
        const known = memo.get(v);
        if (known !== undefined) return known;
      }
      // Plain loops: this runs for every record written and is most of an append's CPU time.
      let s: string;
      if (Array.isArray(v)) {
        s = '[';
        for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + canonicalJson(v[i], memo);
        s += ']';
      } else {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o).sort();
        s = '{';
        let first = true;
        for (const k of keys) {
          const x = o[k];
          if (x === undefined) continue;
          s += (first ? '' : ',') + jsonString(k) + ':' + canonicalJson(x, memo);
          first = false;
        }
        s += '}';
      }
      memo?.set(v, s);
      return s;
    }
    default:
      throw new Error(`internal: cannot hash a ${typeof v}`);
  }
}
