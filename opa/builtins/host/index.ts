// Host builtins: Rego builtins writ implements in TypeScript, outside the module.
// The SDK calls them through opa_builtinN; `hostBuiltins()` (opa/index.ts) hands them over
// as customBuiltins so callers never need to know which builtin lives where.
import type { BuiltinDef } from '../registry.ts';

export type HostFn = (...args: any[]) => unknown;

export interface HostBuiltin extends BuiltinDef {
  impl: 'host';
  fn: HostFn;
}

/** Filled by the host builtin families (one file each). */
export const hostBuiltinList: HostBuiltin[] = [];

export const hostBuiltinDefs: BuiltinDef[] = hostBuiltinList;
