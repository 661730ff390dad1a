// Public API of the wasm backend: generateWasm (IR -> policy module) and describeModule (tests, tools).
import { readFileSync } from 'node:fs';
import type { Policy } from '../ir/ir.ts';
import { generate, missingNativeBuiltins } from './generate.ts';
import { ExternKind, importCount, readModule } from './module.ts';

export { missingNativeBuiltins };

const DEFAULT_RUNTIME = new URL('../runtime/runtime.wasm', import.meta.url);

let cachedRuntime: Uint8Array<ArrayBuffer> | undefined;

/** The precompiled runtime module (opa/runtime/runtime.wasm), read once. */
export function defaultRuntime(): Uint8Array<ArrayBuffer> {
  cachedRuntime ??= new Uint8Array(readFileSync(DEFAULT_RUNTIME));
  return cachedRuntime;
}

/** Compiles a planned policy into a module loadable by @open-policy-agent/opa-wasm. */
export function generateWasm(policy: Policy, opts?: { runtime?: Uint8Array; strictBuiltinErrors?: boolean }): Uint8Array<ArrayBuffer> {
  return generate(policy, opts?.runtime ?? defaultRuntime(), { strictBuiltinErrors: opts?.strictBuiltinErrors });
}

const KIND_NAMES = ['func', 'table', 'memory', 'global'] as const;
export type KindName = (typeof KIND_NAMES)[number];

export interface ModuleDescription {
  imports: Array<{ module: string; name: string; kind: KindName }>;
  exports: Array<{ name: string; kind: KindName }>;
  /** Limits of the (imported or defined) memory, in 64 KiB pages. */
  memory?: { imported: boolean; min: number; max?: number };
  functions: number;
  size: number;
}

export function describeModule(wasm: Uint8Array): ModuleDescription {
  const m = readModule(wasm);
  let memory: ModuleDescription['memory'];
  for (const im of m.imports) {
    if (im.desc.kind === ExternKind.Memory) memory = { imported: true, ...im.desc.limits };
  }
  if (!memory && m.memories[0]) memory = { imported: false, ...m.memories[0] };
  return {
    imports: m.imports.map((i) => ({ module: i.module, name: i.name, kind: KIND_NAMES[i.desc.kind] })),
    exports: m.exports.map((e) => ({ name: e.name, kind: KIND_NAMES[e.kind] })),
    memory,
    functions: importCount(m, ExternKind.Func) + m.funcs.length,
    size: wasm.length,
  };
}
