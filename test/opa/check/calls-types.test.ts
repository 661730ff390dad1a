// CheckUndefinedFuncs (arity) and CheckTypes (literal argument kinds), with OPA's message shapes.
import { describe, expect, it } from 'vitest';
import { errors, run } from './helpers.ts';

describe('arity', () => {
  it('builtin arity mismatch shows have/want in OPA type notation', () => {
    expect(errors(run('package t\np if { count(1, 2, 3) }'))).toEqual([
      'rego_type_error: count: arity mismatch\n\thave: (number, number, number)\n\twant: (any<array[any], object[any: any], set[any], string>)',
    ]);
  });

  it('a nested call may not pass the output argument', () => {
    expect(errors(run('package t\np if { x := count([1], 2) }'))[0]).toMatch(/^rego_type_error: count: arity mismatch/);
    expect(errors(run('package t\np if { count([1], 1) }'))).toEqual([]);
  });

  it('user function arity', () => {
    expect(errors(run('package t\nf(x) := x\np if { f(1, 2, 3) }'))).toEqual(['rego_type_error: function data.t.f has arity 1, got 3 arguments']);
    expect(errors(run('package t\nq := 1\np if { q(1, 2) }'))).toEqual(['rego_type_error: function data.t.q has arity 0, got 2 arguments']);
  });
});

describe('CheckTypes', () => {
  it('rejects literals of the wrong kind', () => {
    expect(errors(run('package t\np if { count(1) }'))).toEqual([
      'rego_type_error: count: invalid argument(s)\n\thave: (number)\n\twant: (any<array[any], object[any: any], set[any], string>)',
    ]);
    expect(errors(run('package t\np := "a" + 1'))[0]).toMatch(/^rego_type_error: plus: invalid argument\(s\)\n\thave: \(string, number\)/);
  });

  it('never judges vars, refs, calls or null', () => {
    expect(errors(run('package t\np := count(input.x) + count(data.y) + abs(count([1]))'))).toEqual([]);
    expect(errors(run('package t\np contains x if glob.match("*", null, "a", x)'))).toEqual([]);
    expect(errors(run('package t\np := x if { x := "a"; y := x + 1 }'))).toEqual([]);
  });

  it('unions accept any member', () => {
    expect(errors(run('package t\np := count("abc") + count({1}) + count({"a": 1})'))).toEqual([]);
    expect(errors(run('package t\np := {1, 2} - {1}'))).toEqual([]);
  });
});

describe('CheckDeprecatedBuiltins', () => {
  it('refuses deprecated builtins as Rego v1 does, but not user functions of that name', () => {
    expect(errors(run('package t\np := any([true, false])'))).toEqual(['rego_type_error: deprecated built-in function calls in expression: any']);
    expect(errors(run('package t\nall(arr) := {x | some x in arr} == {true}\np := all([true, false])'))).toEqual([]);
  });
});
