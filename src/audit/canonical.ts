// Canonical JSON for hashing: object keys sorted by UTF-16 code units, no whitespace, numbers as
// JSON.stringify prints them, bigint as its decimal digits. The same value always gives the same bytes.
export function canonicalJson(v: unknown): string {
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
      // Plain loops: this runs for every record written and is most of an append's CPU time.
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + canonicalJson(v[i]);
        return s + ']';
      }
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      let s = '{';
      let first = true;
      for (const k of keys) {
        const x = o[k];
        if (x === undefined) continue;
        s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(x);
        first = false;
      }
      return s + '}';
    }
    default:
      throw new Error(`internal: cannot hash a ${typeof v}`);
  }
}
