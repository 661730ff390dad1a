// json.marshal_with_options: Go's json.Marshal / MarshalIndent output (sorted keys, HTML-safe
// escapes), with OPA's options {pretty, indent, prefix}; the prefix also starts the first line.
import type { HostBuiltin } from './index.ts';
import { ANY, S, B, decl } from './types.ts';
import { fail, isObject, obj } from './errors.ts';
import { toJsonText } from './values.ts';

const NAME = 'json.marshal_with_options';

/** Go's encoding/json string escaping (escapes <, >, & and U+2028/U+2029). */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function marshal(v: unknown, indent: string | undefined, prefix: string, depth: number): string {
  const nl = (d: number): string => (indent === undefined ? '' : '\n' + prefix + indent.repeat(d));
  const sep = indent === undefined ? ':' : ': ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + v.map((x) => nl(depth + 1) + marshal(x, indent, prefix, depth + 1)).join(',') + nl(depth) + ']';
  }
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    if (keys.length === 0) return '{}';
    return '{' + keys.map((k) => nl(depth + 1) + goJsonString(k) + sep + marshal(v[k], indent, prefix, depth + 1)).join(',') + nl(depth) + '}';
  }
  if (typeof v === 'string') return goJsonString(v);
  return toJsonText(v);
}

export const jsonBuiltins: HostBuiltin[] = [
  {
    name: 'json.marshal_with_options', impl: 'host',
    decl: decl([ANY, {
      type: 'object',
      static: [{ key: 'indent', value: S }, { key: 'prefix', value: S }, { key: 'pretty', value: B }],
      dynamic: { key: S, value: ANY },
    }], S),
    fn: (x, options) => {
      const o = obj(NAME, options, 2);
      let pretty: boolean | undefined, indent = '\t', prefix = '';
      for (const [k, v] of Object.entries(o)) {
        if (k === 'pretty') { if (typeof v !== 'boolean') fail(NAME, 'pretty must be a boolean', 'eval_type_error'); pretty = v; }
        else if (k === 'indent') { if (typeof v !== 'string') fail(NAME, 'indent must be a string', 'eval_type_error'); indent = v; pretty ??= true; }
        else if (k === 'prefix') { if (typeof v !== 'string') fail(NAME, 'prefix must be a string', 'eval_type_error'); prefix = v; pretty ??= true; }
        else fail(NAME, `object contained unknown key ${JSON.stringify(k)}`, 'eval_type_error');
      }
      // An explicit "pretty": false wins over indent/prefix.
      if (o.pretty === false) pretty = false;
      return pretty ? prefix + marshal(x, indent, prefix, 0) : marshal(x, undefined, '', 0);
    },
  },
];
