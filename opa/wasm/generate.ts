// Assembles a policy module: the runtime module plus generated plans, functions, stubs and data.
import type { Policy } from '../ir/ir.ts';
import { lookupBuiltin, nativeSymbol, type OpaType } from '../builtins/registry.ts';
import {
  ExternKind, I32, cloneModule, funcTypeOf, i32ConstExpr, importCount, internType, readModule, writeModule, type WasmModule,
} from './module.ts';
import { addFuncImports, replaceStub, runtimeHeapBase, stubUnreachable, unwrapExport, useImportedMemory } from './runtime-module.ts';
import { memoWrapper } from './memo.ts';
import { Code } from './emit.ts';
import { DataBuilder, align8, utf8Length } from './data.ts';
import { BodyCompiler, type GenContext } from './stmts.ts';

const PAGE = 65536;
/** Largest memory minimum the SDK's default descriptor (5 pages) accepts. */
const MAX_MIN_PAGES = 5;

/** The ABI exports of opa-wasm-abi.md 2.3 we pass through from the runtime (when present). */
const ABI_FUNCS = [
  'eval', 'builtins', 'entrypoints', 'opa_eval_ctx_new', 'opa_eval_ctx_set_input', 'opa_eval_ctx_set_data',
  'opa_eval_ctx_set_entrypoint', 'opa_eval_ctx_get_result', 'opa_malloc', 'opa_free', 'opa_json_parse',
  'opa_value_parse', 'opa_json_dump', 'opa_value_dump', 'opa_heap_ptr_get', 'opa_heap_ptr_set',
  'opa_value_add_path', 'opa_value_remove_path', 'opa_value_free', 'opa_heap_blocks_stash',
  'opa_heap_blocks_restore', 'opa_heap_stash_clear', 'opa_eval',
];
/** What the SDK cannot work without (opa-wasm-abi.md 1). */
const REQUIRED_FUNCS = [
  'builtins', 'entrypoints', 'opa_malloc', 'opa_json_parse', 'opa_json_dump', 'opa_heap_ptr_get',
  'opa_heap_ptr_set', 'opa_eval',
];

const STUBS = {
  heapBase: 'writ_gen_heap_base',
  builtins: 'writ_gen_builtins',
  entrypoints: 'writ_gen_entrypoints',
  init: 'writ_gen_init',
  eval: 'writ_gen_eval',
} as const;

/** Names of native builtins the policy calls that the runtime does not export. */
export function missingNativeBuiltins(policy: Policy, runtime: Uint8Array): string[] {
  const m = readModule(runtime);
  const exported = new Set(m.exports.filter((e) => e.kind === ExternKind.Func).map((e) => e.name));
  const funcs = new Set(policy.funcs.map((f) => f.name));
  return policy.static.builtins
    .filter((b) => !funcs.has(b.name) && lookupBuiltin(b.name)?.impl === 'native' && !exported.has(nativeSymbol(b.name)))
    .map((b) => b.name);
}

/** Parsed runtimes by their bytes: parsing is the costliest step of a small compilation. */
const parsedRuntimes = new WeakMap<Uint8Array, WasmModule>();

function parseRuntime(runtime: Uint8Array): WasmModule {
  let m = parsedRuntimes.get(runtime);
  if (!m) { m = readModule(runtime); parsedRuntimes.set(runtime, m); }
  return cloneModule(m);
}

export interface GenerateOptions {
  /** OPA's --strict-builtin-errors: a builtin error aborts the evaluation instead of being undefined. */
  strictBuiltinErrors?: boolean;
}

