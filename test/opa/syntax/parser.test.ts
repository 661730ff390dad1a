// Table tests of the parser, keyed by a note: queries printed back, module shapes, and errors.
import { describe, expect, it } from 'vitest';
import { parseModule, parseQuery, parseTerm } from '../../../opa/syntax/parser.ts';
import { printBody, printRule, printTerm } from '../../../opa/syntax/print.ts';

/** [query, printed body]; the query text doubles as the note. */
const queries: Array<[string, string]> = [
  ["1 + 2 * 3 - 4", "minus(plus(1, mul(2, 3)), 4)"],
  ["a - b - c", "minus(minus(a, b), c)"],
  ["x / y % z * w", "mul(rem(div(x, y), z), w)"],
  ["x | y & z", "or(x, and(y, z))"],
  ["a == b != c", "neq(equal(a, b), c)"],
  ["x < 1 + 2", "lt(x, plus(1, 2))"],
  ["x in xs", "internal.member_2(x, xs)"],
  ["k, v in xs", "internal.member_3(k, v, xs)"],
  ["1 in xs == true", "internal.member_2(1, equal(xs, true))"],
  ["x := 1 in xs", "assign(x, internal.member_2(1, xs))"],
  ["x = y", "eq(x, y)"],
  ["-1", "-1"],
  ["-1.5e3", "-1.5e3"],
  ["- 1", "-1"],
  [".5", "0.5"],
  ["-.5e1", "-0.5e1"],
  ["0.5e-3", "0.5e-3"],
  ["[, 1, 2]", "[1, 2]"],
  ["{, 1}", "set(1)"],
  ["{, \"a\": 1}", "{\"a\": 1}"],
  ["-(1)", "minus(0, 1)"],
  ["x := $\"{1}{\"a\"}\"", "assign(x, $({1} {\"a\"}))"],
  ["-x", "minus(0, x)"],
  ["-x.y", "minus(0, x[\"y\"])"],
  ["1 - -2", "minus(1, -2)"],
  ["3-1", "minus(3, 1)"],
  ["(1 + 2) * 3", "mul(plus(1, 2), 3)"],
  ["(k, v in xs)", "internal.member_3(k, v, xs)"],
  ["a.b[c][\"d\"]", "a[\"b\"][c][\"d\"]"],
  ["input.x[_].y", "input[\"x\"][_][\"y\"]"],
  ["f(x).y", "(f(x))[\"y\"]"],
  ["[1, 2][0]", "([1, 2])[0]"],
  ["{\"a\": 1}.a", "({\"a\": 1})[\"a\"]"],
  ["count(x)", "count(x)"],
  ["strings.replace_n(a, b)", "strings.replace_n(a, b)"],
  ["data.lib.f(x)", "data.lib.f(x)"],
  ["set()", "set()"],
  ["{}", "{}"],
  ["{1, 2,}", "set(1, 2)"],
  ["[1, 2,]", "[1, 2]"],
  ["{\"a\": 1, \"b\": 2,}", "{\"a\": 1, \"b\": 2}"],
  ["[x | x := 1]", "[x | assign(x, 1)]"],
  ["{x | x := 1}", "set(x | assign(x, 1))"],
  ["{k: v | k := 1; v := 2}", "{k: v | assign(k, 1); assign(v, 2)}"],
  ["[x | y]", "[x | y]"],
  ["\"a\\u00e9\\ud83d\\ude00\\n\\t\\\"\\\\\\/\"", "\"aé😀\\n\\t\\\"\\\\/\""],
  ["`raw\\n`", "raw\"raw\\\\n\""],
  ["true; false; null", "true; false; null"],
  ["not x", "not x"],
  ["x with input as 1 with data.a.b as 2", "x with input as 1 with data[\"a\"][\"b\"] as 2"],
  ["some x", "some x"],
  ["some x, y", "some x, y"],
  ["some x in xs", "some x in xs"],
  ["some k, v in xs", "some k, v in xs"],
  ["some x in xs with input as 1", "some x in xs with input as 1"],
  ["every x in xs { x > 1 }", "every x in xs { gt(x, 1) }"],
  ["every k, v in xs { k; v }", "every k, v in xs { k; v }"],
  ["x := $\"a {y} \\{ {1 + 2}\"", "assign(x, $(\"a \" {y} \" { \" {plus(1, 2)}))"],
  ["x := $`a\n{y}`", "assign(x, $(\"a\\n\" {y}))"],
  ["_ = x[_]", "eq(_, x[_])"],
  ["input.if.contains", "input[\"if\"][\"contains\"]"],
  ["contains(x, \"a\")", "contains(x, \"a\")"],
  ["x\ny\n", "x; y"],
  ["if.foo == 1", "equal(if[\"foo\"], 1)"],
  ["x := [1, 2, 3][1]", "assign(x, ([1, 2, 3])[1])"],
];

