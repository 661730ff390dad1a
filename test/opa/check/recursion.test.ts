// CheckRecursion: cycles through rules, functions and package refs, with OPA's wording.
import { describe, expect, it } from 'vitest';
import { errors, run } from './helpers.ts';

describe('CheckRecursion', () => {
  it('direct and indirect recursion', () => {
    expect(errors(run('package a\np if q\nq if p'))).toEqual([
      'rego_recursion_error: rule data.a.p is recursive: data.a.p -> data.a.q -> data.a.p',
      'rego_recursion_error: rule data.a.q is recursive: data.a.q -> data.a.p -> data.a.q',
    ]);
  });

  it('through functions', () => {
    expect(errors(run('package a\nf(x) := g(x)\ng(x) := f(x)'))[0]).toBe('rego_recursion_error: rule data.a.f is recursive: data.a.f -> data.a.g -> data.a.f');
  });

  it('a ref to the package depends on every rule in it', () => {
    expect(errors(run('package a\np := count(data.a)'))).toEqual(['rego_recursion_error: rule data.a.p is recursive: data.a.p -> data.a.p']);
  });

  it('dynamic refs only reach rules whose constant parts match', () => {
    const src = ['package test\np := data[first].allow.x if first := "primary"', 'package primary\nallow.x := 1'];
    expect(errors(run(src))).toEqual([]);
  });

  it('with targets are not dependencies', () => {
    expect(errors(run('package a\np := x if { x := q with data.a.p as 1 }\nq := 2'))).toEqual([]);
  });
});

describe('CheckRecursion on long chains', () => {
  it('handles deep dependency chains without recursion limits', () => {
    const n = 3000;
    const rules = Array.from({ length: n }, (_, i) => (i === 0 ? 'r0 := 1' : `r${i} := r${i - 1} + 1`));
    expect(errors(run(`package a\n${rules.join('\n')}`))).toEqual([]);
    const m = 300;
    const cyclic = rules.slice(1, m).concat([`r0 := r${m - 1}`]);
    const errs = errors(run(`package a\n${cyclic.join('\n')}`));
    expect(errs).toHaveLength(m);
    expect(errs[0]).toMatch(/^rego_recursion_error: rule data\.a\.r1 is recursive: data\.a\.r1 -> data\.a\.r0 -> data\.a\.r299 -> /);
    expect(errs[0].endsWith('data.a.r2 -> data.a.r1')).toBe(true);
  });

  it('names the whole cycle in order', () => {
    expect(errors(run('package a\np if q\nq if r\nr if p'))[0]).toBe('rego_recursion_error: rule data.a.p is recursive: data.a.p -> data.a.q -> data.a.r -> data.a.p');
  });
});