export function generate(policy: Policy, runtime: Uint8Array, opts: GenerateOptions = {}): Uint8Array<ArrayBuffer> {
  const m = parseRuntime(runtime);
  const rtExports = new Map<string, number>();
  for (const e of m.exports) if (e.kind === ExternKind.Func) rtExports.set(e.name, unwrapExport(m, e.index));

  const heapStart = runtimeHeapBase(m);

  // 1. Imports: host builtin calls need env.opa_builtinN; adding a function import shifts the
  //    index of every defined function, so existing references are remapped.
  const host = hostBuiltins(policy);
  const needed = new Set<string>(['opa_abort']);
  for (const h of host) {
    if (h.arity > 4) throw new Error(`internal: host builtin ${h.name} has ${h.arity} arguments (at most 4)`);
    needed.add(`opa_builtin${h.arity}`);
  }
  addFuncImports(m, [...needed], rtExports);
  const importedFuncs = importCount(m, ExternKind.Func);
  const importIndex = (name: string) => {
    let idx = 0;
    for (const im of m.imports) {
      if (im.desc.kind !== ExternKind.Func) continue;
      if (im.module === 'env' && im.name === name) return idx;
      idx++;
    }
    throw new Error(`internal: import env.${name} missing`);
  };
  useImportedMemory(m);

  // 2. Function slots for plans and IR functions.
  const planType = internType(m, { params: [I32, I32], results: [I32] });
  const funcIndex = new Map<string, number>();
  const planIndex: number[] = [];
  const firstNew = importedFuncs + m.funcs.length;
  policy.plans.forEach((_, i) => { planIndex.push(firstNew + i); m.funcs.push(planType); });
  policy.funcs.forEach((f, i) => {
    if (funcIndex.has(f.name)) throw new Error(`internal: duplicate IR function ${f.name}`);
    funcIndex.set(f.name, firstNew + policy.plans.length + i);
    m.funcs.push(internType(m, { params: f.params.map(() => I32), results: [I32] }));
  });
  const funcArity = new Map(policy.funcs.map((f) => [f.name, f.params.length]));
  // Rules (functions of exactly input and data) are memoised per evaluation: callers reach a
  // wrapper that consults a slot, the body moves to a function appended after all others.
  const memoised = policy.funcs.filter((f) => f.params.length === 2);
  const innerIndex = new Map<string, number>();
  for (const f of memoised) {
    innerIndex.set(f.name, importedFuncs + m.funcs.length);
    m.funcs.push(planType);
  }

  // 3. Data: string constants, the string value table, JSON texts.
  const data = new DataBuilder(align8(heapStart));
  const strTable = data.reserve(4 * policy.static.strings.length, 4);
  const strText = policy.static.strings.map((s) => data.cstring(s));
  const hostIds = new Map(host.map((h) => [h.name, h.id]));
  // Memo state: one slot per memoised rule (0 = not computed, 1 = computed undefined, else the
  // value) and the `with` nesting depth (memo is bypassed while it is non-zero).
  const withDepth = data.reserve(4, 4);
  const memoTable = data.reserve(4 * memoised.length, 4);

  const rt = (name: string): number => {
    const i = rtExports.get(name);
    if (i === undefined) throw new Error(`internal: runtime does not export ${name}`);
    return i;
  };
  const ctx: GenContext = {
    rt,
    withDepth,
    abort: importIndex('opa_abort'),
    strings: policy.static.strings,
    data,
    strSlot: (i) => {
      if (i < 0 || i >= policy.static.strings.length) throw new Error(`internal: string constant ${i} out of range`);
      return strTable + 4 * i;
    },
    strictBuiltin: opts.strictBuiltinErrors
      ? (name) => {
          if (funcIndex.has(name)) return undefined;
          const def = lookupBuiltin(name);
          const host = def ? def.impl === 'host' : hostIds.has(name);
          return { masks: (def?.decl.args ?? []).map(operandMask), host };
        }
      : undefined,
    callee: (name, argc) => {
      const f = funcIndex.get(name);
      if (f !== undefined) {
        if (funcArity.get(name) !== argc) throw new Error(`internal: call of ${name} with ${argc} arguments`);
        return { kind: 'direct', func: f };
      }
      const def = lookupBuiltin(name);
      if (def?.impl === 'native') {
        const sym = nativeSymbol(name);
        const idx = rtExports.get(sym);
        if (idx === undefined) throw new Error(`internal: not implemented: native builtin ${name} (runtime lacks ${sym})`);
        if (funcTypeOf(m, idx).params.length !== argc) throw new Error(`internal: ${sym} takes ${funcTypeOf(m, idx).params.length} arguments, called with ${argc}`);
        return { kind: 'direct', func: idx };
      }
      const id = hostIds.get(name);
      if (id !== undefined) {
        if (argc > 4) throw new Error(`internal: host builtin ${name} called with ${argc} arguments (at most 4)`);
        return { kind: 'host', func: importIndex(`opa_builtin${argc}`), id };
      }
      if (!def) throw new Error(`internal: call of unknown function ${name} (not in Static.builtins)`);
      throw new Error(`internal: builtin ${name} (${def.impl}) cannot be called from generated code`);
    },
  };

  // 4. Plans and functions.
  const bodies: Uint8Array[] = [];
  const innerBodies: Uint8Array[] = [];
  for (const p of policy.plans) {
    const bc = new BodyCompiler(ctx, [0, 1]);
    bc.resultSet = bc.scratch();
    bc.code.call(rt('opa_set')).localSet(bc.resultSet);
    bc.blocks(p.blocks);
    bc.code.localGet(bc.resultSet);
    bodies.push(bc.code.body(bc.extraLocals(2)));
  }
  for (const f of policy.funcs) {
    if (f.params[0] !== 0 || f.params[1] !== 1) throw new Error(`internal: function ${f.name} does not start with input, data`);
    const bc = new BodyCompiler(ctx, f.params);
    bc.blocks(f.blocks);
    bc.code.localGet(bc.local(f.ret));
    const body = bc.code.body(bc.extraLocals(f.params.length));
    const inner = innerIndex.get(f.name);
    if (inner === undefined) { bodies.push(body); continue; }
    innerBodies.push(body);
    bodies.push(memoWrapper(withDepth, memoTable + 4 * (innerBodies.length - 1), inner));
  }
  for (const b of [...bodies, ...innerBodies]) m.codes.push({ body: b });

  // 5. Stubs.
  const builtinsJson = data.cstring(JSON.stringify(Object.fromEntries(host.map((h) => [h.name, h.id]))));
  const entrypointsJson = data.cstring(JSON.stringify(Object.fromEntries(policy.plans.map((p, i) => [p.name, i]))));
  const illegalEp = data.cstring('internal: illegal entrypoint id');

  const init = new Code();
  policy.static.strings.forEach((s, i) => {
    init.i32Const(strTable + 4 * i).i32Const(strText[i]).i32Const(utf8Length(s)).call(rt('opa_string_nocopy')).i32Store();
  });
  replaceStub(m, rt, STUBS.init, 0, init.body(0));

  const ev = new Code();
  // Every evaluation starts with an empty memo: an earlier one may have been aborted midway.
  ev.i32Const(withDepth).i32Const(0).i32Store();
  memoised.forEach((_, i) => ev.i32Const(memoTable + 4 * i).i32Const(0).i32Store());
  policy.plans.forEach((_, i) => {
    ev.localGet(0).i32Const(i).i32Eq().if_().localGet(1).localGet(2).call(planIndex[i]).return_().end();
  });
  ev.i32Const(illegalEp).call(ctx.abort).unreachable();
  replaceStub(m, rt, STUBS.eval, 3, ev.body(0));
  replaceStub(m, rt, STUBS.builtins, 0, new Code().i32Const(builtinsJson).body(0));
  replaceStub(m, rt, STUBS.entrypoints, 0, new Code().i32Const(entrypointsJson).body(0));

  const heapBase = data.end();
  replaceStub(m, rt, STUBS.heapBase, 0, new Code().i32Const(heapBase).body(0));
  const bytes = data.bytes();
  if (bytes.length > 0) m.datas.push({ mode: 'active', memory: 0, offset: i32ConstExpr(data.base), bytes });

  const pages = Math.ceil(heapBase / PAGE);
  if (pages > MAX_MIN_PAGES) throw new Error(`internal: static data needs ${pages} pages (the SDK's default memory has ${MAX_MIN_PAGES})`);
  for (const im of m.imports) if (im.desc.kind === ExternKind.Memory) im.desc.limits = { min: pages };

  // 6. ABI globals, exports, start.
  const globalBase = importCount(m, ExternKind.Global) + m.globals.length;
  m.globals.push({ valType: I32, mutable: false, init: i32ConstExpr(1) });
  m.globals.push({ valType: I32, mutable: false, init: i32ConstExpr(3) });
  const exports = ABI_FUNCS.filter((n) => rtExports.has(n)).map((name) => ({ name, kind: ExternKind.Func, index: rtExports.get(name)! }));
  for (const n of REQUIRED_FUNCS) if (!rtExports.has(n)) throw new Error(`internal: runtime does not export ${n}`);
  exports.push({ name: 'memory', kind: ExternKind.Memory, index: 0 });
  exports.push({ name: 'opa_wasm_abi_version', kind: ExternKind.Global, index: globalBase });
  exports.push({ name: 'opa_wasm_abi_minor_version', kind: ExternKind.Global, index: globalBase + 1 });
  m.exports = exports;
  m.start = rt('writ_start');
  if (funcTypeOf(m, m.start).params.length !== 0 || funcTypeOf(m, m.start).results.length !== 0) {
    throw new Error('internal: writ_start must be () -> ()');
  }
  stubUnreachable(m);
  return writeModule(m);
}

