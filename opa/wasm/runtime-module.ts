// Edits of the precompiled runtime module: heap base, imports, stubs, export wrappers, dead code.
import { ByteReader } from './leb128.ts';
import { ExternKind, I32, constI32, funcTypeOf, importCount, internType, type WasmModule } from './module.ts';
import { forEachCall, remapBody } from './remap.ts';

/** First byte after the runtime's static data: __heap_base if exported, else the data end. */
export function runtimeHeapBase(m: WasmModule): number {
  // The stub's default body is `return (int32_t)&__heap_base;`, i.e. `i32.const X`.
  const stub = m.exports.find((e) => e.name === 'writ_gen_heap_base' && e.kind === ExternKind.Func);
  if (stub) {
    const body = m.codes[stub.index - importCount(m, ExternKind.Func)]?.body;
    if (body && body[0] === 0) {
      const v = constI32(body.subarray(1));
      if (v !== undefined) return v;
    }
  }
  const hb = m.exports.find((e) => e.name === '__heap_base' && e.kind === ExternKind.Global);
  if (hb) {
    const g = m.globals[hb.index - importCount(m, ExternKind.Global)];
    const v = g && constI32(g.init);
    if (v !== undefined) return v;
  }
  let end = 0;
  for (const d of m.datas) {
    if (d.mode !== 'active') continue;
    const off = constI32(d.offset);
    if (off === undefined) throw new Error('internal: runtime data segment with a non-constant offset');
    end = Math.max(end, off + d.bytes.length);
  }
  // The shadow stack may sit above the data (no --stack-first): its top is __stack_pointer's init.
  const sp = m.globals[0];
  const spv = sp && sp.mutable ? constI32(sp.init) : undefined;
  return Math.max(end, spv ?? 0);
}

/** Import env.<name> functions the runtime does not import yet, remapping function indices. */
export function addFuncImports(m: WasmModule, names: string[], rtExports: Map<string, number>): void {
  const have = new Set(m.imports.filter((i) => i.desc.kind === ExternKind.Func && i.module === 'env').map((i) => i.name));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length === 0) return;
  const oldCount = importCount(m, ExternKind.Func);
  const shift = missing.length;
  const map = (i: number) => (i < oldCount ? i : i + shift);
  // Function imports must keep their indices 0..oldCount-1, so new ones go right after them.
  let lastFuncImport = -1;
  m.imports.forEach((im, i) => { if (im.desc.kind === ExternKind.Func) lastFuncImport = i; });
  const added = missing.map((name) => {
    const arity = name === 'opa_abort' ? 1 : Number(name.slice('opa_builtin'.length)) + 2;
    const results = name === 'opa_abort' ? [] : [I32];
    return { module: 'env', name, desc: { kind: ExternKind.Func as const, type: internType(m, { params: Array(arity).fill(I32), results }) } };
  });
  m.imports.splice(lastFuncImport + 1, 0, ...added);
  m.codes = m.codes.map((c) => ({ body: remapBody(c.body, map) }));
  for (const e of m.exports) if (e.kind === ExternKind.Func) e.index = map(e.index);
  if (m.start !== undefined) m.start = map(m.start);
  for (const el of m.elements) {
    if (el.form === 'funcs') el.funcs = el.funcs.map(map);
    else throw new Error('internal: runtime has an element segment form we cannot remap');
  }
  for (const [k, v] of rtExports) rtExports.set(k, map(v));
}

/** The SDK supplies the memory: replace a defined memory by the env.memory import. */
export function useImportedMemory(m: WasmModule): void {
  const imported = m.imports.find((i) => i.desc.kind === ExternKind.Memory);
  if (imported) {
    if (imported.module !== 'env' || imported.name !== 'memory') throw new Error(`internal: runtime imports memory as ${imported.module}.${imported.name}`);
    return;
  }
  if (m.memories.length !== 1) throw new Error('internal: runtime must have exactly one memory');
  m.memories = [];
  m.imports.push({ module: 'env', name: 'memory', desc: { kind: ExternKind.Memory, limits: { min: 1 } } });
}

export function replaceStub(m: WasmModule, rt: (n: string) => number, name: string, params: number, body: Uint8Array): void {
  const idx = rt(name);
  const importedFuncs = importCount(m, ExternKind.Func);
  if (idx < importedFuncs) throw new Error(`internal: ${name} is an import`);
  const t = funcTypeOf(m, idx);
  if (t.params.length !== params || t.params.some((p) => p !== I32) || t.results.some((r) => r !== I32)) {
    throw new Error(`internal: runtime stub ${name} has an unexpected signature`);
  }
  m.codes[idx - importedFuncs] = { body };
}

/**
 * wasm-ld (wasi target) may export a wrapper `f'(args) { r = f(args); __wasm_call_dtors(); return r }`
 * instead of f itself. Internal callers call f, so stubs must be replaced (and generated code
 * should call) the wrapped function; returns `index` unchanged when it is not such a wrapper.
 */
export function unwrapExport(m: WasmModule, index: number): number {
  const importedFuncs = importCount(m, ExternKind.Func);
  const code = m.codes[index - importedFuncs];
  if (!code) return index;
  const nparams = funcTypeOf(m, index).params.length;
  const r = new ByteReader(code.body);
  try {
    if (r.u32() !== 0) return index;
    for (let i = 0; i < nparams; i++) if (r.byte() !== 0x20 || r.u32() !== i) return index;
    if (r.byte() !== 0x10) return index;
    const inner = r.u32();
    if (r.byte() !== 0x10) return index;
    const after = r.u32();
    if (r.byte() !== 0x0b || !r.eof()) return index;
    const t = funcTypeOf(m, after);
    if (t.params.length !== 0 || t.results.length !== 0) return index;
    const it = funcTypeOf(m, inner);
    const ot = funcTypeOf(m, index);
    if (it.params.join() !== ot.params.join() || it.results.join() !== ot.results.join()) return index;
    return inner;
  } catch {
    return index;
  }
}

/**
 * Replaces the bodies of functions no export, start function or table entry can reach with a
 * bare `unreachable` (indices stay put, so nothing needs remapping). Shrinks modules by dropping
 * runtime code (builtins, wrappers) a policy never calls.
 */
export function stubUnreachable(m: WasmModule): void {
  const imported = importCount(m, ExternKind.Func);
  const live = new Set<number>();
  const work: number[] = [];
  const mark = (i: number) => { if (!live.has(i)) { live.add(i); work.push(i); } };
  for (const e of m.exports) if (e.kind === ExternKind.Func) mark(e.index);
  if (m.start !== undefined) mark(m.start);
  for (const el of m.elements) {
    if (el.form === 'funcs') el.funcs.forEach(mark);
    else return; // cannot see inside: keep everything
  }
  while (work.length > 0) {
    const f = work.pop()!;
    if (f < imported) continue;
    callsOf(m.codes[f - imported].body).forEach(mark);
  }
  const dead = new Uint8Array([0x00, 0x00, 0x0b]);
  m.codes.forEach((_, i) => { if (!live.has(i + imported)) m.codes[i] = { body: dead }; });
}

/** Call targets of a body, cached: runtime bodies are shared by every compilation. */
const callCache = new WeakMap<Uint8Array, number[]>();

function callsOf(body: Uint8Array): number[] {
  let calls = callCache.get(body);
  if (!calls) {
    const found: number[] = [];
    forEachCall(body, (i) => found.push(i));
    calls = found;
    callCache.set(body, calls);
  }
  return calls;
}
