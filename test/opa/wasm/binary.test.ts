// Binary layer: LEB128, module read/write round trips, and function-index remapping on import insertion.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteReader, ByteWriter } from '../../../opa/wasm/leb128.ts';
import { ExternKind, readModule, writeModule } from '../../../opa/wasm/module.ts';
import { addFuncImports } from '../../../opa/wasm/runtime-module.ts';
import { defaultRuntime, describeModule } from '../../../opa/wasm/index.ts';

function compileSample(): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'writ-wasm-'));
  const out = join(dir, 'sample.wasm');
  execFileSync('clang-16', [
    '--target=wasm32', '-O2', '-nostdlib', '-Wl,--no-entry', '-Wl,--export=__heap_base', '-Wl,--stack-first',
    '-Wl,--allow-undefined', '-o', out, new URL('./fixtures/sample.c', import.meta.url).pathname,
  ]);
  return new Uint8Array(readFileSync(out));
}

describe('LEB128', () => {
  it('round-trips unsigned and signed values', () => {
    const u = [0, 1, 127, 128, 300, 624485, 0x7fffffff, 0xffffffff];
    const s = [0, 1, -1, 63, 64, -64, -65, 2147483647, -2147483648];
    const w = new ByteWriter();
    for (const v of u) w.u32(v);
    for (const v of s) w.s32(v);
    w.s64(-(2n ** 63n)).s64(2n ** 63n - 1n);
    const r = new ByteReader(w.finish());
    expect(u.map(() => r.u32())).toEqual(u);
    expect(s.map(() => r.s32())).toEqual(s);
    expect(r.s64()).toBe(-(2n ** 63n));
    expect(r.s64()).toBe(2n ** 63n - 1n);
    expect(r.eof()).toBe(true);
  });

  it('encodes known byte sequences', () => {
    expect(Array.from(new ByteWriter().u32(624485).finish())).toEqual([0xe5, 0x8e, 0x26]);
    expect(Array.from(new ByteWriter().s32(-123456).finish())).toEqual([0xc0, 0xbb, 0x78]);
    expect(Array.from(new ByteWriter().s32(64).finish())).toEqual([0xc0, 0x00]);
  });

  it('round-trips arbitrary values (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))), (rows) => {
      const w = new ByteWriter();
      for (const [u, s, b] of rows) w.u32(u).s32(s).s64(b);
      const r = new ByteReader(w.finish());
      for (const [u, s, b] of rows) {
        expect(r.u32()).toBe(u);
        expect(r.s32()).toBe(s);
        expect(r.s64()).toBe(b);
      }
      expect(r.eof()).toBe(true);
    }));
  });

  it('rejects truncated input', () => {
    expect(() => new ByteReader(new Uint8Array([0x80, 0x80])).u32()).toThrow(/internal/);
  });
});

describe('module reader/writer', () => {
  const sample = compileSample();

  it('parses sections of a clang-built module', () => {
    const m = readModule(sample);
    expect(m.exports.map((e) => e.name)).toEqual(expect.arrayContaining(['apply', 'bump', 'memory', '__heap_base']));
    expect(m.imports.some((i) => i.name === 'host_twice')).toBe(true);
    expect(m.datas.length).toBeGreaterThan(0);
    expect(m.elements.length).toBe(1);
  });

  it('write(read(x)) is stable and read(write(read(x))) equals read(x)', () => {
    const once = writeModule(readModule(sample));
    const twice = writeModule(readModule(once));
    expect(Buffer.from(twice).equals(Buffer.from(once))).toBe(true);
    expect(readModule(once)).toEqual(readModule(sample));
    expect(once.length).toBeLessThanOrEqual(sample.length);
  });

  it('the rewritten module behaves like the original', async () => {
    const rewritten = writeModule(readModule(sample));
    const env = { host_twice: (x: number) => 2 * x };
    const instance = await WebAssembly.instantiate(new WebAssembly.Module(rewritten), { env });
    const ex = instance.exports as Record<string, (...a: any[]) => any>;
    expect(ex.apply(0, 3, 4)).toBe(7);
    expect(ex.apply(1, 3, 4)).toBe(12);
    expect(String.fromCharCode(ex.greeting_char(0), ex.greeting_char(1))).toBe('he');
    expect(ex.bump()).toBe(8);
    expect(ex.twice_plus(5)).toBe(16);
    expect(ex.big(2n)).toBe(6000000000n);
  });

  it('inserting function imports remaps calls, exports and the indirect-call table', async () => {
    const m = readModule(sample);
    const exportsBefore = new Map<string, number>();
    for (const e of m.exports) if (e.kind === ExternKind.Func) exportsBefore.set(e.name, e.index);
    addFuncImports(m, ['opa_builtin1', 'opa_builtin3'], exportsBefore);
    const out = writeModule(m);
    const d = describeModule(out);
    expect(d.imports.map((i) => i.name)).toEqual(['host_twice', 'opa_builtin1', 'opa_builtin3']);
    const env = { host_twice: (x: number) => 2 * x, opa_builtin1: () => 0, opa_builtin3: () => 0 };
    const instance = await WebAssembly.instantiate(new WebAssembly.Module(out), { env });
    const ex = instance.exports as Record<string, (...a: any[]) => any>;
    expect(ex.apply(0, 3, 4)).toBe(7);
    expect(ex.apply(1, 3, 4)).toBe(12);
    expect(ex.twice_plus(5)).toBe(16);
    expect(exportsBefore.get('apply')).toBe(m.exports.find((e) => e.name === 'apply')!.index);
  });

  it('refuses non-wasm input with an internal error', () => {
    expect(() => readModule(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/internal/);
  });

  it('round-trips the runtime module (custom sections dropped, everything else equivalent)', async () => {
    const rt = defaultRuntime();
    const parsed = readModule(rt);
    const once = writeModule(parsed);
    expect(readModule(once)).toEqual(parsed);
    expect(Buffer.from(writeModule(readModule(once))).equals(Buffer.from(once))).toBe(true);
    const a = WebAssembly.Module.exports(new WebAssembly.Module(rt));
    const b = WebAssembly.Module.exports(new WebAssembly.Module(once));
    expect(b).toEqual(a);
    expect(WebAssembly.Module.imports(new WebAssembly.Module(once))).toEqual(WebAssembly.Module.imports(new WebAssembly.Module(rt)));
  });
});
