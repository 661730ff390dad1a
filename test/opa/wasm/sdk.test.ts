// Hand-written IR policies compiled with generateWasm and run through @open-policy-agent/opa-wasm.
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { PolicyBuilder, block, l, thrown } from './ir-helpers.ts';
import { describeModule, generateWasm, missingNativeBuiltins, defaultRuntime } from '../../../opa/wasm/index.ts';
import { InputLocal as IN, DataLocal as DATA } from '../../../opa/ir/ir.ts';

const ABI_IMPORTS = new Set(['memory', 'opa_abort', 'opa_println', 'opa_builtin0', 'opa_builtin1', 'opa_builtin2', 'opa_builtin3', 'opa_builtin4']);

describe('generateWasm + opa-wasm SDK', () => {
  it('a constant plan', async () => {
    const b = new PolicyBuilder();
    b.plan('test/const', [{ type: 'MakeNumberIntStmt', value: '42', target: 2 }], 2);
    const { policy } = await b.load();
    expect(policy.evaluate(null, 'test/const')).toEqual([{ result: 42 }]);
    expect(policy.evaluate({ any: 1 }, 0)).toEqual([{ result: 42 }]);
  });

  it('module shape: env.* imports only, small memory without maximum, ABI exports', async () => {
    const b = new PolicyBuilder();
    b.plan('a/b', [{ type: 'MakeStringStmt', index: b.str('x'), target: 2 }], 2);
    const wasm = generateWasm(b.policy());
    const mod = new WebAssembly.Module(wasm);
    for (const im of WebAssembly.Module.imports(mod)) {
      expect(im.module).toBe('env');
      expect(ABI_IMPORTS.has(im.name)).toBe(true);
    }
    const d = describeModule(wasm);
    expect(d.memory).toEqual({ imported: true, min: expect.any(Number) });
    expect(d.memory!.min).toBeLessThanOrEqual(2);
    expect(d.memory!.max).toBeUndefined();
    const names = d.exports.map((e) => e.name);
    for (const n of ['memory', 'opa_wasm_abi_version', 'opa_wasm_abi_minor_version', 'builtins', 'entrypoints', 'opa_eval', 'opa_malloc', 'opa_json_parse', 'opa_json_dump', 'opa_heap_ptr_get', 'opa_heap_ptr_set', 'eval']) {
      expect(names).toContain(n);
    }
    expect(names.some((n) => n.startsWith('wb_') || n.startsWith('writ_'))).toBe(false);
    const inst = new WebAssembly.Instance(mod, {
      env: { memory: new WebAssembly.Memory({ initial: 5 }), opa_abort() {}, opa_println() {}, opa_builtin0() {}, opa_builtin1() {}, opa_builtin2() {}, opa_builtin3() {}, opa_builtin4() {} },
    });
    expect((inst.exports.opa_wasm_abi_version as WebAssembly.Global).value).toBe(1);
    expect((inst.exports.opa_wasm_abi_minor_version as WebAssembly.Global).value).toBe(3);
  });

  it('entrypoints list and dispatch by name and id', async () => {
    const b = new PolicyBuilder();
    b.plan('x/one', [{ type: 'MakeStringStmt', index: b.str('one'), target: 2 }], 2);
    b.plan('x/two', [{ type: 'MakeStringStmt', index: b.str('two'), target: 2 }], 2);
    const { policy } = await b.load();
    expect(policy.entrypoints).toEqual({ 'x/one': 0, 'x/two': 1 });
    expect(policy.evaluate(null, 'x/two')).toEqual([{ result: 'two' }]);
    expect(policy.evaluate(null, 0)).toEqual([{ result: 'one' }]);
    expect(thrown(() => policy.evaluate(null, 7))).toContain('internal: illegal entrypoint id');
  });

  it('a Dot chain on input; undefined gives no row', async () => {
    const b = new PolicyBuilder();
    b.plan('t/dot', [
      { type: 'DotStmt', source: l(IN), key: b.s('a'), target: 2 },
      { type: 'DotStmt', source: l(2), key: b.s('b'), target: 3 },
    ], 3);
    const { policy } = await b.load();
    expect(policy.evaluate({ a: { b: 'x' } }, 't/dot')).toEqual([{ result: 'x' }]);
    expect(policy.evaluate({ a: { b: [1, { c: null }] } }, 't/dot')).toEqual([{ result: [1, { c: null }] }]);
    expect(policy.evaluate({ a: { c: 1 } }, 't/dot')).toEqual([]);
    expect(policy.evaluate({ a: 'str' }, 't/dot')).toEqual([]);
    expect(policy.evaluate(undefined, 't/dot')).toEqual([]);
  });

  it('setData: a plan reading data', async () => {
    const b = new PolicyBuilder();
    b.plan('t/data', [
      { type: 'DotStmt', source: l(DATA), key: b.s('limits'), target: 2 },
      { type: 'DotStmt', source: l(2), key: l(IN), target: 3 },
    ], 3);
    const { policy } = await b.load();
    expect(policy.evaluate('cpu', 't/data')).toEqual([]);
    policy.setData({ limits: { cpu: 4, mem: '1Gi' } });
    expect(policy.evaluate('cpu', 't/data')).toEqual([{ result: 4 }]);
    expect(policy.evaluate('mem', 't/data')).toEqual([{ result: '1Gi' }]);
    policy.setData({ limits: { cpu: 8 } });
    expect(policy.evaluate('cpu', 't/data')).toEqual([{ result: 8 }]);
  });

  it('a scan building a set (array, object and non-collection sources)', async () => {
    const b = new PolicyBuilder();
    b.plan('t/scan', [
      { type: 'MakeSetStmt', target: 2 },
      { type: 'BlockStmt', blocks: [block(
        { type: 'DotStmt', source: l(IN), key: b.s('xs'), target: 3 },
        { type: 'ScanStmt', source: 3, key: 4, value: 5, block: block(
          { type: 'NotEqualStmt', a: l(5), b: b.s('skip') },
          { type: 'SetAddStmt', value: l(5), set: 2 },
        ) },
      )] },
    ], 2);
    const { policy } = await b.load();
    expect(policy.evaluate({ xs: ['b', 'skip', 'a', 'b'] }, 't/scan')).toEqual([{ result: ['a', 'b'] }]);
    expect(policy.evaluate({ xs: { k1: 3, k2: 'skip', k3: 1 } }, 't/scan')).toEqual([{ result: [1, 3] }]);
    expect(policy.evaluate({ xs: 5 }, 't/scan')).toEqual([{ result: [] }]);
  });

  it('not: defined iff the inner block is undefined', async () => {
    const b = new PolicyBuilder();
    b.plan('t/not', [
      { type: 'NotStmt', block: block(
        { type: 'DotStmt', source: l(IN), key: b.s('deny'), target: 2 },
        { type: 'EqualStmt', a: l(2), b: { bool: true } },
      ) },
      { type: 'MakeBooleanStmt', value: true, target: 3 },
    ], 3);
    const { policy } = await b.load();
    expect(policy.evaluate({ deny: true }, 't/not')).toEqual([]);
    expect(policy.evaluate({ deny: false }, 't/not')).toEqual([{ result: true }]);
    expect(policy.evaluate({}, 't/not')).toEqual([{ result: true }]);
    expect(policy.evaluate(undefined, 't/not')).toEqual([{ result: true }]);
  });

  it('functions, AssignVarOnce and the conflict abort message', async () => {
    const b = new PolicyBuilder();
    // rule x: "a" if input.p; "b" if input.q  (complete rule: both true -> conflict)
    b.funcs.push({
      name: 'g0.data.t.x', params: [0, 1], ret: 2, path: ['t', 'x'],
      blocks: [
        block({ type: 'DotStmt', source: l(IN), key: b.s('p'), target: 3 }, { type: 'EqualStmt', a: l(3), b: { bool: true } },
          { type: 'AssignVarOnceStmt', source: b.s('a'), target: 2 }),
        block({ type: 'DotStmt', source: l(IN), key: b.s('q'), target: 3 }, { type: 'EqualStmt', a: l(3), b: { bool: true } },
          { type: 'AssignVarOnceStmt', source: b.s('b'), target: 2, loc: { file: 'test.rego', row: 3, col: 1 }, message: 'complete rules must not produce multiple outputs' }),
      ],
    });
    b.plan('t/x', [{ type: 'CallStmt', func: 'g0.data.t.x', args: [l(IN), l(DATA)], result: 2 }], 2);
    const { policy } = await b.load();
    expect(policy.evaluate({ p: true }, 't/x')).toEqual([{ result: 'a' }]);
    expect(policy.evaluate({ q: true }, 't/x')).toEqual([{ result: 'b' }]);
    expect(policy.evaluate({}, 't/x')).toEqual([]);
    expect(thrown(() => policy.evaluate({ p: true, q: true }, 't/x')))
      .toBe('test.rego:3:1: var assignment conflict: complete rules must not produce multiple outputs');
    // The module keeps working after an abort.
    expect(policy.evaluate({ p: true }, 't/x')).toEqual([{ result: 'a' }]);
  });

  it('object insert conflict', async () => {
    const b = new PolicyBuilder();
    b.plan('t/obj', [
      { type: 'MakeObjectStmt', target: 2 },
      { type: 'ScanStmt', source: IN, key: 3, value: 4, block: block(
        { type: 'DotStmt', source: l(4), key: b.s('k'), target: 5 },
        { type: 'DotStmt', source: l(4), key: b.s('v'), target: 6 },
        { type: 'ObjectInsertOnceStmt', key: l(5), value: l(6), object: 2, loc: { file: 'p.rego', row: 7, col: 2 } },
      ) },
    ], 2);
    const { policy } = await b.load();
    expect(policy.evaluate([{ k: 'a', v: 1 }, { k: 'b', v: 2 }, { k: 'a', v: 1.0 }], 't/obj')).toEqual([{ result: { a: 1, b: 2 } }]);
    expect(thrown(() => policy.evaluate([{ k: 'a', v: 1 }, { k: 'a', v: 2 }], 't/obj'))).toBe('p.rego:7:2: object insert conflict');
  });

  it('native builtins: plus and count', async () => {
    const b = new PolicyBuilder();
    b.builtin('plus', 2);
    b.builtin('count', 1);
    b.plan('t/plus', [
      { type: 'DotStmt', source: l(IN), key: b.s('a'), target: 2 },
      { type: 'DotStmt', source: l(IN), key: b.s('b'), target: 3 },
      { type: 'CallStmt', func: 'plus', args: [l(2), l(3)], result: 4 },
      { type: 'CallStmt', func: 'count', args: [l(IN)], result: 5 },
      { type: 'MakeArrayStmt', capacity: 2, target: 6 },
      { type: 'ArrayAppendStmt', value: l(4), array: 6 },
      { type: 'ArrayAppendStmt', value: l(5), array: 6 },
    ], 6);
    const { policy } = await b.load();
    expect(policy.evaluate({ a: 2, b: 40 }, 't/plus')).toEqual([{ result: [42, 2] }]);
    expect(policy.evaluate({ a: 2, b: 'x' }, 't/plus')).toEqual([]); // type error -> undefined
  });

  it('host builtin sprintf through the SDK (opa_builtin2)', async () => {
    const b = new PolicyBuilder();
    b.builtin('sprintf', 2);
    b.plan('t/fmt', [
      { type: 'DotStmt', source: l(IN), key: b.s('n'), target: 2 },
      { type: 'MakeArrayStmt', capacity: 2, target: 3 },
      { type: 'ArrayAppendStmt', value: b.s('user'), array: 3 },
      { type: 'ArrayAppendStmt', value: l(2), array: 3 },
      { type: 'CallStmt', func: 'sprintf', args: [b.s('%s-%d'), l(3)], result: 4 },
    ], 4);
    const { wasm, policy } = await b.load();
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasm)).map((i) => i.name);
    expect(imports).toContain('opa_builtin2');
    expect(policy.evaluate({ n: 7 }, 't/fmt')).toEqual([{ result: 'user-7' }]);
  });

  it('with: replaces input for the block, then restores it', async () => {
    const b = new PolicyBuilder();
    b.funcs.push({
      name: 'g0.data.t.who', params: [0, 1], ret: 2,
      blocks: [block({ type: 'DotStmt', source: l(IN), key: b.s('user'), target: 3 }, { type: 'AssignVarOnceStmt', source: l(3), target: 2 })],
    });
    b.plan('t/with', [
      { type: 'MakeArrayStmt', capacity: 2, target: 2 },
      { type: 'WithStmt', local: IN, path: [b.str('user')], value: b.s('bob'), block: block(
        { type: 'CallStmt', func: 'g0.data.t.who', args: [l(IN), l(DATA)], result: 3 },
        { type: 'ArrayAppendStmt', value: l(3), array: 2 },
      ) },
      { type: 'CallStmt', func: 'g0.data.t.who', args: [l(IN), l(DATA)], result: 4 },
      { type: 'ArrayAppendStmt', value: l(4), array: 2 },
    ], 2);
    const { policy } = await b.load();
    expect(policy.evaluate({ user: 'alice' }, 't/with')).toEqual([{ result: ['bob', 'alice'] }]);
  });

  it('numbers: MakeNumberRef keeps the literal, MakeNumberInt handles int64 range, Len', async () => {
    const b = new PolicyBuilder();
    b.plan('t/num', [
      { type: 'MakeArrayStmt', capacity: 4, target: 2 },
      { type: 'MakeNumberRefStmt', index: b.str('1.5'), target: 3 },
      { type: 'ArrayAppendStmt', value: l(3), array: 2 },
      { type: 'MakeNumberIntStmt', value: '-9007199254740991', target: 4 },
      { type: 'ArrayAppendStmt', value: l(4), array: 2 },
      { type: 'LenStmt', source: l(IN), target: 5 },
      { type: 'ArrayAppendStmt', value: l(5), array: 2 },
      { type: 'MakeNullStmt', target: 6 },
      { type: 'ArrayAppendStmt', value: l(6), array: 2 },
    ], 2);
    const { policy } = await b.load();
    expect(policy.evaluate('h\u00e9llo', 't/num')).toEqual([{ result: [1.5, -9007199254740991, 5, null] }]);
  });

  it('break leaves enclosing blocks; ReturnLocal ends a function', async () => {
    const b = new PolicyBuilder();
    b.funcs.push({
      name: 'f', params: [0, 1], ret: 2,
      blocks: [
        block({ type: 'AssignVarStmt', source: b.s('first'), target: 2 }, { type: 'ReturnLocalStmt', source: 2 }),
        block({ type: 'AssignVarStmt', source: b.s('never'), target: 2 }),
      ],
    });
    b.plan('t/brk', [
      { type: 'MakeArrayStmt', capacity: 2, target: 2 },
      { type: 'BlockStmt', blocks: [block(
        { type: 'BlockStmt', blocks: [block({ type: 'BreakStmt', index: 1 })] },
        { type: 'ArrayAppendStmt', value: b.s('skipped'), array: 2 },
      )] },
      { type: 'CallStmt', func: 'f', args: [l(IN), l(DATA)], result: 3 },
      { type: 'ArrayAppendStmt', value: l(3), array: 2 },
    ], 2);
    const { policy } = await b.load();
    expect(policy.evaluate(null, 't/brk')).toEqual([{ result: ['first'] }]);
  });

  it('10,000 evaluations do not grow memory', async () => {
    const b = new PolicyBuilder();
    b.plan('t/loop', [
      { type: 'MakeSetStmt', target: 2 },
      { type: 'ScanStmt', source: IN, key: 3, value: 4, block: block({ type: 'SetAddStmt', value: l(4), set: 2 }) },
    ], 2);
    const policy = await loadPolicy(generateWasm(b.policy()));
    const input = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    policy.evaluate(input, 't/loop');
    const before = policy.mem.buffer.byteLength;
    for (let i = 0; i < 10_000; i++) policy.evaluate(input, 't/loop');
    expect(policy.mem.buffer.byteLength).toBe(before);
    expect(policy.evaluate(['b', 'a'], 't/loop')).toEqual([{ result: ['a', 'b'] }]);
  });

  it('rules are memoised per evaluation, not across with or evaluations', async () => {
    const b = new PolicyBuilder();
    b.builtin('test.tick', 1); // not in the registry: a caller-supplied host builtin
    b.funcs.push({
      name: 'g0.data.t.r', params: [0, 1], ret: 2,
      blocks: [block({ type: 'DotStmt', source: l(IN), key: b.s('v'), target: 3 }, { type: 'CallStmt', func: 'test.tick', args: [l(3)], result: 2 })],
    });
    const call = (target: number) => ({ type: 'CallStmt' as const, func: 'g0.data.t.r', args: [l(IN), l(DATA)], result: target });
    b.plan('t/memo', [
      { type: 'MakeArrayStmt', capacity: 4, target: 2 },
      call(3), { type: 'ArrayAppendStmt', value: l(3), array: 2 },
      call(3), { type: 'ArrayAppendStmt', value: l(3), array: 2 },
      { type: 'WithStmt', local: IN, path: [b.str('v')], value: b.s('w'), block: block(
        call(4), { type: 'ArrayAppendStmt', value: l(4), array: 2 },
      ) },
      call(3), { type: 'ArrayAppendStmt', value: l(3), array: 2 },
    ], 2);
    let ticks = 0;
    const policy = await loadPolicy(generateWasm(b.policy()), undefined, { 'test.tick': (v: string) => { ticks++; return `${v}${ticks}`; } });
    expect(policy.evaluate({ v: 'a' }, 't/memo')).toEqual([{ result: ['a1', 'a1', 'w2', 'a1'] }]);
    expect(ticks).toBe(2);
    expect(policy.evaluate({ v: 'b' }, 't/memo')).toEqual([{ result: ['b3', 'b3', 'w4', 'b3'] }]);
  });

  it('a break out of a with block restores the replaced document', async () => {
    const b = new PolicyBuilder();
    b.plan('t/wbrk', [
      { type: 'MakeArrayStmt', capacity: 2, target: 2 },
      { type: 'BlockStmt', blocks: [block(
        { type: 'WithStmt', local: IN, path: [], value: b.s('replaced'), block: block(
          { type: 'ArrayAppendStmt', value: l(IN), array: 2 },
          { type: 'BreakStmt', index: 1 },
        ) },
        { type: 'ArrayAppendStmt', value: b.s('not reached'), array: 2 },
      )] },
      { type: 'ArrayAppendStmt', value: l(IN), array: 2 },
    ], 2);
    const { policy } = await b.load();
    expect(policy.evaluate('original', 't/wbrk')).toEqual([{ result: ['replaced', 'original'] }]);
  });

  it('internal errors: host calls with more than 4 arguments, unknown callees, missing natives', () => {
    const b = new PolicyBuilder();
    b.builtin('test.five', 5);
    b.plan('t/five', [{ type: 'CallStmt', func: 'test.five', args: [l(IN), l(IN), l(IN), l(IN), l(IN)], result: 2 }], 2);
    expect(() => generateWasm(b.policy())).toThrow(/^internal: host builtin test.five/);
    const c = new PolicyBuilder();
    c.plan('t/unknown', [{ type: 'CallStmt', func: 'no.such.func', args: [], result: 2 }], 2);
    expect(() => generateWasm(c.policy())).toThrow(/^internal: call of unknown function no.such.func/);
    const d = new PolicyBuilder();
    d.builtin('plus', 2);
    expect(missingNativeBuiltins(d.policy(), defaultRuntime())).toEqual([]);
  });

  it('compilation is deterministic and compilations do not affect each other', () => {
    const a = new PolicyBuilder();
    a.plan('a/x', [{ type: 'MakeStringStmt', index: a.str('x'), target: 2 }], 2);
    const b = new PolicyBuilder();
    b.builtin('test.five', 4);
    b.plan('b/y', [{ type: 'CallStmt', func: 'test.five', args: [l(IN), l(IN), l(IN), l(IN)], result: 2 }], 2);
    const first = generateWasm(a.policy());
    generateWasm(b.policy());
    expect(Buffer.from(generateWasm(a.policy())).equals(Buffer.from(first))).toBe(true);
  });

  it('the ABI 1.0 context exports (eval, opa_eval_ctx_*) work without the SDK', () => {
    const b = new PolicyBuilder();
    b.plan('t/in', [{ type: 'DotStmt', source: l(IN), key: b.s('v'), target: 2 }], 2);
    const memory = new WebAssembly.Memory({ initial: 2 });
    let aborted = '';
    const text = (addr: number) => { const u8 = new Uint8Array(memory.buffer); let e = addr; while (u8[e]) e++; return new TextDecoder().decode(u8.subarray(addr, e)); };
    const inst = new WebAssembly.Instance(new WebAssembly.Module(generateWasm(b.policy())), {
      env: { memory, opa_abort: (a: number) => { aborted = text(a); throw new Error(aborted); }, opa_println() {}, opa_builtin0() {}, opa_builtin1() {}, opa_builtin2() {}, opa_builtin3() {}, opa_builtin4() {} },
    });
    const x = inst.exports as Record<string, (...a: number[]) => number>;
    const load = (json: string) => {
      const bytes = new TextEncoder().encode(json);
      const addr = x.opa_malloc(bytes.length);
      new Uint8Array(memory.buffer).set(bytes, addr);
      return x.opa_json_parse(addr, bytes.length);
    };
    expect(JSON.parse(text(x.opa_json_dump(x.entrypoints())))).toEqual({ 't/in': 0 });
    expect(JSON.parse(text(x.opa_json_dump(x.builtins())))).toEqual({});
    const ctx = x.opa_eval_ctx_new();
    x.opa_eval_ctx_set_input(ctx, load('{"v":[1,"two"]}'));
    x.opa_eval_ctx_set_data(ctx, load('{}'));
    x.opa_eval_ctx_set_entrypoint(ctx, 0);
    expect(x.eval(ctx)).toBe(0);
    expect(JSON.parse(text(x.opa_json_dump(x.opa_eval_ctx_get_result(ctx))))).toEqual([{ result: [1, 'two'] }]);
    x.opa_eval_ctx_set_entrypoint(ctx, 3);
    expect(() => x.eval(ctx)).toThrow();
    expect(aborted).toBe('internal: illegal entrypoint id');
  });
});
