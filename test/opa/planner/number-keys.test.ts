// Object keys that are number literals unify by exact value: 1 == 1.0, but 2^64 != 2^64 + 1.
import { describe, expect, it } from 'vitest';
import { exactNumberKey } from '../../../opa/planner/unify.ts';
import { compile, loadCompiled } from '../../../opa/index.ts';

describe('number literal keys', () => {
  it('canonical text keeps exact values apart and equal values together', () => {
    expect(exactNumberKey('1')).toBe(exactNumberKey('1.0'));
    expect(exactNumberKey('1')).toBe(exactNumberKey('1e0'));
    expect(exactNumberKey('100')).toBe(exactNumberKey('1e2'));
    expect(exactNumberKey('0.0')).toBe(exactNumberKey('0'));
    expect(exactNumberKey('18446744073709551616')).not.toBe(exactNumberKey('18446744073709551617'));
    expect(exactNumberKey('-2.50')).toBe(exactNumberKey('-2.5'));
  });

  it('unifying object literals with big number keys compares exactly', async () => {
    const text = 'package k\n\np if { {18446744073709551616: "a"} = {18446744073709551617: "a"} }\nr if { {18446744073709551616: "a"} = {18446744073709551616: "a"} }\nq if { {1: "a"} = {1: x}; x == "a" }\n';
    const r = compile([{ file: 'k.rego', text }], { entrypoints: ['k/p', 'k/q', 'k/r'] });
    expect(r.diagnostics).toEqual([]);
    const policy = await loadCompiled(r.wasm!);
    expect(policy.evaluate(undefined, 'k/p')).toEqual([]);
    expect(policy.evaluate(undefined, 'k/q')).toEqual([{ result: true }]);
    expect(policy.evaluate(undefined, 'k/r')).toEqual([{ result: true }]);
  });
});
