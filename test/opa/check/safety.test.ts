// CheckSafety: unsafe variables are reported, and bodies are reordered so every var is bound first.
import { describe, expect, it } from 'vitest';
import { body, errors, rule, run, show, showBody } from './helpers.ts';

describe('CheckSafety', () => {
  it('reorders a comparison after the expression that binds its var', () => {
    const r = run('package t\np contains x if { x > 1; x = input.xs[_] }');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('x = input.xs[$_0]; x > 1');
  });

  it('moves `not` after the bindings of its vars', () => {
    const r = run('package t\np if { not input.deny[i]; i = 2 }');
    expect(body(r, 'p')).toBe('i = 2; not input.deny[i]');
  });

  it('binds through destructuring and object patterns', () => {
    const r = run('package t\np := a + b + c if { c > 0; [a, {"k": c}] = input.pair; b = a }');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('[a, {"k": c}] = input.pair; b = a; c > 0');
  });

  it('binds output arguments of builtins and user functions', () => {
    const r = run('package t\np if { n > 0; count(input.xs, n); m > 1; f(2, m) }\nf(x) := x');
    expect(errors(r)).toEqual([]);
    // One pass in source order, then again for what became ready (OPA's order).
    expect(body(r, 'p')).toBe('count(input.xs, n); data.t.f(2, m); n > 0; m > 1');
  });

  it('binds ref keys only when the ref head is safe', () => {
    const r = run('package t\np if { xs[i] > 0; xs = input.xs }');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('xs = input.xs; xs[i] > 0');
  });

  it('waits for outer vars used in a comprehension', () => {
    const r = run('package t\np if { ys := [y | y := input.ys[_]; y > x]; x := 1 }');
    // x is declared after the comprehension: OPA treats the comprehension's x as its own, unsafe.
    expect(errors(r)).toEqual(['rego_unsafe_var_error: var x is unsafe']);
    const ok = run('package t\np if { ys := [y | y := input.ys[_]; y > x]; x = 1 }');
    expect(errors(ok)).toEqual([]);
    expect(body(ok, 'p')).toBe('x = 1; ys := [y | y := input.ys[$_0]; y > x]');
  });

  it('reorders comprehension and every bodies too', () => {
    const r = run('package t\np := [y | y > 1; y = input.ys[_]]\nq if { every v in input.vs { w > v; w = 3 } }');
    expect(errors(r)).toEqual([]);
    expect(show(rule(r, 'p').value!)).toBe('[y | y = input.ys[$_0]; y > 1]');
    expect(body(r, 'q')).toBe('every v in input.vs { w = 3; w > v }');
  });

  it('some .. in binds its key and value', () => {
    const r = run('package t\np contains [k, v] if { some k, v in input.m; v > 1; some [a, b] in input.pairs; a == k; b == v }');
    expect(errors(r)).toEqual([]);
    // Using a var before `some` declares it is OPA's "referenced above".
    expect(errors(run('package t\np if { v > 1; some v in input.m }'))).toEqual(['rego_compile_error: var v referenced above']);
  });

  it('reports unsafe vars in bodies, heads, negations and comprehension heads', () => {
    expect(errors(run('package t\np if { x > 1 }'))).toEqual(['rego_unsafe_var_error: var x is unsafe']);
    expect(errors(run('package t\np contains x if { input.a }'))).toEqual(['rego_unsafe_var_error: var x is unsafe']);
    expect(errors(run('package t\np if { not input.a[x] }'))).toEqual(['rego_unsafe_var_error: var x is unsafe']);
    expect(errors(run('package t\np := [x | input.a]'))).toEqual(['rego_unsafe_var_error: var x is unsafe']);
    expect(errors(run('package t\np if { x in input.xs }'))).toEqual(['rego_unsafe_var_error: var x is unsafe']);
  });

  it('with values must be bound; builtin replacements are names, not vars', () => {
    expect(errors(run('package t\np if { input.x with input as y }'))).toEqual(['rego_unsafe_var_error: var y is unsafe']);
    const r = run('package t\np := x if { x = count([1]) with count as sum }');
    expect(errors(r)).toEqual([]);
  });

  it('function args are bound in the body', () => {
    expect(errors(run('package t\nf([a, b]) := a + b'))).toEqual([]);
  });

  it('reorders the query', () => {
    const r = run('package t\nq := 1', 'y = x + 1; x = data.t.q');
    expect(showBody(r.query!)).toBe('x = data.t.q; y = x + 1');
  });
});

describe('with replacements', () => {
  it('user functions and builtins as replacement values; unknown ones are undefined functions', () => {
    const r = run('package t\nf(x) := 1\ng(x) := 2\np := y if { y := f(1) with f as g }\nq := y if { y := f(1) with f as count }');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('y := data.t.f(1) with data.t.f as data.t.g');
    expect(body(r, 'q')).toBe('y := data.t.f(1) with data.t.f as count');
    expect(errors(run('package t\np := x if { x = time.now_ns() with time.now_ns as opa.nosuch }'))).toEqual([
      'rego_type_error: undefined function opa.nosuch',
    ]);
  });

  it('a local value replacing a function is a variable', () => {
    const r = run('package t\nf(x) := 1\np := y if { v := 5; y := f(1) with f as v }');
    expect(errors(r)).toEqual([]);
  });
});