/** Host-called builtins with their ids (index in Static.builtins, as OPA does). */
function hostBuiltins(policy: Policy): Array<{ name: string; arity: number; id: number }> {
  const out: Array<{ name: string; arity: number; id: number }> = [];
  const funcs = new Set(policy.funcs.map((f) => f.name));
  policy.static.builtins.forEach((b, id) => {
    if (funcs.has(b.name)) return;
    // Builtins outside writ's table come from a capabilities file: the caller supplies them.
    const def = lookupBuiltin(b.name);
    if (!def || def.impl === 'sdk' || def.impl === 'host') out.push({ name: b.name, arity: b.arity, id });
  });
  return out;
}

/** Type tags (value.h) accepted by a declared operand type, as bits 1 << tag; 0 = anything. */
const TYPE_TAGS: Record<string, number> = { null: 1, boolean: 2, number: 3, string: 4, array: 5, object: 6, set: 7 };
const ALL_TYPES = 0b11111110;

export function operandMask(t: OpaType): number {
  const bits = (x: OpaType): number => {
    if (x.type === 'any') return x.of && x.of.length > 0 ? x.of.reduce((m, y) => m | bits(y), 0) : ALL_TYPES;
    const tag = TYPE_TAGS[x.type];
    return tag === undefined ? ALL_TYPES : 1 << tag;
  };
  const m = bits(t);
  return m === ALL_TYPES ? 0 : m;
}
