// sprintf is native in the module (wb_sprintf) with Go fmt semantics, as OPA's topdown: each case
// runs through compiled Rego loaded by the SDK, and its expectation is what Go's fmt.Sprintf prints
// for the Go value OPA passes (int64, float64, *big.Int, or string; composites as Rego text).
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostics, loadCompiledSync } from '../../../opa/index.ts';

/** [format, the values array as raw JSON text (number literals keep their text), Go's output]. */
type Case = [string, string, string];

const cases: Case[] = [
  // plain verbs
  ['%s', '["world"]', 'world'],
  ['hello %s, you are %d', '["bob", 42]', 'hello bob, you are 42'],
  ['%v|%v', '["str", 7]', 'str|7'],
  ['%d', '[-7]', '-7'],
  ['%d', '[9223372036854775807]', '9223372036854775807'],
  ['%d', '[-9223372036854775808]', '-9223372036854775808'],
  ['%v %d', '[0, -0]', '0 0'],
  // integers beyond int64 are *big.Int
  ['%d', '[9223372036854775808]', '9223372036854775808'],
  ['%s', '[123456789123456789123]', '123456789123456789123'],
  ['%v', '[-18446744073709551617]', '-18446744073709551617'],
  ['%x', '[18446744073709551617]', '10000000000000001'],
  ['%#X', '[18446744073709551615]', '0XFFFFFFFFFFFFFFFF'],
  ['%b', '[18446744073709551616]', '1' + '0'.repeat(64)],
  ['%o|%O', '[18446744073709551616, 18446744073709551616]', '2' + '0'.repeat(21) + '|0o2' + '0'.repeat(21)],
  ['%+d', '[123456789012345678901234567890]', '+123456789012345678901234567890'],
  ['%35d|', '[123456789012345678901234567890]', '     123456789012345678901234567890|'],
  ['%-32d|', '[123456789012345678901234567890]', '123456789012345678901234567890  |'],
  ['%032d', '[-123456789012345678901234567890]', '-0123456789012345678901234567890'],
  ['%.32d', '[123456789012345678901234567890]', '00123456789012345678901234567890'],
  ['%q', '[123456789012345678901234567890]', '%!q(big.Int=123456789012345678901234567890)'],
  ['%f', '[-99999999999999999999]', '%!f(big.Int=-99999999999999999999)'],
  ['%T', '[123456789012345678901234567890]', '*big.Int'],
  ['%s', '["a", 123456789012345678901234567890]', 'a%!(EXTRA *big.Int=123456789012345678901234567890)'],
  // integer flags, width, precision
  ['%5d|%-5d|%05d', '[42, 42, 42]', '   42|42   |00042'],
  ['%x %X %o %O %b', '[255, 255, 8, 8, 5]', 'ff FF 10 0o10 101'],
  ['%#x %#o %#b %#o', '[255, 8, 5, 0]', '0xff 010 0b101 0'],
  ['%+d % d %+d', '[3, 3, -3]', '+3  3 -3'],
  ['%x|%X|%b', '[-255, -255, -5]', '-ff|-FF|-101'],
  ['%.3d|%6.3d|%.0d|%5.0d|', '[7, -7, 0, 0]', '007|  -007||     |'],
  ['%06d|%-06d|%+06d', '[-42, 42, 42]', '-00042|42    |+00042'],
  ['%c%c%c', '[72, 105, 9731]', 'Hi☃'],
  ['%c|%c', '[-1, 1114112]', '\uFFFD|\uFFFD'],
  ['%q %q %+q', '[65, 10, 9731]', "'A' '\\n' '\\u2603'"],
  ['%U %#U %#U', '[9731, 65, 10]', "U+2603 U+0041 'A' U+000A"],
  ['%U|%.6U', '[-1, 65]', 'U+FFFFFFFFFFFFFFFF|U+000041'],
  // wrong types: %!verb(type=value), printed with the verb's flags
  ['%d', '[1.0]', '%!d(float64=1)'],
  ['%d', '[1.5]', '%!d(float64=1.5)'],
  ['%+d', '[1.5]', '%!d(float64=+1.5)'],
  ['%d', '["12"]', '%!d(string=12)'],
  ['%d|%d', '[true, null]', '%!d(string=true)|%!d(string=null)'],
  ['%s', '[42]', '%!s(int64=42)'],
  ['%t', '[true]', '%!t(string=true)'],
  ['%5t', '["foo"]', '%!t(string=  foo)'],
  ['%z', '[1]', '%!z(int64=1)'],
  ['%ä', '[1]', '%!ä(int64=1)'],
  ['%s', '[1.5]', '%!s(float64=1.5)'],
  ['%d', '[[1]]', '%!d(string=[1])'],
  ['%10T|%T|%T', '[1, 1.5, "x"]', '     int64|float64|string'],
  // missing and extra arguments, bad indexes, widths and precisions
  ['%d %d', '[1]', '1 %!d(MISSING)'],
  ['%s', '[]', '%!s(MISSING)'],
  ['%d', '[1, "x", true, 2.5]', '1%!(EXTRA string=x, string=true, float64=2.5)'],
  ['no verbs', '[1]', 'no verbs%!(EXTRA int64=1)'],
  ['100%%', '[]', '100%'],
  ['%5%|%-5%', '[]', '%|%'],
  ['trailing %', '[]', 'trailing %!(NOVERB)'],
  ['%[2]s %[1]s', '["a", "b"]', 'b a'],
  ['%[2]*[1]d', '[12, 5]', '   12'],
  ['%[3]d|%[0]d|%[x]d', '[1, 2]', '%!d(BADINDEX)|%!d(BADINDEX)|%!d(BADINDEX)'],
  ['%[1]d %d', '[1, 2]', '1 2'],
  ['%*d|%-*d|%*d|', '[5, 42, 5, 42, -5, 42]', '   42|42   |42   |'],
  ['%.*f', '[2, 3.14159]', '3.14'],
  ['%*d', '["x", 42]', '%!(BADWIDTH)42'],
  ['%.*d', '[-1, 42]', '%!(BADPREC)42'],
  ['%.', '[3]', '%!.(int64=3)'],
  ['%s %.2', '["x"]', 'x %!(NOVERB)'],
  // strings, %q with strconv.Quote escaping, UTF-8
  ['%q', '["a\\"b\\\\c"]', '"a\\"b\\\\c"'],
  ['%q', '["tab\\there\\n"]', '"tab\\there\\n"'],
  ['%q', '["\\u0001\\u007f"]', '"\\x01\\x7f"'],
  ['%q', '["日本語"]', '"日本語"'],
  ['%+q', '["日本語"]', '"\\u65e5\\u672c\\u8a9e"'],
  ['%q', '["😀\\u00ad\\u200b"]', '"😀\\u00ad\\u200b"'],
  ['%+q', '["😀"]', '"\\U0001f600"'],
  ['%#q|%#q', '["plain text", "has`tick"]', '`plain text`|"has`tick"'],
  ['%#v', '["q\\"x"]', '"q\\"x"'],
  ['%x|%X|% x|%#x|% #x', '["hi", "hi", "hi", "hi", "hi"]', '6869|6869|68 69|0x6869|0x68 0x69'],
  ['%x|%.1x', '["é", "hi"]', 'c3a9|68'],
  ['%#010x|% 010x|% 02x|%-02x|', '["hi", "hi", "", ""]', '00000x6869|0000068 69|00|  |'],
  ['%.3s|%.10s|%.0s|', '["abcdef", "ab", "xyz"]', 'abc|ab||'],
  ['%.2s', '["héllo"]', 'hé'],
  ['%6s|%-6s|', '["héllo", "ab"]', ' héllo|ab    |'],
  // floats: shortest %v, fixed precision, exponents, flags
  ['%v', '[0.1]', '0.1'],
  ['%v %v', '[1e21, 1.5e-7]', '1e+21 1.5e-07'],
  ['%v|%v', '[123456.7, 1234567.5]', '123456.7|1.2345675e+06'],
  ['%v|%v', '[0.0001, 0.00001]', '0.0001|1e-05'],
  ['%f|%.2f|%8.3f|%-8.2f|', '[3.14159, 2.675, 3.14159, 3.14159]', '3.141590|2.67|   3.142|3.14    |'],
  ['%F', '[1.25]', '1.250000'],
  ['%e|%E|%.0e', '[1234.5678, 0.000123, 15.5]', '1.234568e+03|1.230000E-04|2e+01'],
  ['%g %G', '[1e-7, 2.5e20]', '1e-07 2.5E+20'],
  ['%.3g|%.3g|%.3g', '[1.0, 1234567.0, 0.0001234]', '1|1.23e+06|0.000123'],
  ['%#g|%#.3g|%#v', '[1.0, 2.0, 1.5]', '1.00000|2.00|1.5'],
  ['%+.2e|% .3f|%+f', '[12345.6789, 1.5, -1.5]', '+1.23e+04| 1.500|-1.500000'],
  ['%010.2f|%-10.1f|%+08.2f', '[-2.5, 2.5, 2.5]', '-000002.50|2.5       |+0002.50'],
  ['% 07.2f|%-05.1f|%#.0f|%#.0e', '[1.0, 1.0, 1.0, 123.0]', ' 001.00|1.0  |1.|1.e+02'],
  ['%x|%X|%.1x', '[1.5, 1.5, 1.5]', '0x1.8p+00|0X1.8P+00|0x1.8p+00'],
  ['%b', '[1.0]', '4503599627370496p-52'],
  ['%5.1f%%', '[99.5]', ' 99.5%'],
  ['%.2v|%10.3v|', '[3.14159, 3.14159]', '3.1|      3.14|'],
  ['%v|%d', '[1E2, 1E2]', '100|%!d(float64=100)'],
  ['%v|%d', '[1e400, 1e400]', '1e400|%!d(string=1e400)'],
  ['%v', '[3.0000000000000004]', '3.0000000000000004'],
  // composites print as OPA's Rego text, then format as strings
  ['%v', '[[1, "a", null, true]]', '[1, "a", null, true]'],
  ['%v', '[{"b": 2, "a": [1.5, {"c": "d"}]}]', '{"a": [1.5, {"c": "d"}], "b": 2}'],
  ['%s|%v', '[[], {}]', '[]|{}'],
  ['%q', '[["x"]]', '"[\\"x\\"]"'],
  ['%v', '[["é\\n😀\\u0000"]]', '["é\\n😀\\x00"]'],
  ['%v', '[[12345678901234567890123, 1.0, 1e2]]', '[12345678901234567890123, 1.0, 1e2]'],
  ['%10v|%-6s|%.3v', '[[1], [2], [3, 4]]', '       [1]|[2]   |[3,'],
  ['%v', '[null]', 'null'],
];

