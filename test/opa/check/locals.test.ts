// RewriteLocalVars: unique names per rule, OPA's scoping and redeclaration errors.
import { describe, expect, it } from 'vitest';
import { body, errors, rule, run, show, showBody } from './helpers.ts';

describe('RewriteLocalVars', () => {
  it('renames a shadowing comprehension variable and wildcards', () => {
    const r = run('package t\np if { x := 1; y := [x | x := 2]; input.a[_] == input.b[_]; x < count(y) }');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('x := 1; y := [x$1 | x$1 := 2]; input.a[$_0] == input.b[$_1]; x < count(y)');
  });

  it('lets comprehensions see free variables of the enclosing body', () => {
    const r = run('package t\np if { x = input.x; ys := [y | y := input.ys[_]; y > x] }');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('x = input.x; ys := [y | y := input.ys[$_0]; y > x]');
  });

  it('a declaration further down does not reach back into an earlier comprehension', () => {
    // OPA: the comprehension's x is its own; the later `x :=` is another variable.
    const r = run('package t\np := x if { y := {x | input.xs[x]}; x := count(y) }');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('y := {x$1 | input.xs[x$1]}; x := count(y)');
  });

  it('reports redeclarations with OPA wording', () => {
    expect(errors(run('package t\np if { x := 1; x := 2 }'))).toEqual(['rego_compile_error: var x assigned above']);
    expect(errors(run('package t\np if { x = 1; x := 2 }'))).toEqual(['rego_compile_error: var x referenced above']);
    expect(errors(run('package t\nf(x) := 1 if { x := 2 }'))).toEqual(['rego_compile_error: arg x redeclared']);
    expect(errors(run('package t\np if { some x; x := 2 }'))).toEqual(['rego_compile_error: var x declared above']);
  });

  it('allows shadowing in nested scopes', () => {
    expect(errors(run('package t\np if { x := 1; every y in [1] { x := y } ; [x | x := 2] }'))).toEqual([]);
  });

  it('keeps the query variables, in order of appearance', () => {
    const r = run('package t\nq := 1', 'x := data.t.q; [y | y := x]; z = input.a[_]; y = 2');
    expect(errors(r)).toEqual([]);
    expect(r.queryVars).toEqual(['x', 'z', 'y']);
    expect(showBody(r.query!)).toBe('x := data.t.q; [y$1 | y$1 := x]; z = input.a[$_0]; y = 2');
  });

  it('cannot assign to a non-variable', () => {
    expect(errors(run('package t\np if { 1 := 2 }'))).toEqual(['rego_compile_error: cannot assign to number']);
  });

  it('function args and else branches', () => {
    const r = run('package t\nf(x, _) := y if { y := x + 1 } else := z if { z := x }');
    expect(errors(r)).toEqual([]);
    expect(show(rule(r, 'f').args![1])).toMatch(/^\$_\d+$/);
    expect(showBody(rule(r, 'f').elses[0].body)).toBe('z := x');
  });
});

describe('query variables', () => {
  it('keep their names even when a comprehension uses the same name first', () => {
    const r = run('package t\nq := 1', '[x | x := 1]; x = 2');
    expect(errors(r)).toEqual([]);
    expect(r.queryVars).toEqual(['x']);
    expect(showBody(r.query!)).toBe('[x$1 | x$1 := 1]; x = 2');
  });
});
