// Module-level checks, number literal range, print erasure, and the stage driver.
import { describe, expect, it } from 'vitest';
import { body, errors, run } from './helpers.ts';
import { check, stages } from '../../../opa/check/index.ts';
import { builtins } from '../../../opa/builtins/registry.ts';
import { parseModule } from '../../../opa/syntax/parser.ts';

describe('module-level checks', () => {
  it('duplicate import names', () => {
    expect(errors(run('package t\nimport data.a.x\nimport data.b.x\np := 1'))).toEqual(['rego_compile_error: import must not shadow import data.a.x']);
    expect(errors(run('package t\nimport data.a as y\nimport data.b as y\np := 1'))).toEqual(['rego_compile_error: import must not shadow import data.a as y']);
  });

  it('input and data cannot be shadowed', () => {
    expect(errors(run('package t\np if { input := 1 }'))).toEqual(['rego_compile_error: variables must not shadow input (use a different variable name)']);
  });
});

describe('number literals', () => {
  it('accepts integers of any size up to 10,000 digits (exact at run time), refuses longer ones', () => {
    expect(errors(run('package t\np := [9223372036854775808, -18446744073709551617, 1e400, 12345678901234567890.5]'))).toEqual([]);
    expect(errors(run(`package t\np := ${'9'.repeat(10_000)}`))).toEqual([]);
    expect(errors(run(`package t\np := -${'9'.repeat(10_001)}`))).toEqual([
      'rego_compile_error: integer literal too long (10001 digits; writ allows at most 10000)',
    ]);
  });
});

describe('print', () => {
  it('becomes internal.print of one value set per operand', () => {
    const r = run('package t\np if { print("x", input.a); input.a; y := [z | z := 1; print(z)] }');
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('internal.print([{"x" | }, {input.a | }]); input.a; y := [z | z := 1; internal.print([{z | }])]');
  });
  it('is erased without internal.print, as OPA does when print is disabled', () => {
    const noPrint = new Map([...builtins].filter(([n]) => n !== 'internal.print'));
    const modules = [parseModule('t.rego', 'package t\np if { print("x", input.a); input.a; y := [z | z := 1; print(z)] }').module!];
    const r = check({ modules, builtins: noPrint });
    expect(errors(r)).toEqual([]);
    expect(body(r, 'p')).toBe('input.a; y := [z | z := 1]');
  });
});

describe('driver', () => {
  it('runs the stages in order, timing each, and stops after the first failing one', () => {
    const ok = run('package t\np := 1');
    expect(ok.stages.map((s) => s.name)).toEqual(stages.map((s) => s.name));
    for (const s of ok.stages) expect(s.ms).toBeGreaterThanOrEqual(0);
    const bad = run('package t\np if { nosuch(x) }');
    expect(bad.stages.at(-1)!.name).toBe('CheckUndefinedFuncs');
    expect(errors(bad)).toEqual(['rego_type_error: undefined function nosuch']);
  });

  it('does not modify its input', async () => {
    const { parseModules } = await import('./helpers.ts');
    const { check } = await import('../../../opa/check/index.ts');
    const { builtins } = await import('../../../opa/builtins/registry.ts');
    const modules = parseModules(['package t\nq := 1\np if { x > q; x = 2 }']);
    const before = JSON.stringify(modules);
    check({ modules, builtins });
    expect(JSON.stringify(modules)).toBe(before);
  });

  it('diagnostics carry the location of the offending node', () => {
    const src = 'package t\np if { x > 1 }';
    const d = run(src).diagnostics[0];
    expect(src.slice(d.loc.start, d.loc.end)).toBe('x');
    expect(d.loc.file).toBe('module-0.rego');
  });
});

describe('unsupported features', () => {
  it('rewrites rego.metadata calls in rules, refuses them in a query by name', () => {
    expect(errors(run('package t\np := rego.metadata.rule()'))).toEqual([]);
    expect(errors(run('package t\np := 1', 'x := rego.metadata.chain()'))).toEqual(['rego_compile_error: not implemented: rego.metadata.chain()']);
  });
});