function build(text: string, entrypoints: string[]) {
  const r = compile([{ file: 'p.rego', text }], { entrypoints });
  if (!r.ok || !r.wasm) throw new Error(formatDiagnostics(r));
  return loadCompiledSync(r.wasm);
}

/** The host builtins the module asks the SDK for: its builtins() export, as the SDK reads it. */
function hostBuiltins(policy: unknown): string[] {
  const p = policy as { wasmInstance: WebAssembly.Instance; mem: WebAssembly.Memory };
  const ex = p.wasmInstance.exports as Record<string, (...a: number[]) => number>;
  const addr = ex.opa_json_dump(ex.builtins());
  const bytes = new Uint8Array(p.mem.buffer);
  let end = addr;
  while (bytes[end] !== 0) end++;
  return Object.keys(JSON.parse(new TextDecoder().decode(bytes.subarray(addr, end))) as object);
}

describe('sprintf (native, Go fmt semantics)', () => {
  const policy = build('package s\nout := {i: sprintf(c[0], c[1]) | some i, c in input}\n', ['s/out']);
  const input = '[' + cases.map(([f, args]) => `[${JSON.stringify(f)}, ${args}]`).join(',\n') + ']';
  const [{ result }] = policy.evaluate(new TextEncoder().encode(input).buffer, 's/out') as Array<{ result: Record<string, string> }>;

  it('has a table of at least 80 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  it('runs in the module: the SDK is not asked for sprintf', () => {
    expect(hostBuiltins(policy)).not.toContain('sprintf');
    expect(hostBuiltins(build('package h\np := sprintf("%v", [input])\n', ['h/p']))).toEqual([]);
  });

  it.each(cases.map((c, i) => [i, ...c] as const))('#%i sprintf(%j, %s)', (i, _format, _args, want) => {
    expect(result[i]).toBe(want);
  });

  it('formats Rego literals and computed values as OPA does', () => {
    const p = build(
      `package lit
float_lit := sprintf("%v|%d|%v", [1.0, 1.0, 1e2])
sets := sprintf("%v %v %v", [{3, 1, 2}, set(), {"k": {"b", "a"}}])
division := sprintf("%.4f %v %v", [1 / 3, 1 / 3, 7 / 2])
bignum := sprintf("%v %v", [9223372036854775807 + 1, sum([9223372036854775807, 2])])
count_d := sprintf("%05d", [count([1, 2, 3])])
`,
      ['lit/float_lit', 'lit/sets', 'lit/division', 'lit/bignum', 'lit/count_d'],
    );
    const get = (e: string) => (p.evaluate(null, `lit/${e}`) as Array<{ result: string }>)[0]?.result;
    expect(get('float_lit')).toBe('1|%!d(float64=1)|100');
    expect(get('sets')).toBe('{1, 2, 3} set() {"k": {"a", "b"}}');
    expect(get('division')).toBe('0.3333 0.3333333333333333 3.5');
    expect(get('bignum')).toBe('9223372036854775808 9223372036854775809');
    expect(get('count_d')).toBe('00003');
  });

  it('is undefined unless given a string and an array', () => {
    const p = build('package u\nx := sprintf(input.f, input.a)\n', ['u/x']);
    expect(p.evaluate({ f: '%v', a: [1] }, 'u/x')).toEqual([{ result: '1' }]);
    expect(p.evaluate({ f: 1, a: [1] }, 'u/x')).toEqual([]);
    expect(p.evaluate({ f: '%v', a: 'x' }, 'u/x')).toEqual([]);
  });
});
