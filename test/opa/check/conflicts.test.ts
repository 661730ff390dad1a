// CheckRuleConflicts: kinds, arity, complete vs partial, defaults, rules inside rules, packages.
import { describe, expect, it } from 'vitest';
import { errors, parseModules, run } from './helpers.ts';
import { check } from '../../../opa/check/index.ts';
import { builtins } from '../../../opa/builtins/registry.ts';

describe('CheckRuleConflicts', () => {
  it('complete rule and partial set for one name', () => {
    expect(errors(run('package t\np := 1\np contains 2'))).toEqual(['rego_type_error: conflicting rules data.t.p found']);
  });

  it('function arities must agree, and functions cannot mix with values', () => {
    expect(errors(run('package t\nf(x) := 1\nf(x, y) := 2'))).toEqual(['rego_type_error: conflicting rules data.t.f found']);
    expect(errors(run('package t\nf(x) := 1\nf := 2'))).toEqual(['rego_type_error: conflicting rules data.t.f found']);
  });

  it('complete and partial object rules conflict', () => {
    expect(errors(run('package t\np := 1\np[k] := 2 if k := "a"'))).toEqual(['rego_type_error: conflicting rules data.t.p[k] found']);
  });

  it('multiple default rules', () => {
    expect(errors(run('package t\ndefault p := 1\ndefault p := 2'))).toEqual(['rego_type_error: multiple default rules data.t.p found']);
  });

  it('a complete rule cannot have rules inside its value', () => {
    expect(errors(run('package t\na := 1\na.b := 2\na.c := 3'))).toEqual(['rego_type_error: rule data.t.a conflicts with [data.t.a.b data.t.a.c]']);
  });

  it('rules with a dynamic key may have other rules inside', () => {
    expect(errors(run('package t\na[k] := 1 if k := "x"\na.b := 2'))).toEqual([]);
  });

  it('a package where a rule is', () => {
    expect(errors(run(['package a\nb := 1', 'package a.b\nc := 2']))).toEqual([
      'rego_type_error: package a.b conflicts with rule b defined at module-0.rego',
      'rego_type_error: rule data.a.b conflicts with [data.a.b.c]',
    ]);
  });

  it('default values must be ground (comprehensions allowed)', () => {
    expect(errors(run('package t\ndefault p := [1, {"a": [2]}]\ndefault q := [x | x := 1]'))).toEqual([]);
    // The parser refuses this already; the check also holds for trees built otherwise.
    const modules = parseModules(['package t\ndefault p := 1']);
    const value = modules[0].rules[0].value!;
    modules[0].rules[0].value = { type: 'ref', head: { type: 'var', name: 'input', loc: value.loc }, path: [], loc: value.loc };
    expect(errors(check({ modules, builtins }))).toEqual(['rego_type_error: default rule value cannot contain ref']);
  });

  it('partial sets across modules of one package are fine', () => {
    expect(errors(run(['package t\np contains 1', 'package t\np contains 2']))).toEqual([]);
  });
});
