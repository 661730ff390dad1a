// Planner semantics of body expressions through the IR interpreter.
import { describe, expect, it } from 'vitest';
import { run, value } from './helpers.ts';

const mod = (body: string) => `package t\n${body}\n`;

describe('bodies', () => {
  it('unification destructures arrays and objects', () => {
    expect(value([mod('p := [a, b] if [a, {"k": b}] = input.v')], 't/p', { v: [1, { k: 2 }] })).toEqual([1, 2]);
    expect(value([mod('p := [x, y] if [1, x] = [y, input.two]')], 't/p', { two: 2 })).toEqual([2, 1]);
    expect(value([mod('p := [x, y] if [1, x] = [y, input.two]')], 't/p', { two: 2 })).toEqual([2, 1]);
    expect(value([mod('p := x if { some x; x == input.xs[x] }')], 't/p', { xs: [2, 1, 0] })).toBe(1);
  });

  it('builtins with output arguments, nested calls and undefined arguments', () => {
    expect(value([mod('p := n if count(input.xs, n)')], 't/p', { xs: [1, 2] })).toBe(2);
    expect(value([mod('p := upper(concat("-", ["a", lower("B")]))')], 't/p', {})).toBe('A-B');
    expect(value([mod('p := x + 1 if x := input.nope')], 't/p', {})).toBeUndefined();
    expect(value([mod('p if 1 / 0')], 't/p', {})).toBeUndefined();
  });

  it('not, every and membership', () => {
    expect(value([mod('p if not has(3)\nhas(n) if input.xs[_] == n')], 't/p', { xs: [1, 2] })).toBe(true);
    expect(value([mod('p if not has(2)\nhas(n) if input.xs[_] == n')], 't/p', { xs: [1, 2] })).toBeUndefined();
    expect(value([mod('p if every x in input.xs { x > 0 }')], 't/p', { xs: [1, 2] })).toBe(true);
    expect(value([mod('p if every x in input.xs { x > 1 }')], 't/p', { xs: [1, 2] })).toBeUndefined();
    expect(value([mod('p if every x in 5 { x > 1 }')], 't/p', {})).toBeUndefined();
    expect(value([mod('p if 2 in input.xs')], 't/p', { xs: [1, 2] })).toBe(true);
    expect(value([mod('p contains [k, v] if some k, v in input.o')], 't/p', { o: { a: 1 } })).toEqual([['a', 1]]);
  });

  it('comprehensions', () => {
    expect(value([mod('p := [x * 2 | some x in input.xs]')], 't/p', { xs: [1, 2] })).toEqual([2, 4]);
    expect(value([mod('p := {x | some x in input.xs}')], 't/p', { xs: [2, 1, 2] })).toEqual([1, 2]);
    expect(value([mod('p := {k: v | some k, v in input.o; v > 1}')], 't/p', { o: { a: 1, b: 2 } })).toEqual({ b: 2 });
    expect(value([mod('p := [x | x := input.nope]')], 't/p', {})).toEqual([]);
  });

  it('walk is a relation', () => {
    expect(value([mod('p contains path if walk(input, [path, 1])')], 't/p', { a: [1, { b: 1 }] })).toEqual([['a', 0], ['a', 1, 'b']]);
  });

  it('with on input, data, rules and functions', () => {
    expect(value([mod('q := input.x\np := v if { v := q with input.x as 5 }')], 't/p', { x: 1 })).toBe(5);
    expect(value([mod('q := input.x\np := [a, b] if { a := q with input.x as 5; b := q }')], 't/p', { x: 1 })).toEqual([5, 1]);
    expect(value([mod('q := data.d.v\np := x if { x := q with data.d.v as 7 }')], 't/p', {}, { d: { v: 1 } })).toBe(7);
    expect(value([mod('q := 1\nr := q + 1\np := x if { x := r with q as 10 }')], 't/p', {})).toBe(11);
    expect(value([mod('f(x) := x\ng(x) := f(x) + 1\nmock(x) := 100\np := x if { x := g(1) with f as mock }')], 't/p', {})).toBe(101);
    expect(value([mod('q := count([1])\np := x if { x := q with count as 42 }')], 't/p', {})).toBe(42);
    expect(value([mod('q := count([1])\nr := input.n\np := x if { x := q with count as r }')], 't/p', { n: 9 })).toBe(9);
  });
});

describe('data documents', () => {
  it('iterating a package skips functions; computed with-values do not show in data', () => {
    const lib = 'package lib\nf(x) := x\na := 1\nb := 2';
    expect(value([lib, mod('p := {k | data.lib[k]}')], 't/p', {})).toEqual(['a', 'b']);
    const m = mod('q := data.lib\np := x if { x := q with data.lib.a as input.v }');
    expect(value([lib, m], 't/p', { v: 5 })).toEqual({ a: 5, b: 2 });
    const rows = run([lib], { query: 'x := object.keys(data) with data.lib.a as input.v', input: { v: 5 } });
    expect(rows).toEqual([{ x: ['lib'] }]);
    const keys = run([lib], { query: 'x := {k | data[k]} with data.lib.a as input.v', input: { v: 5 } });
    expect(keys).toEqual([{ x: ['lib'] }]);
  });
});
