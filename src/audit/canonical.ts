// Canonical JSON for hashing: object keys sorted by UTF-16 code units, no whitespace, numbers as
// JSON.stringify prints them, bigint as its decimal digits. The same value always gives the same bytes.
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
      return JSON.stringify(v);
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
          s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(x, memo);
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