describe('parseQuery', () => {
  it.each(queries)('%j', (q, want) => {
    const r = parseQuery('q.rego', q);
    expect(r.diagnostics).toEqual([]);
    expect(printBody(r.body!)).toBe(want);
  });
});

/** [note, rule source (after `package t`), printed rule without locations] */
const rules: Array<[string, string, string]> = [
  ["constant :=", "p := 1", "rule complete \"p\" := 1 head"],
  ["constant =", "p = {\"a\": [1]}", "rule complete \"p\" = {\"a\": [1]} head"],
  ["if body", "p if { input.x; input.y }", "rule complete \"p\" head\n  input[\"x\"]\n  input[\"y\"]"],
  ["value if body", "p = v if { v := 1 }", "rule complete \"p\" = v head\n  assign(v, 1)"],
  ["single-expression body", "p if input.x == 1", "rule complete \"p\" head\n  equal(input[\"x\"], 1)"],
  ["single some-in body", "p if some x in input.xs", "rule complete \"p\" head\n  some x in input[\"xs\"]"],
  ["default", "default p := false", "rule default complete \"p\" := false head"],
  ["contains", "p contains x if { some x in [1] }", "rule partialset \"p\" key x head\n  some x in [1]"],
  ["contains constant", "p contains \"a\"", "rule partialset \"p\" key \"a\" head"],
  ["partial object", "p[k] := v if { k := \"a\"; v := 1 }", "rule partialobject \"p\" key k := v head\n  assign(k, \"a\")\n  assign(v, 1)"],
  ["partial object no value", "a[x] if q[x]", "rule partialobject \"a\" key x value true head\n  q[x]"],
  ["ref head complete", "a.b.c := 1", "rule complete \"a\".\"b\".\"c\" := 1 head"],
  ["ref head string key", "a[\"b\"].c := 1", "rule complete \"a\".\"b\".\"c\" := 1 head"],
  ["ref head number key", "q[7] := 8", "rule complete \"q\".7 := 8 head"],
  ["ref head partial object", "a.b[k] = v if { k := 1; v := 2 }", "rule partialobject \"a\".\"b\" key k = v head\n  assign(k, 1)\n  assign(v, 2)"],
  ["general ref head", "p[x].y := z if { x := 1; z := 2 }", "rule partialobject \"p\" tail \"p\".x.\"y\" := z head\n  assign(x, 1)\n  assign(z, 2)"],
  ["function", "f(x) := y if { y := x }", "rule function \"f\"(x) := y head\n  assign(y, x)"],
  ["function no value", "f(x) if x > 1", "rule function \"f\"(x) head\n  gt(x, 1)"],
  ["function default", "default f(_) := 0", "rule default function \"f\"(_) := 0 head"],
  ["function dotted", "a.b.f(x, y) := x + y", "rule function \"a\".\"b\".\"f\"(x, y) := plus(x, y) head"],
  ["function bracket name", "foo[\"bar\"](x) := x + 1", "rule function \"foo\".\"bar\"(x) := plus(x, 1) head"],
  ["else chain", "p := 1 if false else := 2 if { true } else = 3 { true } else { true }", "rule complete \"p\" := 1 head\n  false\n  else 2\n    true\n  else 3\n    true\n  else\n    true"],
  ["else newline", "f(x) := 1 if {\n  x\n}\nelse := 2", "rule function \"f\"(x) := 1 head\n  x\n  else 2"],
  ["keyword ref head", "default.foo := 1", "rule complete \"default\".\"foo\" := 1 head"],
  ["keyword bracket ref head", "if[\"x\"] := 1\np if { if[\"x\"] == 1 }", "rule complete \"if\".\"x\" := 1 head\nrule complete \"p\" head\n  equal(if[\"x\"], 1)"],
  ["keyword function head", "default default.foo(_) := 42", "rule default function \"default\".\"foo\"(_) := 42 head"],
  ["object comprehension body", "f(x) := object.union_n(x) if {x: i | x := [\"a\"][i]}", "rule function \"f\"(x) := object.union_n(x) head\n  {x: i | assign(x, ([\"a\"])[i])}"],
  ["body with newlines", "p if {\n  x := 1\n\n  y := 2 ; z := 3\n}", "rule complete \"p\" head\n  assign(x, 1)\n  assign(y, 2)\n  assign(z, 3)"],
  ["chained bodies", "p if { input.a } { input.b }", "rule complete \"p\" head\n  input[\"a\"]\nrule complete \"p\" head\n  input[\"b\"]"],
  ["else if", "f(a, b) if {\n  a\n} else if {\n  b\n} else := false", "rule function \"f\"(a, b) head\n  a\n  else\n    b\n  else false"],
  ["if then newline", "p if\n  input.x", "rule complete \"p\" head\n  input[\"x\"]"],
  ["with in body", "p if { data.x with input as {} with data.y as 1 }", "rule complete \"p\" head\n  data[\"x\"] with input as {} with data[\"y\"] as 1"],
];

