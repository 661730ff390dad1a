// The runtime heap: bump allocation, growth, refusal, and heap pointer resets.
import { describe, expect, it } from 'vitest';
import { Abort, loadRuntime } from './harness.ts';

const PAGE = 65536;

describe('allocator', () => {
  it('grows memory past the initial pages', () => {
    const rt = loadRuntime();
    expect(rt.memory.buffer.byteLength).toBe(2 * PAGE);
    const p = rt.x.opa_malloc(300_000);
    expect(p % 8).toBe(0);
    expect(rt.memory.buffer.byteLength).toBeGreaterThanOrEqual(p + 300_000);
    new Uint8Array(rt.memory.buffer).fill(7, p, p + 300_000);
    const q = rt.x.opa_malloc(16);
    expect(q).toBeGreaterThanOrEqual(p + 300_000);
    // a big document forces repeated growth during parsing and dumping
    const big = JSON.stringify(Array.from({ length: 20000 }, (_, i) => ({ id: i, name: `n${i}` })));
    expect(rt.roundTrip(big)).toBe(big.replace(/"id":(\d+),"name"/g, '"id":$1,"name"'));
  });

  it('aborts with "opa_malloc: failed" when growth is refused', () => {
    const rt = loadRuntime({ memory: { initial: 2, maximum: 3 } });
    expect(rt.x.opa_malloc(1000)).toBeGreaterThan(0);
    expect(() => rt.x.opa_malloc(200_000)).toThrow(new Abort('opa_malloc: failed'));
    expect(() => rt.x.opa_malloc(0xfffffff0)).toThrow(new Abort('opa_malloc: failed'));
  });

  it('heap pointer get/set resets allocation', () => {
    const rt = loadRuntime();
    const base = rt.x.opa_heap_ptr_get();
    expect(base).toBeGreaterThanOrEqual(PAGE); // the shadow stack comes first
    const v = rt.parse('{"a": [1, 2, 3]}');
    expect(rt.x.opa_heap_ptr_get()).toBeGreaterThan(base);
    rt.x.opa_heap_ptr_set(base);
    expect(rt.x.opa_heap_ptr_get()).toBe(base);
    expect(rt.x.opa_malloc(8)).toBe(base);
    expect(v).toBeGreaterThan(base);
  });

  it('never hands out memory below the heap pointer', () => {
    const rt = loadRuntime();
    const hp = rt.x.opa_heap_ptr_get();
    for (let i = 0; i < 50; i++) {
      const p = rt.x.opa_malloc(i * 13);
      expect(p).toBeGreaterThanOrEqual(hp);
    }
  });

  it('copes with the host growing memory and a heap pointer beyond the old end', () => {
    const rt = loadRuntime();
    rt.memory.grow(3);
    const far = 4 * PAGE + 100;
    rt.x.opa_heap_ptr_set(far);
    const p = rt.x.opa_malloc(2 * PAGE);
    expect(p).toBeGreaterThanOrEqual(far);
    expect(rt.memory.buffer.byteLength).toBeGreaterThanOrEqual(p + 2 * PAGE);
    rt.x.opa_heap_ptr_set(20 * PAGE); // beyond memory entirely: the next malloc grows to it
    const q = rt.x.opa_malloc(10);
    expect(q).toBe(20 * PAGE);
    expect(rt.memory.buffer.byteLength).toBeGreaterThan(q);
  });

  it('a failed parse gives its partial allocations back', () => {
    const rt = loadRuntime();
    const text = Buffer.from('[1, 2, {"a": "b"}, ');
    const addr = rt.x.opa_malloc(text.length);
    new Uint8Array(rt.memory.buffer).set(text, addr);
    const hp = rt.x.opa_heap_ptr_get();
    expect(rt.x.opa_json_parse(addr, text.length)).toBe(0);
    expect(rt.x.opa_heap_ptr_get()).toBe(hp);
  });

  it('opa_realloc grows the newest block in place and copies otherwise', () => {
    const rt = loadRuntime();
    const p = rt.x.opa_malloc(16);
    new Uint8Array(rt.memory.buffer).set([1, 2, 3, 4], p);
    expect(rt.x.opa_realloc(p, 16, 64)).toBe(p);
    rt.x.opa_malloc(8);
    const q = rt.x.opa_realloc(p, 64, 128);
    expect(q).not.toBe(p);
    expect([...new Uint8Array(rt.memory.buffer, q, 4)]).toEqual([1, 2, 3, 4]);
  });

  it('1.3 stash calls and opa_free/opa_value_free are accepted', () => {
    const rt = loadRuntime();
    const v = rt.parse('[1]');
    rt.x.opa_heap_blocks_stash();
    rt.x.opa_heap_blocks_restore();
    rt.x.opa_heap_stash_clear();
    rt.x.opa_value_free(v);
    rt.x.opa_free(rt.x.opa_malloc(4));
    expect(rt.json(v)).toBe('[1]');
  });
});
