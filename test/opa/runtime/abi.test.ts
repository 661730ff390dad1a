// The module's interface: imports, exports, codegen stubs, ABI entry points and path updates.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Abort, RUNTIME_PATH, loadRuntime } from './harness.ts';

const mod = new WebAssembly.Module(readFileSync(RUNTIME_PATH));
const exportNames = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));

describe('module interface', () => {
  it('imports only env.memory, opa_abort, opa_println and opa_builtin0..4', () => {
    const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`).sort();
    expect(imports).toEqual([
      'env.memory:memory',
      'env.opa_abort:function',
      'env.opa_builtin0:function',
      'env.opa_builtin1:function',
      'env.opa_builtin2:function',
      'env.opa_builtin3:function',
      'env.opa_builtin4:function',
      'env.opa_println:function',
    ]);
  });

  it('needs at most 2 pages of memory and declares no maximum', () => {
    expect(() => loadRuntime({ memory: { initial: 2 } })).not.toThrow();
    expect(() => loadRuntime({ memory: { initial: 2, maximum: 65536 } })).not.toThrow();
  });

  it('exports every function declared in value.h', () => {
    const header = readFileSync(fileURLToPath(new URL('../../../opa/runtime/src/value.h', import.meta.url)), 'utf8');
    const declared = [...header.matchAll(/^[a-z_][\w ]*?\**\s*\**(opa_\w+)\(/gm)].map((m) => m[1]);
    const hostImports = ['opa_abort', 'opa_println', 'opa_builtin0', 'opa_builtin1', 'opa_builtin2', 'opa_builtin3', 'opa_builtin4'];
    const wanted = declared.filter((n) => !hostImports.includes(n));
    expect(wanted.length).toBeGreaterThan(30);
    expect(wanted.filter((n) => !exportNames.has(n))).toEqual([]);
  });

  it('exports the ABI functions and the codegen stubs', () => {
    const abi = [
      'eval', 'builtins', 'entrypoints', 'opa_eval_ctx_new', 'opa_eval_ctx_set_input', 'opa_eval_ctx_set_data',
      'opa_eval_ctx_set_entrypoint', 'opa_eval_ctx_get_result', 'opa_malloc', 'opa_free', 'opa_json_parse',
      'opa_value_parse', 'opa_json_dump', 'opa_value_dump', 'opa_heap_ptr_get', 'opa_heap_ptr_set',
      'opa_value_add_path', 'opa_value_remove_path', 'opa_value_free', 'opa_heap_blocks_stash',
      'opa_heap_blocks_restore', 'opa_heap_stash_clear', 'opa_eval',
      'writ_gen_heap_base', 'writ_gen_builtins', 'writ_gen_entrypoints', 'writ_gen_init', 'writ_gen_eval', 'writ_start',
    ];
    expect(abi.filter((n) => !exportNames.has(n))).toEqual([]);
  });
});

describe('ABI entry points with the default stubs', () => {
  it('builtins() and entrypoints() are empty objects', () => {
    const rt = loadRuntime();
    expect(rt.json(rt.x.builtins())).toBe('{}');
    expect(rt.json(rt.x.entrypoints())).toBe('{}');
  });

  it('the heap starts at writ_gen_heap_base()', () => {
    const rt = loadRuntime();
    const base = rt.x.writ_gen_heap_base();
    expect(base).toBeGreaterThan(65536);
    expect(rt.x.opa_heap_ptr_get()).toBe((base + 7) & ~7);
  });

  it('eval with the stub aborts "internal: illegal entrypoint id"', () => {
    const rt = loadRuntime();
    const ctx = rt.x.opa_eval_ctx_new();
    rt.x.opa_eval_ctx_set_input(ctx, rt.parse('{}'));
    rt.x.opa_eval_ctx_set_data(ctx, rt.parse('{}'));
    rt.x.opa_eval_ctx_set_entrypoint(ctx, 0);
    expect(rt.x.opa_eval_ctx_get_result(ctx)).toBe(0);
    expect(() => rt.x.eval(ctx)).toThrow(new Abort('internal: illegal entrypoint id'));
  });

  it('opa_eval sets the heap pointer, checks reserved, parses input', () => {
    const rt = loadRuntime();
    const data = rt.parse('{}');
    const text = Buffer.from('{"a": 1}');
    const inputAddr = rt.x.opa_heap_ptr_get();
    new Uint8Array(rt.memory.buffer).set(text, inputAddr);
    const hp = inputAddr + text.length;
    expect(() => rt.x.opa_eval(1, 0, data, inputAddr, text.length, hp, 0)).toThrow(Abort);
    expect(() => rt.x.opa_eval(0, 0, data, inputAddr, text.length, hp, 0)).toThrow(
      new Abort('internal: illegal entrypoint id'),
    );
    // the input bytes below heap_ptr were not overwritten by allocations
    expect(Buffer.from(new Uint8Array(rt.memory.buffer, inputAddr, text.length)).toString()).toBe('{"a": 1}');
    expect(rt.x.opa_heap_ptr_get()).toBeGreaterThanOrEqual(hp);
    new Uint8Array(rt.memory.buffer).set(Buffer.from('{"a": '), inputAddr);
    expect(() => rt.x.opa_eval(0, 0, data, inputAddr, 6, inputAddr + 6, 0)).toThrow(new Abort('opa_eval: invalid input'));
  });

  it('writ_call_host dispatches to opa_builtinN', () => {
    const calls: string[] = [];
    const rt = loadRuntime();
    // a second instance with recording builtins
    const rec = (n: number) => (id: number, ctx: number, ...args: number[]) => {
      calls.push(`${n}:${id}:${ctx}:${args.length}`);
      return 0;
    };
    const { x } = loadRuntime({ hostBuiltin: rec });
    const args = x.opa_malloc(16);
    for (let n = 0; n <= 4; n++) x.writ_call_host(7 + n, n, args);
    expect(calls).toEqual(['0:7:0:0', '1:8:0:1', '2:9:0:2', '3:10:0:3', '4:11:0:4']);
    rt.x.writ_println(rt.x.opa_json_dump(rt.x.opa_null()));
    expect(rt.printed).toEqual(['null']);
  });
});

describe('path updates and merge', () => {
  const rt = loadRuntime();
  const path = (...keys: string[]): number => rt.parse(JSON.stringify(keys));

  it('opa_value_with_path copies along the path and leaves the original alone', () => {
    const base = rt.parse('{"a": {"b": 1, "c": 2}, "d": 3}');
    const out = rt.x.opa_value_with_path(base, path('a', 'b'), rt.parse('[9]'));
    expect(rt.json(out)).toBe('{"a":{"b":[9],"c":2},"d":3}');
    expect(rt.json(base)).toBe('{"a":{"b":1,"c":2},"d":3}');
    expect(rt.json(rt.x.opa_value_with_path(base, path('x', 'y'), rt.parse('1')))).toBe(
      '{"a":{"b":1,"c":2},"d":3,"x":{"y":1}}',
    );
    expect(rt.json(rt.x.opa_value_with_path(base, path('d', 'e'), rt.parse('1')))).toBe('{"a":{"b":1,"c":2},"d":{"e":1}}');
    expect(rt.json(rt.x.opa_value_with_path(base, path(), rt.parse('5')))).toBe('5');
    expect(rt.json(rt.x.opa_value_with_path(0, path('k'), rt.parse('5')))).toBe('{"k":5}');
  });

  it('opa_object_merge merges recursively, first argument wins on conflicts', () => {
    const a = rt.parse('{"x": {"p": 1, "q": {"r": 1}}, "y": 1, "z": [1]}');
    const b = rt.parse('{"x": {"q": {"s": 2}, "t": 3}, "y": 2, "w": 0}');
    expect(rt.json(rt.x.opa_object_merge(a, b))).toBe('{"w":0,"x":{"p":1,"q":{"r":1,"s":2},"t":3},"y":1,"z":[1]}');
    expect(rt.x.opa_object_merge(a, rt.parse('[1]'))).toBe(0);
    expect(rt.json(a)).toBe('{"x":{"p":1,"q":{"r":1}},"y":1,"z":[1]}');
  });

  it('opa_value_add_path / opa_value_remove_path', () => {
    const data = rt.parse('{"a": {"b": 1}, "s": "str"}');
    expect(rt.x.opa_value_add_path(data, path('a', 'c', 'd'), rt.parse('true'))).toBe(0);
    expect(rt.json(data)).toBe('{"a":{"b":1,"c":{"d":true}},"s":"str"}');
    expect(rt.x.opa_value_add_path(data, path('a', 'b'), rt.parse('2'))).toBe(0);
    expect(rt.x.opa_value_add_path(data, path('s', 'x'), rt.parse('2'))).toBe(2);
    expect(rt.x.opa_value_add_path(data, path(), rt.parse('2'))).toBe(3);
    expect(rt.x.opa_value_add_path(data, rt.parse('"a"'), rt.parse('2'))).toBe(3);
    expect(rt.json(data)).toBe('{"a":{"b":2,"c":{"d":true}},"s":"str"}');
    expect(rt.x.opa_value_remove_path(data, path('a', 'c'))).toBe(0);
    expect(rt.x.opa_value_remove_path(data, path('nope', 'c'))).toBe(0);
    expect(rt.x.opa_value_remove_path(data, path('s', 'c'))).toBe(2);
    expect(rt.json(data)).toBe('{"a":{"b":2},"s":"str"}');
  });
});
