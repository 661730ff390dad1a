// Parser: precedence and grouping of the experimental `and` / `or` keywords and `not { ... }`.
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../opa/syntax/parser.ts';
import { printBody } from '../../../opa/syntax/print.ts';

const both = 'package t\nimport future.keywords.and\nimport future.keywords.or\n';

function body(src: string, header = both): string {
  const r = parseModule('t.rego', header + src);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return printBody(r.module!.rules[0].body);
}

function errors(src: string, header = both): string[] {
  return parseModule('t.rego', header + src).diagnostics.map((d) => d.message);
}

describe('logic operators: parsing', () => {
  const table: Array<[string, string]> = [
    ['p if { a or b and c }', '({ a } or { ({ b } and { c }) })'],
    ['p if { a and b or c and d }', '({ ({ a } and { b }) } or { ({ c } and { d }) })'],
    ['p if { not a or b }', '({ not a } or { b })'],
    ['p if { not a and not b or c }', '({ ({ not a } and { not b }) } or { c })'],
    ['p if { (a or b) and c }', '({ ({ a } or { b }) } and { c })'],
    ['p if { (((a or b))) }', '({ a } or { b })'],
    ['p if { not (a or b) }', 'not ({ a } or { b })'],
    ['p if { a or b or c }', '({ a } or { b } or { c })'],
    ['p if { { x := 1; x > 0 } and y }', '({ assign(x, 1); gt(x, 0) } and { y })'],
    ['p if { a and { b or c } }', '({ a } and { ({ b } or { c }) })'],
    ['p if { a and b with input as 1 }', '({ a } and { b }) with input as 1'],
    ['p if { (a with input as 1) and b }', '({ a with input as 1 } and { b })'],
    ['p if { (a or b with input as 1) }', '({ a } or { b }) with input as 1'],
    ['p if { (a) and b }', '({ a } and { b })'],
    ['p if { a or\n  b }', '({ a } or { b })'],
    ['p if a > 1 or b', '({ gt(a, 1) } or { b })'],
    // braces that form a set literal stay a term when no operator follows
    ['p if { {1} }', 'set(1)'],
  ];
  it.each(table)('%s', (src, want) => {
    expect(body(src)).toBe(want);
  });

  it('a rule body in braces stays the body itself, not a nested one', () => {
    expect(body('p contains x if { some x in xs; x > 1 and x < 5 }')).toBe('some x in xs; ({ gt(x, 1) } and { lt(x, 5) })');
  });

  it('enables each keyword by its own import only', () => {
    expect(errors('p if { a or b }', 'package t\n')).toEqual(['unexpected ident token: expected \\n or ; or }']);
    expect(errors('p if { a and b }', 'package t\nimport future.keywords.or\n')).toEqual(['unexpected ident token: expected \\n or ; or }']);
    expect(body('p if { a or b }', 'package t\nimport future.keywords.or\n')).toBe('({ a } or { b })');
  });

  it('reads `not { ... }` as a negated body, without any import', () => {
    expect(body('p if not { false }', 'package t\n')).toBe('not ({ false })');
    expect(body('p if { not { x := 1; x == 2 } }', 'package t\n')).toBe('not ({ assign(x, 1); equal(x, 2) })');
    // a term after `not {` is still a term
    expect(body('p if { not {1, 2}[x] }', 'package t\n')).toBe('not (set(1, 2))[x]');
  });

  it('reports a missing operand', () => {
    expect(errors('p if { a or }').length).toBeGreaterThan(0);
  });
});
