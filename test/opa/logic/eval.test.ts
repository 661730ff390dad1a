// End to end (compile + opa-wasm SDK): `and` / `or`, explicit and negated bodies, `with` in templates.
import { describe, expect, it } from 'vitest';
import { compile, loadCompiled } from '../../../opa/index.ts';

const header = 'package t\nimport future.keywords.and\nimport future.keywords.or\n\n';

async function run(rego: string, input?: unknown): Promise<unknown> {
  const r = compile([{ file: 't.rego', text: header + rego + '\n' }], { entrypoints: ['t/p'] });
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  const p = await loadCompiled(r.wasm!);
  const rows = p.evaluate(input, 't/p') as Array<{ result: unknown }>;
  return rows.length ? rows[0].result : 'undefined';
}

function diagnostics(rego: string): string[] {
  return compile([{ file: 't.rego', text: header + rego + '\n' }], { entrypoints: ['t/p'] }).diagnostics.map((d) => d.message);
}

describe('logic operators: evaluation', () => {
  const table: Array<[string, string, unknown, unknown]> = [
    ['or: lhs', 'p if input.a or input.b', { a: true, b: false }, true],
    ['or: rhs', 'p if input.a or input.b', { a: false, b: true }, true],
    ['or: neither (undefined lhs)', 'p if input.a or input.b', { b: false }, 'undefined'],
    ['and: both', 'p if input.a and input.b', { a: true, b: true }, true],
    ['and: one false', 'p if input.a and input.b', { a: true, b: false }, 'undefined'],
    ['precedence: a or (b and c)', 'p if input.a or input.b and input.c', { a: true, b: false, c: false }, true],
    ['grouping: (a or b) and c', 'p if { (input.a or input.b) and input.c }', { a: true, b: true, c: false }, 'undefined'],
    ['not binds tighter than or', 'p if { not input.a or input.b }', { a: true, b: true }, true],
    ['not (a or b)', 'p if { not (input.a or input.b) }', { a: false, b: false }, true],
    ['not (a or b), one true', 'p if { not (input.a or input.b) }', { a: false, b: true }, 'undefined'],
    ['explicit bodies have their own scope', 'p if { a := -1; { a := 1; a > 0 } and { a := 2; a > 1 }; a == -1 }', {}, true],
    ['outer vars are visible in operands', 'p if { x := input.x; { x > 1 } or { y := x; y < -1 } }', { x: -5 }, true],
    ['or contributes one solution', 'p := [1 | true or true]', {}, [1]],
    ['iterating operand contributes one solution', 'p := [1 | { some n in [1, 2, 3]; n > 0 } and { some m in [4, 5]; m > 0 }]', {}, [1]],
    ['filter in a comprehension', 'p := [x | some x in input.xs; x < 0 or x > 10]', { xs: [-1, 5, 12, 3] }, [-1, 12]],
    ['partial set', 'p contains x if { some x in input.xs; x < 0 or x > 10 }', { xs: [-1, 5, 20, -1] }, [-1, 20]],
    ['default when the or fails', 'default p := false\np if input.x > 0 or input.y > 0', { x: 0, y: 0 }, false],
    ['else after and', 'p := "ok" if input.x > 0 and input.y > 0\n  else := "no"', { x: 1, y: 0 }, 'no'],
    ['function body', 'f(n) if n < 1 or n > 99\np if f(input.n)', { n: 100 }, true],
    ['every body', 'p if { every n in input.xs { n < 0 or n > 0 } }', { xs: [-3, 1] }, true],
    ['every body, one fails', 'p if { every n in input.xs { n < 0 or n > 0 } }', { xs: [-3, 0] }, 'undefined'],
    ['with on the whole expression', 'p if { input.x > 0 and input.y > 0 with input as {"x": 1, "y": 2} }', {}, true],
    ['with scoped to one operand', 'p if { (input.x < 2 with input.x as 1) and input.x == 5 }', { x: 5 }, true],
    ['not { body } with iteration', 'p if { not { some n in input.xs; n < 0 or n > 100 } }', { xs: [0, 5, 99] }, true],
    ['not { body } with iteration, match', 'p if { not { some n in input.xs; n < 0 or n > 100 } }', { xs: [0, 200] }, 'undefined'],
    ['nested negated bodies', 'p if { not { not { true } } }', {}, true],
    ['nested negated bodies, inner true', 'p if { not { not { false } } }', {}, 'undefined'],
    ['with inside a template expression', 'a := input.a\np := x if { x := $"v={a with input as {"a": 42}}" }', { a: 1 }, 'v=42'],
  ];
  it.each(table)('%s', async (_name, rego, input, want) => {
    expect(await run(rego, input)).toEqual(want);
  });

  it('a var bound only inside an operand is not bound after it', () => {
    expect(diagnostics('p if { { x := 1 } and true; x == 1 }')).toEqual(['var x is unsafe']);
    expect(diagnostics('p if { x := 1 or true; x == 1 }')).toEqual(['var x is unsafe']);
  });

  it('outer vars used in an operand must be bound somewhere in the body', () => {
    expect(diagnostics('p if { y > 0 or true }')).toEqual(['var y is unsafe']);
  });
});
