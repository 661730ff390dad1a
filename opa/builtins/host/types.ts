// Shorthands for writing OPA type declarations (capabilities.json shapes) of host builtins.
import type { OpaType, BuiltinDef } from '../registry.ts';

export const S: OpaType = { type: 'string' };
export const N: OpaType = { type: 'number' };
export const B: OpaType = { type: 'boolean' };
export const NUL: OpaType = { type: 'null' };
export const ANY: OpaType = { type: 'any' };

export const arrayOf = (t: OpaType): OpaType => ({ type: 'array', dynamic: t });
export const tuple = (...ts: OpaType[]): OpaType => ({ type: 'array', static: ts });
export const setOf = (t: OpaType): OpaType => ({ type: 'set', of: t });
export const objOf = (key: OpaType, value: OpaType): OpaType => ({ type: 'object', dynamic: { key, value } });
export const anyOf = (...ts: OpaType[]): OpaType => ({ type: 'any', of: ts });
/** object[any: any] */
export const OBJ: OpaType = objOf(ANY, ANY);
/** object[string: any] */
export const SOBJ: OpaType = objOf(S, ANY);
/** number | [number, string]: the time builtins' "ns or ns with zone" argument. */
export const TIME_ARG: OpaType = anyOf(N, tuple(N, S));

export function decl(args: OpaType[], result?: OpaType): BuiltinDef['decl'] {
  return result ? { type: 'function', args, result } : { type: 'function', args };
}
