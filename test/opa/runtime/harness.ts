// Test harness: instantiates opa/runtime/runtime.wasm directly (no codegen) with the env imports.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RUNTIME_PATH = fileURLToPath(new URL('../../../opa/runtime/runtime.wasm', import.meta.url));

/** The runtime under test: opa/runtime/runtime.wasm (rebuild it with opa/runtime/build.sh after
 *  changing C sources); WRIT_TEST_RUNTIME may name another build of it. */
export function runtimeBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(process.env.WRIT_TEST_RUNTIME ?? RUNTIME_PATH));
}

type HostBuiltin = (id: number, ctx: number, ...args: number[]) => number;

export interface Runtime {
  memory: WebAssembly.Memory;
  x: Record<string, (...args: number[]) => number>;
  /** Copies text into the heap and parses it (JSON, or Rego literal when rego = true); 0 on error. */
  parse(text: string | Uint8Array, rego?: boolean): number;
  /** Reads a NUL-terminated UTF-8 string at addr. */
  str(addr: number): string;
  json(value: number): string;
  rego(value: number): string;
  /** A value from Rego literal text (JSON plus sets); throws when it does not parse (a test bug). */
  value(text: string): number;
  /** The export wb_<name> of a builtin ('.' -> '_'); throws when missing. */
  builtin(name: string): (...args: number[]) => number;
  /** parse + dump; null when the parse fails */
  roundTrip(text: string): string | null;
  printed: string[];
}

export class Abort extends Error {}

/** Instantiates the runtime and runs writ_start. hostBuiltin(n) gives the opa_builtin<n> import
 *  (default: every host call returns 0). */
export function loadRuntime(opts: {
  memory?: WebAssembly.MemoryDescriptor;
  bytes?: Uint8Array;
  hostBuiltin?: (n: number) => HostBuiltin;
} = {}): Runtime {
  const bytes = new Uint8Array(opts.bytes ?? runtimeBytes());
  const memory = new WebAssembly.Memory(opts.memory ?? { initial: 2 });
  const printed: string[] = [];
  const str = (addr: number): string => {
    const u = new Uint8Array(memory.buffer);
    let end = addr;
    while (u[end] !== 0) end++;
    return Buffer.from(u.subarray(addr, end)).toString('utf8');
  };
  const host = opts.hostBuiltin ?? ((): HostBuiltin => () => 0);
  const env = {
    memory,
    opa_abort: (addr: number): never => {
      throw new Abort(str(addr));
    },
    opa_println: (addr: number): void => {
      printed.push(str(addr));
    },
    opa_builtin0: host(0),
    opa_builtin1: host(1),
    opa_builtin2: host(2),
    opa_builtin3: host(3),
    opa_builtin4: host(4),
  };
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env });
  const x = inst.exports as unknown as Record<string, (...args: number[]) => number>;
  x.writ_start();
  const parse = (text: string | Uint8Array, rego = false): number => {
    const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    const addr = x.opa_malloc(b.length);
    new Uint8Array(memory.buffer).set(b, addr);
    return rego ? x.opa_value_parse(addr, b.length) : x.opa_json_parse(addr, b.length);
  };
  const json = (v: number): string => str(x.opa_json_dump(v));
  const rego = (v: number): string => str(x.opa_value_dump(v));
  const roundTrip = (text: string): string | null => {
    const v = parse(text);
    return v === 0 ? null : json(v);
  };
  const value = (text: string): number => {
    const v = parse(text, true);
    if (v === 0) throw new Error(`test bug: cannot parse ${text}`);
    return v;
  };
  const builtin = (name: string): ((...args: number[]) => number) => {
    const f = x['wb_' + name.replace(/\./g, '_')];
    if (typeof f !== 'function') throw new Error(`missing export wb_${name}`);
    return f;
  };
  return { memory, x, parse, str, json, rego, value, builtin, roundTrip, printed };
}

/** hostBuiltin for tests of native code: any host call is a test failure. */
export const noHostCalls = (n: number): HostBuiltin => () => {
  throw new Error(`unexpected host call opa_builtin${n}`);
};
