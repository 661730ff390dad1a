// Strict builtin errors (OPA's --strict-builtin-errors) through the official SDK: the same policy compiled
// without strict mode is undefined, with it the evaluation fails with OPA's code, builtin and message.
import { describe, expect, it } from 'vitest';
import { compile, loadCompiledSync } from '../../../opa/index.ts';

const FILE = 'm.rego';

/** `x := <expr>` on line 3, column 8 of the module: the call's location in the error. */
function moduleFor(expr: string): string {
  return `package t\np := x if {\n  x := ${expr}\n}\n`;
}

function evaluate(expr: string, input: unknown, strict: boolean): unknown[] {
  const r = compile([{ file: FILE, text: moduleFor(expr) }], { entrypoints: ['t/p'], strictBuiltinErrors: strict });
  if (!r.ok || !r.wasm) throw new Error(`compile failed: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  const policy = loadCompiledSync(r.wasm, {}, { strictBuiltinErrors: strict });
  return policy.evaluate(input, 't/p') as unknown[];
}

/** The thrown abort text (the SDK throws strings), or undefined when the evaluation succeeds. */
function strictError(expr: string, input: unknown): string | undefined {
  try {
    evaluate(expr, input, true);
    return undefined;
  } catch (e) {
    return typeof e === 'string' ? e : String((e as Error).message ?? e);
  }
}

type Code = 'eval_type_error' | 'eval_builtin_error';
// [family, expression, input, code, builtin, message (exact, or a RegExp for the message part)]
const cases: Array<[string, string, unknown, Code, string, string | RegExp]> = [
  ['arithmetic', 'input.a / input.b', { a: 1, b: 0 }, 'eval_builtin_error', 'div', 'divide by zero'],
  ['arithmetic', 'input.a / input.b', { a: 1.5, b: 0.0 }, 'eval_builtin_error', 'div', 'divide by zero'],
  ['arithmetic', 'input.a / input.b', { a: 1, b: 'x' }, 'eval_type_error', 'div', 'operand 2 must be number but got string'],
  ['arithmetic', 'input.a % input.b', { a: 1, b: 0 }, 'eval_builtin_error', 'rem', 'modulo by zero'],
  ['arithmetic', 'input.a % input.b', { a: 1.5, b: 1 }, 'eval_builtin_error', 'rem', 'modulo on floating-point number'],
  ['arithmetic', 'input.a + 1', { a: 's' }, 'eval_type_error', 'plus', 'operand 1 must be number but got string'],
  ['arithmetic', '{1, 2} - input.b', { b: 1 }, 'eval_type_error', 'minus', 'operand 2 must be set but got number'],
  ['arithmetic', 'input.a - input.b', { a: 1, b: [1] }, 'eval_type_error', 'minus', 'operand 2 must be number but got array'],
  ['arithmetic', 'abs(input.a)', { a: 's' }, 'eval_type_error', 'abs', 'operand 1 must be number but got string'],
  ['aggregates', 'count(input.a)', { a: 1 }, 'eval_type_error', 'count', 'operand 1 must be one of {array, object, set, string} but got number'],
  ['aggregates', 'sum(input.a)', { a: 'abc' }, 'eval_type_error', 'sum', 'operand 1 must be one of {array, set} but got string'],
  ['bits', 'bits.and(input.a, 1)', { a: 1.5 }, 'eval_type_error', 'bits.and', 'operand 1 must be integer number but got floating-point number'],
  ['bits', 'bits.lsh(1, input.a)', { a: -1 }, 'eval_type_error', 'bits.lsh', 'operand 2 must be an unsigned integer number but got a negative integer'],
  ['bits', 'bits.negate(input.a)', { a: 'x' }, 'eval_type_error', 'bits.negate', 'operand 1 must be number but got string'],
  ['numbers', 'numbers.range(input.a, 3)', { a: 1.5 }, 'eval_type_error', 'numbers.range', 'operand 1 must be integer number but got floating-point number'],
  ['numbers', 'to_number(input.a)', { a: 'abc' }, 'eval_builtin_error', 'to_number', 'strconv.ParseFloat: parsing "abc": invalid syntax'],
  ['numbers', 'to_number(input.a)', { a: 'NaN' }, 'eval_type_error', 'to_number', /^operand 1 must be/],
  ['numbers', 'numbers.range_step(1, 5, input.a)', { a: 0 }, 'eval_builtin_error', 'numbers.range_step', 'step must be a positive integer'],
  ['regex', 'regex.match(input.a, "x")', { a: '(' }, 'eval_builtin_error', 'regex.match', /^error parsing regexp: .*`\(`$/],
  ['objects', 'object.get(input.a, "k", 0)', { a: 's' }, 'eval_type_error', 'object.get', 'operand 1 must be object but got string'],
  ['objects', 'object.filter(input.a, input.b)', { a: {}, b: 's' }, 'eval_type_error', 'object.filter', 'operand 2 must be one of {object, set, array} but got string'],
  ['objects', 'object.remove(input.a, input.b)', { a: {}, b: null }, 'eval_type_error', 'object.remove', 'operand 2 must be one of {object, set, array} but got null'],
  ['objects', 'object.union(input.a, {})', { a: [] }, 'eval_type_error', 'object.union', 'operand 1 must be object but got array'],
  ['objects', 'object.keys(input.a)', { a: 's' }, 'eval_type_error', 'object.keys', 'operand 1 must be object but got string'],
  ['json', 'json.remove({}, input.b)', { b: 's' }, 'eval_type_error', 'json.remove', 'operand 2 must be one of {set, array} but got string'],
  ['json', 'json.remove({}, input.b)', { b: [1] }, 'eval_type_error', 'json.remove',
    'operand 2 must be one of {set, array} containing string paths or array of path segments but got number'],
  ['json', 'json.unmarshal(input.a)', { a: '{' }, 'eval_builtin_error', 'json.unmarshal', 'invalid JSON text'],
  ['json', 'json.marshal_with_options(1, input.o)', { o: { bad: 1 } }, 'eval_type_error', 'json.marshal_with_options', 'object contained unknown key "bad"'],
  ['arrays', 'array.concat(input.a, [])', { a: {} }, 'eval_type_error', 'array.concat', 'operand 1 must be array but got object'],
  ['strings', 'strings.replace_n(input.a, "s")', { a: { a: 1 } }, 'eval_type_error', 'strings.replace_n', 'operand 1 non-string value found in pattern object'],
  ['strings', 'upper(input.a)', { a: 1 }, 'eval_type_error', 'upper', 'operand 1 must be string but got number'],
  ['strings', 'concat(",", input.a)', { a: 1 }, 'eval_type_error', 'concat', 'operand 2 must be one of {array, set} but got number'],
  ['encoding', 'base64.decode(input.a)', { a: '%%%' }, 'eval_builtin_error', 'base64.decode', 'illegal base64 data'],
  ['encoding', 'hex.decode(input.a)', { a: 'zz' }, 'eval_builtin_error', 'hex.decode', "encoding/hex: invalid byte: U+007A 'z'"],
  ['net', 'net.cidr_intersects(input.a, "10.0.0.0/8")', { a: 'nope' }, 'eval_builtin_error', 'net.cidr_intersects', 'invalid CIDR address: nope'],
  ['net', 'net.cidr_contains(input.a, "10.0.0.1")', { a: 'nope' }, 'eval_builtin_error', 'net.cidr_contains', 'invalid CIDR address: nope'],
  ['units', 'units.parse(input.a)', { a: 1 }, 'eval_type_error', 'units.parse', 'operand 1 must be string but got number'],
  ['tokens', 'io.jwt.verify_hs256(input.a, "k")', { a: 'a.b' }, 'eval_builtin_error', 'io.jwt.verify_hs256', 'encoded JWT must have 3 sections, found 2'],
  ['time', 'time.parse_rfc3339_ns(input.a)', { a: 'yesterday' }, 'eval_builtin_error', 'time.parse_rfc3339_ns', /./],
];

describe('strict builtin errors', () => {
  it('covers at least 20 builtins across families', () => {
    expect(new Set(cases.map((c) => c[4])).size).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => c[0])).size).toBeGreaterThanOrEqual(10);
  });

  for (const [family, expr, input, code, builtin, message] of cases) {
    it(`${family}: ${expr} with ${JSON.stringify(input)}`, () => {
      // default mode: the failing call is undefined
      expect(evaluate(expr, input, false)).toEqual([]);
      const err = strictError(expr, input);
      expect(err, 'strict evaluation must fail').toBeDefined();
      const prefix = `${FILE}:3:8: ${code}: ${builtin}: `;
      expect(err!.startsWith(prefix), `${err} should start with ${prefix}`).toBe(true);
      const rest = err!.slice(prefix.length);
      if (typeof message === 'string') expect(rest).toBe(message);
      else expect(rest).toMatch(message);
    });
  }

  it('strict mode keeps successes and plain undefined (no builtin error) as they are', () => {
    expect(evaluate('input.a / input.b', { a: 4, b: 2 }, true)).toEqual([{ result: 2 }]);
    expect(evaluate('object.get(input.a, "k", 0)', { a: {} }, true)).toEqual([{ result: 0 }]);
    expect(evaluate('regex.match("^a", input.a)', { a: 'b' }, true)).toEqual([{ result: false }]);
    expect(evaluate('input.missing.field', {}, true)).toEqual([]);
    expect(evaluate('hex.decode(input.a)', { a: '6869' }, true)).toEqual([{ result: 'hi' }]);
  });

  it('an error inside a function and under `not` still fails the evaluation', () => {
    const text = 'package t\nf(a) := y if {\n  y := a / 0\n}\np if {\n  not f(1)\n}\n';
    for (const strict of [false, true]) {
      const r = compile([{ file: FILE, text }], { entrypoints: ['t/p'], strictBuiltinErrors: strict });
      expect(r.ok).toBe(true);
      const policy = loadCompiledSync(r.wasm!, {}, { strictBuiltinErrors: strict });
      if (!strict) expect(policy.evaluate({}, 't/p')).toEqual([{ result: true }]);
      else expect(() => policy.evaluate({}, 't/p')).toThrow(`${FILE}:3:8: eval_builtin_error: div: divide by zero`);
    }
  });

  it('non-ASCII text in messages arrives intact', () => {
    expect(strictError('net.cidr_intersects(input.a, "10.0.0.0/8")', { a: 'né/8' })).toBe(
      `${FILE}:3:8: eval_builtin_error: net.cidr_intersects: invalid CIDR address: né/8`,
    );
    expect(strictError('hex.decode(input.a)', { a: 'é0' })).toBe(`${FILE}:3:8: eval_builtin_error: hex.decode: encoding/hex: invalid byte: U+00C3 'Ã'`);
  });

  it('the default module carries no strict checks', () => {
    const text = moduleFor('input.a / input.b');
    const plain = compile([{ file: FILE, text }], { entrypoints: ['t/p'] });
    const off = compile([{ file: FILE, text }], { entrypoints: ['t/p'], strictBuiltinErrors: false });
    const on = compile([{ file: FILE, text }], { entrypoints: ['t/p'], strictBuiltinErrors: true });
    expect(Buffer.from(off.wasm!).equals(Buffer.from(plain.wasm!))).toBe(true);
    expect(on.wasm!.length).toBeGreaterThan(plain.wasm!.length);
  });
});
