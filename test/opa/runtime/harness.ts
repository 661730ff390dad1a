// Test harness: instantiates opa/runtime/runtime.wasm directly (no codegen) with the env imports.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RUNTIME_PATH = fileURLToPath(new URL('../../../opa/runtime/runtime.wasm', import.meta.url));

export interface Runtime {
  memory: WebAssembly.Memory;
  x: Record<string, (...args: number[]) => number>;
  /** Copies text into the heap and parses it (JSON, or Rego literal when rego = true); 0 on error. */
  parse(text: string | Uint8Array, rego?: boolean): number;
  /** Reads a NUL-terminated UTF-8 string at addr. */
  str(addr: number): string;
  json(value: number): string;
  rego(value: number): string;
  /** parse + dump; null when the parse fails */
  roundTrip(text: string): string | null;
  printed: string[];
}

export class Abort extends Error {}

export function loadRuntime(opts: { memory?: WebAssembly.MemoryDescriptor; bytes?: Uint8Array } = {}): Runtime {
  const bytes = new Uint8Array(opts.bytes ?? readFileSync(RUNTIME_PATH));
  const memory = new WebAssembly.Memory(opts.memory ?? { initial: 2 });
  const printed: string[] = [];
  const str = (addr: number): string => {
    const u = new Uint8Array(memory.buffer);
    let end = addr;
    while (u[end] !== 0) end++;
    return Buffer.from(u.subarray(addr, end)).toString('utf8');
  };
  const builtin = (): number => 0;
  const env = {
    memory,
    opa_abort: (addr: number): never => {
      throw new Abort(str(addr));
    },
    opa_println: (addr: number): void => {
      printed.push(str(addr));
    },
    opa_builtin0: builtin,
    opa_builtin1: builtin,
    opa_builtin2: builtin,
    opa_builtin3: builtin,
    opa_builtin4: builtin,
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
  return { memory, x, parse, str, json, rego, roundTrip, printed };
}
