// Planner semantics through the IR interpreter: rule kinds, else/default, conflicts, functions.
import { describe, expect, it } from 'vitest';
import { value, run, compile } from './helpers.ts';
import { ConflictError } from './interp.ts';

const mod = (body: string) => `package t\n${body}\n`;

describe('rule groups', () => {
  it('complete rules, incremental definitions and conflicts', () => {
    expect(value([mod('p := 1 if input.a\np := 1 if input.b')], 't/p', { a: true, b: true })).toBe(1);
    expect(value([mod('p := 1 if input.a\np := 2 if input.b')], 't/p', { a: true })).toBe(1);
    expect(() => value([mod('p := 1 if input.a\np := 2 if input.b')], 't/p', { a: true, b: true })).toThrow(ConflictError);
    expect(() => value([mod('p := 1 if input.a\np := 2 if input.b')], 't/p', { a: true, b: true })).toThrow(
      /var assignment conflict: complete rule data.t.p/,
    );
    expect(value([mod('p if input.a')], 't/p', {})).toBeUndefined();
  });

  it('default and else chains', () => {
    const m = mod('default p := "d"\np := "a" if input.x == 1 else := "b" if input.x == 2 else := "c"');
    expect(value([m], 't/p', { x: 1 })).toBe('a');
    expect(value([m], 't/p', { x: 2 })).toBe('b');
    expect(value([m], 't/p', { x: 3 })).toBe('c');
    expect(value([mod('default p := false\np if input.ok')], 't/p', {})).toBe(false);
  });

  it('partial sets and objects', () => {
    expect(value([mod('s contains x if some x in input.xs\ns contains 9')], 't/s', { xs: [3, 1, 3] })).toEqual([1, 3, 9]);
    expect(value([mod('o[k] := v if some k, v in input.m')], 't/o', { m: { a: 1, b: 2 } })).toEqual({ a: 1, b: 2 });
    expect(value([mod('s contains x if x := input.nope')], 't/s', {})).toEqual([]);
    expect(() => value([mod('o[k] := v if { some v in [1, 2]; k := "a" }')], 't/o', {})).toThrow(/object insert conflict/);
  });

  it('ref heads: constant, general and set leaves', () => {
    expect(value([mod('a.b.c := 1\na.b.d := 2')], 't/a', {})).toEqual({ b: { c: 1, d: 2 } });
    expect(value([mod('p[x].y := x if some x in ["u", "v"]')], 't/p', {})).toEqual({ u: { y: 'u' }, v: { y: 'v' } });
    expect(value([mod('p[x] contains y if { some x in ["a"]; some y in [1, 2] }')], 't/p', {})).toEqual({ a: [1, 2] });
    expect(value([mod('q[7] := 8\na[x] if q[x]')], 't/a', {})).toEqual({ '7': true });
  });

  it('ref heads: a leaf and a node at the same key conflict; rule values are never mutated', () => {
    const m = mod('v := {"s": {"t": 1}}\np[q].r := v if q := "q"\np.q.r.s.u := 42');
    expect(() => value([m], 't/p', {})).toThrow(/object insert conflict/);
    expect(value([mod('p.a.b := 1\np[x].c := 2 if x := "a"')], 't/p', {})).toEqual({ a: { b: 1, c: 2 } });
    expect(() => value([mod('p.a := 1\np[x].c := 2 if x := "a"')], 't/p', {})).toThrow(/object insert conflict/);
  });

  it('functions with several definitions, patterns and conflicts', () => {
    const m = mod('f(1) := "one"\nf(x) := "many" if { is_number(x); x > 1 }\nf([a, b]) := a + b\np := [f(1), f(5), f([2, 3])]');
    expect(value([m], 't/p', {})).toEqual(['one', 'many', 5]);
    expect(() => value([mod('f(x) := 1\nf(x) := 2\np := f(0)')], 't/p', {})).toThrow(ConflictError);
    expect(value([mod('default f(_) := 0\nf(x) := x if x > 10\np := [f(1), f(11)]')], 't/p', {})).toEqual([0, 11]);
  });
});

describe('references into data', () => {
  const lib = 'package lib\nx := 1\nobj := {"k": {"n": 2}}';
  it('package prefixes merge rule results with base data', () => {
    expect(value([lib, mod('p := data.lib')], 't/p', {}, { lib: { base: true } })).toEqual({ x: 1, obj: { k: { n: 2 } }, base: true });
    expect(value([lib, mod('p := data.lib.obj.k.n')], 't/p', {})).toBe(2);
  });
  it('variables in the middle of package paths iterate rules and base documents', () => {
    const mods = ['package a.b\np := 1', 'package a.c\np := 2', mod('s contains [k, v] if v := data.a[k].p')];
    expect(value(mods, 't/s', {}, { a: { d: { p: 3 } } })).toEqual([['b', 1], ['c', 2], ['d', 3]]);
  });
  it('wide packages and nested iterations use the full node value', () => {
    const pkgs = Array.from({ length: 10 }, (_, i) => `package w.p${i}\nv := ${i}`);
    expect(value([...pkgs, mod('s := {[k, v] | v := data.w[k].v; v > 7}')], 't/s', {}, { w: { base: { v: 100 } } })).toEqual([
      ['base', 100],
      ['p8', 8],
      ['p9', 9],
    ]);
    const few = ['package a.b\np := 1', 'package a.c\np := 2'];
    expect(value([...few, mod('s := {[x, y] | data.a[x].p < data.a[y].p}')], 't/s', {})).toEqual([['b', 'c']]);
  });
  it('entrypoint plans have one row keyed result, none when undefined', () => {
    expect(run([mod('p := 1 if input.x')], { entrypoint: 't/p', input: {} })).toEqual([]);
    expect(run([mod('p := 1')], { entrypoint: 't/p' })).toEqual([{ result: 1 }]);
  });
  it('query plans have one row per solution', () => {
    expect(run([mod('s := {1, 2}')], { query: 'data.t.s[x]; y := x * 10' })).toEqual([{ x: 1, y: 10 }, { x: 2, y: 20 }]);
  });
  it('unknown entrypoints are diagnostics', () => {
    const r = compile([mod('p := 1')], { entrypoints: ['t/nope'] });
    expect(r.policy).toBeUndefined();
    expect(r.diagnostics[0].message).toMatch(/entrypoint t\/nope/);
  });
});
