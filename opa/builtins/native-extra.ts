// Builtins writ implements natively in the module runtime beyond the SDK's capabilities list.
import type { BuiltinDef, OpaType } from './registry.ts';

const S: OpaType = { type: 'string' };

export const nativeExtraBuiltins: BuiltinDef[] = [
  {
    name: 'object.keys',
    impl: 'native',
    decl: { type: 'function', args: [{ type: 'object', dynamic: { key: { type: 'any' }, value: { type: 'any' } } }], result: { type: 'set', of: { type: 'any' } } },
  },
  {
    name: 'internal.template_string',
    impl: 'native',
    decl: { type: 'function', args: [{ type: 'array', dynamic: { type: 'any' } }], result: { type: 'string' } },
  },
  // print(a, b) is rewritten by the checks to internal.print([{a|}, {b|}]) (print.c, via opa_println).
  {
    name: 'internal.print',
    impl: 'native',
    decl: { type: 'function', args: [{ type: 'array', dynamic: { type: 'set', of: { type: 'any' } } }], result: { type: 'boolean' } },
  },
  // Regular expressions on the runtime's RE2-syntax engine (regex_more.c); regex.split must be
  // native because the SDK's own JavaScript regex.split would win over a host builtin.
  { name: 'regex.split', impl: 'native', decl: { type: 'function', args: [S, S], result: { type: 'array', dynamic: S } } },
  { name: 'regex.find_n', impl: 'native', decl: { type: 'function', args: [S, S, { type: 'number' }], result: { type: 'array', dynamic: S } } },
  { name: 'regex.replace', impl: 'native', decl: { type: 'function', args: [S, S, S], result: S } },
  { name: 'regex.template_match', impl: 'native', decl: { type: 'function', args: [S, S, S, S], result: { type: 'boolean' } } },
  { name: 'regex.globs_match', impl: 'native', decl: { type: 'function', args: [S, S], result: { type: 'boolean' } } },
];
