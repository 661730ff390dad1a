// Prints refs and terms the way OPA does in messages (`data.a.b["x-y"][i]`).
import type { Term } from '../syntax/ast.ts';
import { displayVar } from './context.ts';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function pathString(path: readonly string[]): string {
  let out = path[0] ?? '';
  for (const p of path.slice(1)) out += IDENT.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  return out;
}

export function termString(t: Term): string {
  switch (t.type) {
    case 'null': return 'null';
    case 'boolean': return String(t.value);
    case 'number': return t.text;
    case 'string': return JSON.stringify(t.value);
    case 'var': return displayVar(t.name);
    case 'ref': {
      let out = termString(t.head);
      for (const p of t.path) out += p.type === 'string' && IDENT.test(p.value) ? `.${p.value}` : `[${termString(p)}]`;
      return out;
    }
    case 'array': return `[${t.items.map(termString).join(', ')}]`;
    case 'set': return t.items.length === 0 ? 'set()' : `{${t.items.map(termString).join(', ')}}`;
    case 'object': return `{${t.items.map(([k, v]) => `${termString(k)}: ${termString(v)}`).join(', ')}}`;
    case 'call': return `${t.op.join('.')}(${t.args.map(termString).join(', ')})`;
    case 'arraycompr': return `[${termString(t.term)} | ...]`;
    case 'setcompr': return `{${termString(t.term)} | ...}`;
    case 'objectcompr': return `{${termString(t.key)}: ${termString(t.value)} | ...}`;
    case 'templatestring': return '$"..."';
  }
}

/** A rule's ref for messages: `data.pkg.p`, `data.pkg.p[x]`. */
export function ruleRefString(pkg: readonly string[], ref: readonly Term[]): string {
  let out = pathString(['data', ...pkg]);
  for (const p of ref) out += p.type === 'string' && IDENT.test(p.value) ? `.${p.value}` : `[${termString(p)}]`;
  return out;
}
