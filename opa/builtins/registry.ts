// One registration table for every builtin writ knows: its OPA type declaration and where
// it runs. The checks (arity/types), the planner (relations, operators) and the wasm code
// generator (native call vs host call) all read this table; nothing else lists builtins.
import { sdkCapabilityBuiltins } from './sdk-capabilities.ts';
import { hostBuiltinDefs } from './host/index.ts';
import { nativeExtraBuiltins } from './native-extra.ts';

/** OPA's type declaration format, as in capabilities.json. */
export type OpaType =
  | { type: 'any'; of?: OpaType[] }
  | { type: 'null' | 'boolean' | 'number' | 'string' }
  | { type: 'array'; static?: OpaType[]; dynamic?: OpaType }
  | { type: 'set'; of?: OpaType }
  | { type: 'object'; static?: Array<{ key: unknown; value: OpaType }>; dynamic?: { key: OpaType; value: OpaType } }
  | { type: 'function'; args: OpaType[]; result?: OpaType; variadic?: OpaType };

export type BuiltinImpl =
  /** A C function in the module runtime named wb_<name with '.' replaced by '_'>. */
  | 'native'
  /** Implemented in JavaScript by @open-policy-agent/opa-wasm itself. */
  | 'sdk'
  /** A writ host builtin in TypeScript (opa/builtins/host), passed to the SDK as a custom builtin. */
  | 'host'
  /** Never called: the planner compiles it (assign, eq). */
  | 'compiler';

export interface BuiltinDef {
  name: string;
  impl: BuiltinImpl;
  decl: { type: 'function'; args: OpaType[]; result?: OpaType; variadic?: OpaType };
  infix?: string;
  /** Relations (walk) produce several results; see the planner. */
  relation?: boolean;
  /** Results differ between calls with the same arguments (time.now_ns, rand.intn, uuid.rfc4122). */
  nondeterministic?: boolean;
}

const table = new Map<string, BuiltinDef>();
for (const def of [...sdkCapabilityBuiltins, ...nativeExtraBuiltins, ...hostBuiltinDefs]) {
  if (table.has(def.name)) throw new Error(`internal: builtin ${def.name} registered twice`);
  table.set(def.name, def);
}

/** Every builtin writ implements, by Rego name. */
export const builtins: ReadonlyMap<string, BuiltinDef> = table;

export function lookupBuiltin(name: string): BuiltinDef | undefined {
  return table.get(name);
}

/** The C symbol of a native builtin: `strings.replace_n` -> `wb_strings_replace_n`. */
export function nativeSymbol(name: string): string {
  return 'wb_' + name.replace(/\./g, '_');
}

/** Number of arguments of a builtin (the result is passed as an extra output argument in Rego). */
export function builtinArity(def: BuiltinDef): number {
  return def.decl.args.length;
}
