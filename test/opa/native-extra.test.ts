// Builtins writ runs natively beyond the SDK's list: object.keys keeps non-string keys and returns a set.
import { describe, expect, it } from 'vitest';
import { compile, loadCompiled } from '../../opa/index.ts';

async function value(expr: string): Promise<unknown> {
  const r = compile([{ file: 'k.rego', text: `package k\n\ns := "str"\n\nn := 1\n\nj := "{\\"a\\": [1]}"\n\np := x if { x := ${expr} }\n` }], { entrypoints: ['k/p'] });
  expect(r.diagnostics).toEqual([]);
  const p = await loadCompiled(r.wasm!);
  return p.evaluate(undefined, 'k/p')[0]?.result;
}

describe('object.keys (native)', () => {
  it('returns the set of keys, sorted', async () => {
    expect(await value('object.keys({"b": 1, "a": 2})')).toEqual(['a', 'b']);
    expect(await value('object.keys({})')).toEqual([]);
  });
  it('keeps non-string keys as they are', async () => {
    expect(await value('object.keys({1: "a", [2]: "b"})')).toEqual([1, [2]]);
  });
  it('is a set: set operations apply', async () => {
    expect(await value('object.keys({"a": 1}) | {"c"}')).toEqual(['a', 'c']);
  });
  it('is undefined for non-objects', async () => {
    expect(await value('object.keys(data.k.s)')).toBeUndefined();
  });
});

describe('json.is_valid (native, as OPA compiles it)', () => {
  it('is true for JSON text, false for other text and for non-strings', async () => {
    expect(await value('json.is_valid(data.k.j)')).toBe(true);
    expect(await value('json.is_valid(data.k.s)')).toBe(false);
    expect(await value('json.is_valid(data.k.n)')).toBe(false);
  });
});
