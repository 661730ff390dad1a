// Builtins writ implements natively in the module runtime beyond the SDK's capabilities list.
import type { BuiltinDef } from './registry.ts';

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
];
