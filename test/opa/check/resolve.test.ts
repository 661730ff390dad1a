// ResolveRefs: rule names, imports, data/input and user function calls become full refs.
import { describe, expect, it } from 'vitest';
import { body, errors, rule, run, show } from './helpers.ts';

describe('ResolveRefs', () => {
  it('turns rule names of the package into data refs', () => {
    const r = run('package a.b\nq := 1\np if { q == 1; r[x] }\nr contains 2 if true');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('data.a.b.q == 1; data.a.b.r[x]');
  });

  it('resolves imports by last element and by alias, input imports too', () => {
    const r = run('package t\nimport data.lib.users\nimport data.lib.roles as rs\nimport input.request as req\np if { users[_] == rs.admin; req.method == "GET" }');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('data.lib.users[$_0] == data.lib.roles.admin; input.request.method == "GET"');
  });

  it('gives user function calls a full op and keeps builtin names', () => {
    const r = run(['package t\nimport data.lib\np := x if { x := f(1) + lib.g(2) + count([1]) }\nf(a) := a', 'package lib\ng(x) := x']);
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('x := data.t.f(1) + data.lib.g(2) + count([1])');
  });

  it('lets declared locals shadow rule names', () => {
    const r = run('package t\nq := 1\np := q if { q := 2 }\ns := [q | q := 3]\nf(q) := q');
    expect(errors(r)).toEqual([]);
    expect(show(rule(r, 'p').value!)).toBe('q');
    expect(show(rule(r, 's').value!)).toBe('[q | q := 3]');
    expect(show(rule(r, 'f').value!)).toBe('q');
  });

  it('resolves rule names in heads and bare input/data', () => {
    const r = run('package t\nq := 1\np := [q, input, data.x]');
    expect(show(rule(r, 'p').value!)).toBe('[data.t.q, input, data.x]');
  });

  it('reports undefined functions with OPA wording', () => {
    const r = run('package t\np if { nosuch(1) }\nq if { data.lib.h(1) }');
    expect(errors(r)).toEqual(['rego_type_error: undefined function nosuch', 'rego_type_error: undefined function data.lib.h']);
  });

  it('removes rego.v1 and future.keywords imports', () => {
    const r = run('package t\nimport rego.v1\nimport future.keywords.in\np if { 1 in [1] }');
    expect(errors(r)).toEqual([]);
    expect(r.modules[0].imports).toEqual([]);
  });

  it('references to base documents that no rule defines are fine', () => {
    expect(errors(run('package t\np if { data.some.base.doc == 1 }'))).toEqual([]);
  });
});