describe('parseModule rules', () => {
  it.each(rules)('%s', (_note, src, want) => {
    const r = parseModule('m.rego', `package t\n${src}\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.module!.rules.map(printRule).join('\n').replace(/ @\d+-\d+/g, '')).toBe(want);
  });
});

/** [note, module source, diagnostics as "offset: message" joined by " | "] */
const errors: Array<[string, string, string]> = [
  ["v0 partial set", "package t\np[x] { x := 1 }", "15: `contains` keyword is required for partial set rules (hint: write `p contains x if { ... }`; `p[x] { ... }` is Rego v0)"],
  ["v0 body without if", "package t\np { true }", "12: `if` keyword is required before rule body"],
  ["v0 contains without if", "package t\np contains x { x := 1 }", "23: `if` keyword is required before rule body"],
  ["no value no body", "package t\np", "10: rule must have a value or a body (hint: write `p if { ... }` or `p := <value>`)"],
  ["keyword as var", "package t\np if { if := 1 }", "17: unexpected if keyword"],
  ["keyword as rule name", "package t\nin := 1", "10: unexpected in keyword"],
  ["missing package", "p := 1", "0: package expected"],
  ["empty module", "# just a comment\n", "0: empty module"],
  ["package eof", "package foo.", "12: unexpected eof token: expected ident"],
  ["empty every body", "package t\np if { every x in y {} }", "31: found empty body"],
  ["empty comprehension body", "package t\np := [x | ]", "20: found empty body"],
  ["two literals on one line", "package t\np if { x y }", "19: unexpected ident token: expected \\n or ; or }"],
  ["unterminated string", "package t\np := \"abc", "15: non-terminated string"],
  ["unterminated raw string", "package t\np := `abc", "15: non-terminated raw string"],
  ["bad escape", "package t\np := \"\\x\"", "15: illegal escape sequence"],
  ["bad number", "package t\np := 1e", "15: illegal number format"],
  ["illegal char", "package t\np := 1 ^ 2", "17: illegal token"],
  ["default with body", "package t\ndefault p := 1 if { true }", "25: unexpected if keyword: default rules cannot have a body"],
  ["default without value", "package t\ndefault p", "10: illegal default rule (must have a value)"],
  ["else on partial", "package t\np contains 1 if { false } else := 2", "36: else keyword cannot be used on multi-value rules"],
  ["bad import root", "package t\nimport foo.bar", "17: unexpected import path, must begin with one of: {data, future, input, rego}, got: foo (hint: if this is unexpected, try updating OPA)"],
  ["bad future keyword", "package t\nimport future.keywords.nope", "17: unexpected keyword, must be one of [contains every if in not]"],
  ["unterminated template", "package t\np := $\"{a\"", "15: non-terminated template string"],
  ["call on ref with var", "package t\np if { a[x](1) }", "21: invalid call: only functions named by a dotted ref can be called"],
  ["bad yaml", "# METADATA\n# title: [\npackage t", "0: yaml: Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 9:"],
  ["bad scope", "package t\n# METADATA\n# scope: nope\np := 1", "10: invalid annotation scope 'nope'"],
  ["annotation on import", "package t\n# METADATA\n# title: x\nimport data.x", "10: annotation scope 'rule' must be applied to rule (have import)"],
  ["rule after statement on same line", "package t\np := 1 q := 2", "17: unexpected ident token"],
  ["default value with var", "package t\ndefault p := x", "10: illegal default rule (value cannot contain var)"],
  ["default value with call", "package t\ndefault p := [count(x)]", "10: illegal default rule (value cannot contain call)"],
  ["default repeated args", "package t\ndefault f(x, x) := 1", "10: illegal default rule (arguments cannot be repeated x)"],
  ["default non-var args", "package t\ndefault f(1) := 1", "10: illegal default rule (arguments cannot contain number)"],
  ["else without value or body", "package t\np := 1 if { false } else", "34: unexpected eof token: expected else value term or rule body"],
  ["else on var ref head", "package t\np[x].y := 1 if { x := 1 } else := 2", "36: else keyword cannot be used on rules with variables in head"],
  ["leading zero", "package t\np := 01", "15: unexpected number token: expected number without leading zero"],
  ["number too big", "package t\np := 1e400000", "15: number too big"],
  ["import ending with keyword", "package t\nimport data.foo.if", "17: unexpected import path, must not end with a keyword, got: if (hint: import a different path or use an alias)"],
  ["aliased future import", "package t\nimport future.keywords.in as x", "17: `future` imports cannot be aliased"],
  ["bad rego import", "package t\nimport rego.v2", "17: invalid import `rego.v2`, must be `rego.v1`"],
  ["chained body after else", "package t\np if { false } else := 1 if { true } { true }", "47: unexpected { token: expected else keyword"],
  ["unterminated list", "package t\np := [1, 2", "20: unexpected eof token: expected \",\" or \"]\""],
  ["contains on function", "package t\nf(x) contains 1", "15: unexpected contains keyword: the contains keyword can only be used with multi-value rule definitions (e.g., f contains <VALUE> { ... })"],
  ["empty metadata", "# METADATA\npackage t", "0: expected METADATA block, found whitespace"],
  ["template assignment", "package t\np := $\"{x := 1}\"", "18: unexpected assignment (':=') in template-string expression"],
  ["template some", "package t\np := $\"{some x in y}\"", "18: unexpected 'some' in template-string expression"],
  ["template not", "package t\np := $\"{not x}\"", "18: unexpected negation ('not') in template-string expression"],
  ["some with non-var", "package t\np if { some 1 }", "22: unexpected number token: expected var"],
  ["every needs var", "package t\np if { every 1 in x { true } }", "23: unexpected number token: expected var"],
];

describe('parse errors', () => {
  it.each(errors)('%s', (_note, src, want) => {
    const r = parseModule('m.rego', src);
    expect(r.module).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.loc.start}: ${d.message}`).join(' | ')).toBe(want);
    for (const d of r.diagnostics) expect(d.code).toBe('rego_parse_error');
  });
});

describe('parseTerm', () => {
  const terms: Array<[string, string, string]> = [
    ['set literal', '{1, "a", {2}}', 'set(1, "a", set(2))'],
    ['object with set key', '{{1}: [true, null]}', '{set(1): [true, null]}'],
    ['negative number', '-12345678901234567890', '-12345678901234567890'],
    ['big float text kept', '1.0e+400', '1.0e+400'],
    ['nested refs', 'data.a[input.b[0]].c', 'data["a"][input["b"][0]]["c"]'],
  ];
  it.each(terms)('%s', (_note, src, want) => {
    const r = parseTerm('t', src);
    expect(r.diagnostics).toEqual([]);
    expect(printTerm(r.term!)).toBe(want);
  });
  it('rejects trailing input', () => {
    expect(parseTerm('t', '1 2').diagnostics[0].message).toBe('unexpected number token');
  });
  it('rejects empty input', () => {
    expect(parseTerm('t', '  ').diagnostics[0].message).toBe('empty input');
  });
});

describe('locations', () => {
  it('are UTF-8 byte ranges', () => {
    const src = 'package t\n# é\np := "é" + x';
    const r = parseModule('m.rego', src);
    const rule = r.module!.rules[0];
    const bytes = Buffer.from(src);
    const v = rule.value!;
    expect(bytes.subarray(v.loc.start, v.loc.end).toString()).toBe('"é" + x');
    expect(v.type === 'call' && bytes.subarray(v.opLoc.start, v.opLoc.end).toString()).toBe('+');
    expect(bytes.subarray(rule.loc.start, rule.loc.end).toString()).toBe('p := "é" + x');
    expect(r.module!.packageLoc).toEqual({ file: 'm.rego', start: 0, end: 9 });
  });
  it('cover a rule with its else chain and a call with its arguments', () => {
    const src = 'package t\nf(x) := 1 if { count(x) > 0 } else := 2\n';
    const r = parseModule('m.rego', src);
    const rule = r.module!.rules[0];
    const text = (l: { start: number; end: number }) => src.slice(l.start, l.end);
    expect(text(rule.loc)).toBe('f(x) := 1 if { count(x) > 0 } else := 2');
    expect(text(rule.headLoc)).toBe('f(x) := 1');
    const e = rule.body[0];
    expect(e.kind === 'term' && e.term.type === 'call' && text(e.term.args[0].loc)).toBe('count(x)');
  });
});

describe('chained bodies', () => {
  it('give each rule its own copy of the head', () => {
    const m = parseModule('m.rego', 'package t\nf(_, x) := x if { x } { true }\n').module!;
    expect(m.rules).toHaveLength(2);
    expect(m.rules[1].args).toEqual(m.rules[0].args);
    expect(m.rules[1].args).not.toBe(m.rules[0].args);
    expect(m.rules[1].value).not.toBe(m.rules[0].value);
  });
});

describe('imports and package', () => {
  it('keeps paths and aliases', () => {
    const src = 'package a.b\nimport rego.v1\nimport future.keywords.in\nimport future.keywords\nimport data.x.y as z\nimport input\nimport data.q["r s"]\n';
    const m = parseModule('m.rego', src).module!;
    expect(m.package).toEqual(['a', 'b']);
    expect(m.imports.map((i) => [i.path.join('.'), i.alias])).toEqual([
      ['rego.v1', undefined], ['future.keywords.in', undefined], ['future.keywords', undefined],
      ['data.x.y', 'z'], ['input', undefined], ['data.q.r s', undefined],
    ]);
  });
  it('keeps a leading data in the package path (it names data.data.a, as in OPA)', () => {
    expect(parseModule('m.rego', 'package data.a\n').module!.package).toEqual(['data', 'a']);
  });
  it('accepts keywords in package paths', () => {
    expect(parseModule('m.rego', 'package foo.if.bar\n').module!.package).toEqual(['foo', 'if', 'bar']);
  });
});

describe('METADATA annotations', () => {
  const src = [
    '# METADATA',
    '# title: The package',
    '# description: |',
    '#   Multi',
    '#   line',
    'package t',
    '',
    '# not metadata',
    '# METADATA',
    '# title: allow',
    '# entrypoint: true',
    '# custom:',
    '#   severity: high',
    'allow if input.ok',
    '',
    '# METADATA',
    '# scope: document',
    '# title: doc',
    'deny contains "x" if false',
    '',
    '# METADATA',
    '# scope: subpackages',
    '# authors: [a, b]',
    'q := 1',
    'r := 2',
  ].join('\n');
  const m = parseModule('m.rego', src).module!;
  it('keeps every block in the module', () => {
    expect(m.annotations.map((a) => [a.scope, a.fields])).toEqual([
      ['package', { title: 'The package', description: 'Multi\nline\n' }],
      ['rule', { title: 'allow', entrypoint: true, custom: { severity: 'high' } }],
      ['document', { title: 'doc' }],
      ['subpackages', { authors: ['a', 'b'] }],
    ]);
  });
  it('attaches rule and document scoped blocks to the rule right below', () => {
    expect(m.rules.map((r) => r.annotations?.fields.title)).toEqual(['allow', 'doc', undefined, undefined]);
  });
  it('locates a block from its marker to its last line', () => {
    const a = m.annotations[1];
    expect(src.slice(a.loc.start, a.loc.end)).toBe('# METADATA\n# title: allow\n# entrypoint: true\n# custom:\n#   severity: high');
  });
  it('reports bad YAML at the block', () => {
    const r = parseModule('m.rego', 'package t\n# METADATA\n# title: [x\np := 1\n');
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0].loc.start).toBe(10);
    expect(r.diagnostics[0].message).toMatch(/^yaml: /);
  });
});

describe('error recovery', () => {
  it('reports one error per broken rule and goes on', () => {
    const r = parseModule('m.rego', 'package t\np if { x y }\nq := 1\nr { true }\ns := )\nt := 2\n');
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'unexpected ident token: expected \\n or ; or }',
      '`if` keyword is required before rule body',
      'unexpected ) token',
    ]);
  });
  it('stops at 10 errors', () => {
    const r = parseModule('m.rego', 'package t\n' + 'p := )\n'.repeat(50));
    expect(r.diagnostics).toHaveLength(10);
  });
});

describe('hostile input never throws', () => {
  const cases: Array<[string, string]> = [
    ['NUL bytes', 'package t\np := "\0"\n\0\0'],
    ['lone surrogates', 'package t\np := "\ud800" \udc00'],
    ['unterminated string', 'package t\np := "abc\nq := 1'],
    ['unterminated raw string', 'package t\np := `abc'],
    ['unterminated template', 'package t\np := $"{ [1, "'],
    ['deep arrays', 'package t\np := ' + '['.repeat(10000) + ']'.repeat(10000)],
    ['deep objects', 'package t\np := ' + '{"a":'.repeat(10000) + '1' + '}'.repeat(10000)],
    ['deep parens', 'package t\np := ' + '('.repeat(10000) + '1' + ')'.repeat(10000)],
    ['deep calls', 'package t\np := ' + 'f('.repeat(10000) + ')'.repeat(10000)],
    ['deep comprehensions', 'package t\np := ' + '[x | '.repeat(10000)],
    ['deep every', 'package t\np if {' + 'every x in y {'.repeat(10000)],
    ['deep unary minus', 'package t\np := ' + '-'.repeat(10000) + 'x'],
    ['deep templates', 'package t\np := ' + '$"{'.repeat(5000) + 'x' + '}"'.repeat(5000)],
  ];
  it.each(cases)('%s', (_note, src) => {
    const r = parseModule('m.rego', src);
    expect(r.module).toBeUndefined();
    expect(r.diagnostics.length).toBeGreaterThan(0);
  });
  it('reports an empty METADATA block at the end of the file', () => {
    const r = parseModule('m.rego', 'package t\n# METADATA');
    expect(r.diagnostics.map((d) => d.message)).toEqual(['expected METADATA block, found whitespace']);
  });
  it('parses a 1 MB single line in bounded time', () => {
    const src = 'package t\np := [' + '1, '.repeat(340000) + ']';
    const t0 = performance.now();
    const r = parseModule('m.rego', src);
    expect(r.diagnostics).toEqual([]);
    expect(r.module!.rules[0].value!.type === 'array' && r.module!.rules[0].value!.items.length).toBe(340000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
  it('accepts nesting up to the limit', () => {
    const r = parseTerm('t', '['.repeat(200) + ']'.repeat(200));
    expect(r.diagnostics).toEqual([]);
  });
});
