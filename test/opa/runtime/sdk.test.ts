// The runtime inside real compiled policies, evaluated through @open-policy-agent/opa-wasm:
// JSON in/out fidelity, sorted output, numeric equality, heap reuse across evaluations.
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostics, loadCompiledSync } from '../../../opa/index.ts';

function load(rego: string, entrypoints: string[]) {
  const r = compile([{ file: 'p.rego', text: rego }], { entrypoints });
  if (!r.ok || !r.wasm) throw new Error(formatDiagnostics(r));
  return loadCompiledSync(r.wasm);
}

describe('runtime through the SDK', () => {
  const policy = load(
    `package rt
echo := input
keys := {k | some k, _ in input}
one if input.n == 1
sorted_set := {3, 1, "b", "a", [1], null}
odd_keys := {1: "int", "1": "str", [1]: "arr"}
`,
    ['rt/echo', 'rt/keys', 'rt/one', 'rt/sorted_set', 'rt/odd_keys'],
  );

  it('echoes input values exactly as JSON.parse sees them', () => {
    const input = {
      s: 'é中😀 "quoted" \\ \n\t\u0001',
      big: 12345678901234567890,
      f: 0.1,
      huge: 1e308,
      neg: -0.5,
      arr: [1, 2.5, null, true, false, {}],
      nested: { z: 1, a: { y: [], b: 'x' } },
    };
    expect(policy.evaluate(input, 'rt/echo')).toEqual([{ result: input }]);
  });

  it('prints object keys and sets in sorted order', () => {
    const [{ result }] = policy.evaluate({ b: 1, a: 2, c: 3, A: 0 }, 'rt/keys') as Array<{ result: string[] }>;
    expect(result).toEqual(['A', 'a', 'b', 'c']);
    expect(policy.evaluate(null, 'rt/sorted_set')).toEqual([{ result: [null, 1, 3, 'a', 'b', [1]] }]);
    const [{ result: odd }] = policy.evaluate(null, 'rt/odd_keys') as Array<{ result: Record<string, string> }>;
    expect(odd).toEqual({ '1': 'str', '[1]': 'arr' }); // key 1 dumps as "1" too; JSON.parse keeps the last
  });

  it('compares numbers numerically (1.0 == 1)', () => {
    expect(policy.evaluate({ n: 1.0 }, 'rt/one')).toEqual([{ result: true }]);
    expect(policy.evaluate(new TextEncoder().encode('{"n": 1.0}').buffer, 'rt/one')).toEqual([{ result: true }]);
    expect(policy.evaluate(new TextEncoder().encode('{"n": 1e0}').buffer, 'rt/one')).toEqual([{ result: true }]);
    expect(policy.evaluate({ n: 2 }, 'rt/one')).toEqual([]);
  });

  it('reuses the heap across evaluations of a large input', () => {
    const input = Array.from({ length: 20000 }, (_, i) => ({ id: i, name: `user-${i}`, tags: ['a', 'b'] }));
    const first = policy.evaluate(input, 'rt/echo') as Array<{ result: unknown }>;
    expect(first[0].result).toEqual(input);
    const mem = (policy as unknown as { mem: WebAssembly.Memory }).mem;
    const size = mem.buffer.byteLength;
    for (let i = 0; i < 20; i++) policy.evaluate(input, 'rt/echo');
    expect(mem.buffer.byteLength).toBe(size);
  });

  it('keeps data across evaluations after setData', () => {
    const p = load('package d\nv := data.cfg.items[1]\n', ['d/v']);
    p.setData({ cfg: { items: ['x', { deep: 'é' }] } });
    for (let i = 0; i < 5; i++) expect(p.evaluate({ big: 'y'.repeat(100000) }, 'd/v')).toEqual([{ result: { deep: 'é' } }]);
  });
});
