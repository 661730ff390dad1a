// Native builtins of group A (arith, compare, numbers, bits, aggregates, sets, arrays, types,
// strings, member): each wb_* export called directly on opa/runtime/runtime.wasm.
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { loadRuntime, noHostCalls, type Runtime } from './harness.ts';

let rt: Runtime;
let ex: Runtime['x'];
let memory: WebAssembly.Memory;

beforeAll(() => {
  rt = loadRuntime({ memory: { initial: 5 }, hostBuiltin: noHostCalls });
  ({ x: ex, memory } = rt);
}, 60_000);

const value = (text: string): number => rt.value(text);
const dump = (v: number): string => rt.json(v);

/** Calls wb_<name> on Rego-literal arguments; the JSON text of the result or undefined. */
function call(name: string, args: string[]): string | undefined {
  const r = rt.builtin(name)(...args.map(value));
  return r === 0 ? undefined : dump(r);
}

const U = undefined;
// [builtin, args as Rego literals, expected compact JSON or U for undefined]
type Case = [string, string[], string | undefined];

const cases: Case[] = [
  // ---- arithmetic ----
  ['plus', ['1', '2'], '3'],
  ['plus', ['1', '2.5'], '3.5'],
  ['plus', ['1.5', '2.5'], '4'],
  ['plus', ['-7', '3'], '-4'],
  ['plus', ['9223372036854775807', '1'], '9223372036854775808'],
  ['plus', ['18446744073709551617', '1'], '18446744073709551618'],
  ['plus', ['49649733057', '1'], '49649733058'],
  ['plus', ['"1"', '2'], U],
  ['plus', ['{1}', '{2}'], U],
  ['plus', ['0.1', '0.2'], '0.3'],
  ['plus', ['-0.5', '0.25'], '-0.25'],
  ['plus', ['1e2', '1'], '101'],
  ['minus', ['1', '2'], '-1'],
  ['minus', ['0.3', '0.1'], '0.2'],
  ['minus', ['1', '1.000001'], '-1e-06'],   // Go's shortest 'g' text, as OPA's FloatToNumber
  ['minus', ['-9223372036854775808', '1'], '-9223372036854775809'],
  ['minus', ['{1, 2, 3}', '{2}'], '[1,3]'],
  ['minus', ['{1, 2}', 'set()'], '[1,2]'],
  ['minus', ['set()', '{1}'], '[]'],
  ['minus', ['{1}', '1'], U],
  ['minus', ['1', '{1}'], U],
  ['minus', ['5.5', '0.5'], '5'],
  ['mul', ['3', '4'], '12'],
  ['mul', ['2.5', '2'], '5'],
  ['mul', ['-3', '0'], '0'],
  ['mul', ['18446744073709551617', '2'], '36893488147419103234'],
  ['mul', ['9223372036854775807', '9223372036854775807'], '85070591730234615847396907784232501249'],
  ['mul', ['1', 'null'], U],
  ['mul', ['1.5', '1.5'], '2.25'],
  ['mul', ['1.1', '100'], '110'],
  ['mul', ['0.1', '0.1'], '0.01'],
  ['mul', ['1e-40', '1e-40'], '1e-80'],
  ['mul', ['1e300', '1e300'], '1' + '0'.repeat(600)],   // integers print in full, as OPA's big.Int
  ['div', ['6', '3'], '2'],
  ['div', ['1', '4'], '0.25'],
  ['div', ['-7', '2'], '-3.5'],
  ['div', ['1', '0'], U],
  ['div', ['1.5', '0.0'], U],
  ['div', ['"6"', '3'], U],
  ['div', ['10', '0.5'], '20'],
  ['div', ['0.3', '0.1'], '3'],
  ['div', ['1', '8'], '0.125'],
  ['div', ['1', '3'], '0.3333333333333333'],
  ['div', ['-1', '-4'], '0.25'],
  ['rem', ['7', '4'], '3'],
  ['rem', ['-7', '4'], '-3'],
  ['rem', ['7', '-4'], '3'],
  ['rem', ['7', '0'], U],
  ['rem', ['1.1', '1'], U],
  ['rem', ['10', '18446744073709551616'], '10'],
  ['rem', ['18446744073709551617', '18446744073709551616'], '1'],
  ['rem', ['8.0', '3'], '2'],
  ['rem', ['7', '340282366920938463463374607431768211456'], '7'],
  ['rem', ['100', '-18446744073709551616'], '100'],
  ['rem', ['100000000000000000000000000000000000005', '100000000000000000000000000000000000000'], '5'],
  ['rem', ['7', '1e40'], '7'],
  ['rem', ['7', '1.5e-40'], U],
  ['abs', ['-10'], '10'],
  ['abs', ['10'], '10'],
  ['abs', ['-1.5'], '1.5'],
  ['abs', ['-0.1'], '0.1'],
  ['abs', ['0'], '0'],
  ['abs', ['-9223372036854775808'], '9223372036854775808'],
  ['abs', ['"-1"'], U],
  ['round', ['1.5'], '2'],
  ['round', ['-1.5'], '-2'],
  ['round', ['2.5'], '3'],
  ['round', ['1.4999'], '1'],
  ['round', ['-0.4'], '0'],
  ['round', ['0.49999999999999999'], '0'],
  ['round', ['-2.5'], '-3'],
  ['round', ['123456789012345678901.5'], '123456789012345678902'],
  ['round', ['7'], '7'],
  ['round', ['"1.5"'], U],
  ['ceil', ['1.01'], '2'],
  ['ceil', ['1.5'], '2'],
  ['ceil', ['2222.2222222222'], '2223'],
  ['ceil', ['1'], '1'],
  ['ceil', ['-1.99999'], '-1'],
  ['ceil', ['0.000001'], '1'],
  ['ceil', ['-0.5'], '0'],
  ['ceil', ['true'], U],
  ['floor', ['1.01'], '1'],
  ['floor', ['99.99999'], '99'],
  ['floor', ['1'], '1'],
  ['floor', ['-1.001'], '-2'],
  ['floor', ['-0.5'], '-1'],
  ['floor', ['1e-50'], '0'],
  ['floor', ['[]'], U],

  // ---- comparison ----
  ['equal', ['1', '1.0'], 'true'],
  ['equal', ['"a"', '"a"'], 'true'],
  ['equal', ['{1, 2}', '{2, 1}'], 'true'],
  ['equal', ['{"a": [1]}', '{"a": [1]}'], 'true'],
  ['equal', ['1', '"1"'], 'false'],
  ['equal', ['null', 'false'], 'false'],
  ['neq', ['1', '2'], 'true'],
  ['neq', ['1', '1.0'], 'false'],
  ['neq', ['[1]', '[1]'], 'false'],
  ['neq', ['28857836529306024611913', '28857836529306024611912'], 'true'],
  ['neq', ['null', 'null'], 'false'],
  ['gt', ['2', '1'], 'true'],
  ['gt', ['1', '2'], 'false'],
  ['gt', ['"a"', '1'], 'true'],
  ['gt', ['{1}', '{"a": 1}'], 'true'],
  ['gt', ['"b"', '"abc"'], 'true'],
  ['gte', ['1', '1.0'], 'true'],
  ['gte', ['0', '1'], 'false'],
  ['gte', ['[1, 2]', '[1]'], 'true'],
  ['gte', ['null', 'false'], 'false'],
  ['gte', ['true', 'false'], 'true'],
  ['lt', ['1', '2'], 'true'],
  ['lt', ['-1.5', '-1'], 'true'],
  ['lt', ['null', 'false'], 'true'],
  ['lt', ['[1, 2]', '[1, 3]'], 'true'],
  ['lt', ['"é"', '"e"'], 'false'],
  ['lte', ['2', '2'], 'true'],
  ['lte', ['3', '2'], 'false'],
  ['lte', ['"a"', '"b"'], 'true'],
  ['lte', ['{}', 'set()'], 'true'],
  ['lte', ['[]', '{}'], 'true'],

  // ---- numbers ----
  ['numbers.range', ['0', '0'], '[0]'],
  ['numbers.range', ['-2', '3'], '[-2,-1,0,1,2,3]'],
  ['numbers.range', ['2', '-3'], '[2,1,0,-1,-2,-3]'],
  ['numbers.range', ['49649733057', '49649733059'], '[49649733057,49649733058,49649733059]'],
  ['numbers.range', ['3.14', '4'], U],
  ['numbers.range', ['3', '3.14'], U],
  ['numbers.range', ['1', '"3"'], U],
  ['to_number', ['"-42.0"'], '-42'],
  ['to_number', ['false'], '0'],
  ['to_number', ['true'], '1'],
  ['to_number', ['null'], '0'],
  ['to_number', ['100.1'], '100.1'],
  ['to_number', ['"3"'], '3'],
  ['to_number', ['"+5"'], '5'],
  ['to_number', ['"1e3"'], '1000'],
  ['to_number', ['"0.5"'], '0.5'],
  ['to_number', ['".5"'], '0.5'],
  ['to_number', ['"broken"'], U],
  ['to_number', ['"nan"'], U],
  ['to_number', ['"-Infinity"'], U],
  ['to_number', ['"iNf"'], U],
  ['to_number', ['""'], U],
  ['to_number', ['" 1"'], U],
  ['to_number', ['"1e400"'], U],
  ['to_number', ['[1]'], U],
  ['format_int', ['15', '16'], '"f"'],
  ['format_int', ['255', '2'], '"11111111"'],
  ['format_int', ['8', '8'], '"10"'],
  ['format_int', ['-255', '16'], '"-ff"'],
  ['format_int', ['12.9', '10'], '"12"'],
  ['format_int', ['-12.9', '10'], '"-12"'],
  ['format_int', ['0', '2'], '"0"'],
  ['format_int', ['123456789012345678901234567890.0', '10'], '"123456789012345678901234567890"'],
  ['format_int', ['2e3', '10'], '"2000"'],
  ['format_int', ['10', '3'], U],
  ['format_int', ['"10"', '10'], U],
  ['format_int', ['18446744073709551617', '16'], '"10000000000000001"'],

  // ---- bits ----
  ['bits.or', ['5', '3'], '7'],
  ['bits.or', ['0', '0'], '0'],
  ['bits.or', ['-8', '1'], '-7'],
  ['bits.or', ['1.5', '1'], U],
  ['bits.or', ['1', '"1"'], U],
  ['bits.and', ['5', '3'], '1'],
  ['bits.and', ['-1', '255'], '255'],
  ['bits.and', ['12', '10'], '8'],
  ['bits.and', ['1', '2.1'], U],
  ['bits.and', ['null', '1'], U],
  ['bits.xor', ['5', '3'], '6'],
  ['bits.xor', ['-1', '0'], '-1'],
  ['bits.xor', ['7', '7'], '0'],
  ['bits.xor', ['7.5', '1'], U],
  ['bits.xor', ['[]', '1'], U],
  ['bits.negate', ['0'], '-1'],
  ['bits.negate', ['42'], '-43'],
  ['bits.negate', ['-1'], '0'],
  ['bits.negate', ['9223372036854775807'], '-9223372036854775808'],
  ['bits.negate', ['1.5'], U],
  ['bits.lsh', ['1', '3'], '8'],
  ['bits.lsh', ['-1', '4'], '-16'],
  ['bits.lsh', ['9223372036854775807', '1'], '18446744073709551614'],
  ['bits.lsh', ['1', '-1'], U],
  ['bits.lsh', ['1.5', '1'], U],
  ['bits.lsh', ['0', '1000'], '0'],
  ['bits.rsh', ['8', '3'], '1'],
  ['bits.rsh', ['-16', '2'], '-4'],
  ['bits.rsh', ['-1', '100'], '-1'],
  ['bits.rsh', ['7', '200'], '0'],
  ['bits.rsh', ['7.2', '42'], U],
  ['bits.rsh', ['7', '-1'], U],

  // ---- aggregates ----
  ['count', ['[1, 2, 3, 4]'], '4'],
  ['count', ['{"a": 1, "b": 2}'], '2'],
  ['count', ['{1, 2, 3}'], '3'],
  ['count', ['""'], '0'],
  ['count', ['"héllo"'], '5'],
  ['count', ['"日本語"'], '3'],
  ['count', ['[]'], '0'],
  ['count', ['1'], U],
  ['count', ['null'], U],
  ['sum', ['[1, 2, 3, 4]'], '10'],
  ['sum', ['{1, 2, 3, 4}'], '10'],
  ['sum', ['[]'], '0'],
  ['sum', ['[1, 2.5]'], '3.5'],
  ['sum', ['[0.1, 0.2, 0.3]'], '0.6'],
  ['sum', ['[9223372036854775807, 1]'], '9223372036854775808'],
  ['sum', ['[-9223372036854775808, -1]'], '-9223372036854775809'],
  ['sum', ['[1, "2"]'], U],
  ['sum', ['"12"'], U],
  ['product', ['[1, 2, 3, 4]'], '24'],
  ['product', ['{2, 3, 4}'], '24'],
  ['product', ['[]'], '1'],
  ['product', ['[1.5, 2]'], '3'],
  ['product', ['[1.1, 1.1]'], '1.21'],
  ['product', ['[18446744073709551617, 2]'], '36893488147419103234'],
  ['product', ['[2, null]'], U],
  ['product', ['{"a": 2}'], U],
  ['max', ['[1, 2, 3, 4]'], '4'],
  ['max', ['{1, 2, 3, 4}'], '4'],
  ['max', ['[]'], U],
  ['max', ['set()'], U],
  ['max', ['[1, "a", null]'], '"a"'],
  ['max', ['[-1.5, -2]'], '-1.5'],
  ['max', ['"abc"'], U],
  ['min', ['[4, 1, 3]'], '1'],
  ['min', ['[1, 1, 2]'], '1'],
  ['min', ['[3, -7, 0]'], '-7'],
  ['min', ['{1, 2}'], '1'],
  ['min', ['[]'], U],
  ['min', ['[1, "a", null]'], 'null'],
  ['min', ['{}'], U],
  ['sort', ['[3, 1, 2]'], '[1,2,3]'],
  ['sort', ['{3, 1, 2}'], '[1,2,3]'],
  ['sort', ['[]'], '[]'],
  ['sort', ['["b", 1, null, [1], true, "a"]'], '[null,true,1,"a","b",[1]]'],
  ['sort', ['[2, 1.5, 1, 2]'], '[1,1.5,2,2]'],
  ['sort', ['{"a": 1}'], U],
  ['sort', ['"cba"'], U],
  ['all', ['[true, true]'], 'true'],
  ['all', ['[]'], 'true'],
  ['all', ['[true, false]'], 'false'],
  ['all', ['[true, 1]'], 'false'],
  ['all', ['{true}'], 'true'],
  ['all', ['true'], U],
  ['any', ['[false, true]'], 'true'],
  ['any', ['[]'], 'false'],
  ['any', ['[false, 1]'], 'false'],
  ['any', ['{false, true}'], 'true'],
  ['any', ['set()'], 'false'],
  ['any', ['{"a": true}'], U],

  // ---- sets ----
  ['and', ['{1, 2, 3}', '{2, 3, 4}'], '[2,3]'],
  ['and', ['{1}', 'set()'], '[]'],
  ['and', ['{"a", [1]}', '{[1]}'], '[[1]]'],
  ['and', ['{1}', '{1.0}'], '[1]'],
  ['and', ['[1]', '{1}'], U],
  ['or', ['{1, 2}', '{2, 3}'], '[1,2,3]'],
  ['or', ['set()', 'set()'], '[]'],
  ['or', ['{"b"}', '{"a"}'], '["a","b"]'],
  ['or', ['{1}', '[2]'], U],
  ['or', ['1', '{1}'], U],
  ['set_diff', ['{1, 2, 3}', '{2}'], '[1,3]'],
  ['set_diff', ['{1}', '{1}'], '[]'],
  ['set_diff', ['set()', '{1}'], '[]'],
  ['set_diff', ['{1, 2}', 'set()'], '[1,2]'],
  ['set_diff', ['{1}', '[1]'], U],
  ['intersection', ['{{1, 2, 3}, {2, 3, 4}, {3, 2}}'], '[2,3]'],
  ['intersection', ['set()'], '[]'],
  ['intersection', ['{{1, 2}}'], '[1,2]'],
  ['intersection', ['{{1}, {2}}'], '[]'],
  ['intersection', ['{{1}, [1]}'], U],
  ['intersection', ['[{1}]'], U],
  ['union', ['{{1, 2}, {2, 3}, {4}}'], '[1,2,3,4]'],
  ['union', ['set()'], '[]'],
  ['union', ['{{"a", 1}, {1, [2]}, {null}}'], '[null,1,"a",[2]]'],
  ['union', ['{{"a"}, set()}'], '["a"]'],
  ['union', ['{{1}, 1}'], U],
  ['union', ['[{1}]'], U],

  // ---- arrays ----
  ['array.concat', ['[1, 2]', '[3, 4]'], '[1,2,3,4]'],
  ['array.concat', ['[]', '[]'], '[]'],
  ['array.concat', ['[1]', '[]'], '[1]'],
  ['array.concat', ['[]', '[[1], "a"]'], '[[1],"a"]'],
  ['array.concat', ['[1]', '{2}'], U],
  ['array.concat', ['"a"', '[1]'], U],
  ['array.slice', ['[1, 2, 3, 4, 5]', '1', '3'], '[2,3]'],
  ['array.slice', ['[1, 2, 3, 4, 5]', '2', '2'], '[]'],
  ['array.slice', ['[1, 2, 3, 4, 5]', '-4', '-2'], '[]'],
  ['array.slice', ['[1, 2, 3, 4, 5]', '3', '1'], '[]'],
  ['array.slice', ['[1, 2, 3, 4, 5]', '-1', '2'], '[1,2]'],
  ['array.slice', ['[1, 2, 3, 4, 5]', '3', '10'], '[4,5]'],
  ['array.slice', ['[1, 2, 3]', '5', '10'], '[]'],
  ['array.slice', ['[1, 2, 3]', '0.5', '2'], U],
  ['array.slice', ['{1, 2}', '0', '1'], U],

  // ---- types ----
  ['is_number', ['1'], 'true'], ['is_number', ['1.5'], 'true'], ['is_number', ['"1"'], 'false'],
  ['is_number', ['null'], 'false'], ['is_number', ['[1]'], 'false'],
  ['is_string', ['"a"'], 'true'], ['is_string', ['""'], 'true'], ['is_string', ['1'], 'false'],
  ['is_string', ['["a"]'], 'false'], ['is_string', ['{"a"}'], 'false'],
  ['is_boolean', ['true'], 'true'], ['is_boolean', ['false'], 'true'], ['is_boolean', ['null'], 'false'],
  ['is_boolean', ['"true"'], 'false'], ['is_boolean', ['0'], 'false'],
  ['is_array', ['[]'], 'true'], ['is_array', ['[1, 2]'], 'true'], ['is_array', ['{1}'], 'false'],
  ['is_array', ['{}'], 'false'], ['is_array', ['"[]"'], 'false'],
  ['is_set', ['set()'], 'true'], ['is_set', ['{1}'], 'true'], ['is_set', ['{}'], 'false'],
  ['is_set', ['[1]'], 'false'], ['is_set', ['null'], 'false'],
  ['is_object', ['{}'], 'true'], ['is_object', ['{"a": 1}'], 'true'], ['is_object', ['set()'], 'false'],
  ['is_object', ['[]'], 'false'], ['is_object', ['"{}"'], 'false'],
  ['is_null', ['null'], 'true'], ['is_null', ['false'], 'false'], ['is_null', ['0'], 'false'],
  ['is_null', ['""'], 'false'], ['is_null', ['[null]'], 'false'],
  ['type_name', ['null'], '"null"'], ['type_name', ['true'], '"boolean"'], ['type_name', ['1.5'], '"number"'],
  ['type_name', ['"s"'], '"string"'], ['type_name', ['[1]'], '"array"'], ['type_name', ['{"a": 1}'], '"object"'],
  ['type_name', ['{}'], '"object"'], ['type_name', ['set()'], '"set"'], ['type_name', ['{1}'], '"set"'],

  // ---- strings ----
  ['concat', ['", "', '["a", "b", "c"]'], '"a, b, c"'],
  ['concat', ['"-"', '[]'], '""'],
  ['concat', ['"-"', '{"b", "a"}'], '"a-b"'],
  ['concat', ['""', '["x"]'], '"x"'],
  ['concat', ['"/"', '["a", 1]'], U],
  ['concat', ['1', '["a"]'], U],
  ['concat', ['","', '"ab"'], U],
  ['contains', ['"abc"', '"bc"'], 'true'],
  ['contains', ['"abc"', '""'], 'true'],
  ['contains', ['""', '"a"'], 'false'],
  ['contains', ['"日本語"', '"本"'], 'true'],
  ['contains', ['"abc"', '"abcd"'], 'false'],
  ['contains', ['"abc"', '1'], U],
  ['startswith', ['"abc"', '"ab"'], 'true'],
  ['startswith', ['"abc"', '""'], 'true'],
  ['startswith', ['"abc"', '"bc"'], 'false'],
  ['startswith', ['"a"', '"abc"'], 'false'],
  ['startswith', ['["a"]', '"a"'], U],
  ['endswith', ['"abc"', '"bc"'], 'true'],
  ['endswith', ['"abc"', '""'], 'true'],
  ['endswith', ['"abc"', '"ab"'], 'false'],
  ['endswith', ['"c"', '"abc"'], 'false'],
  ['endswith', ['"abc"', 'null'], U],
  ['indexof', ['"abcabc"', '"ca"'], '2'],
  ['indexof', ['"abc"', '"x"'], '-1'],
  ['indexof', ['"日本語本"', '"語"'], '2'],
  ['indexof', ['"héllo"', '"l"'], '2'],
  ['indexof', ['"abc"', '""'], U],
  ['indexof', ['1', '"1"'], U],
  ['lower', ['"AbC"'], '"abc"'],
  ['lower', ['""'], '""'],
  ['lower', ['"ÀÉÎ ÕÜ ΣΑΣ ДОМ Ǆ"'], '"àéî õü σασ дом ǆ"'],
  ['lower', ['"ԱԲ ＡＢ Ⅻ ẞ Ǎ"'], '"աբ ａｂ ⅻ ß ǎ"'],
  ['lower', ['"Ÿ İ"'], '"ÿ i"'],
  ['lower', ['"123 !"'], '"123 !"'],
  ['lower', ['1'], U],
  ['upper', ['"abc"'], '"ABC"'],
  ['upper', ['""'], '""'],
  ['upper', ['"àéî ß ÿ µ"'], '"ÀÉÎ ß Ÿ Μ"'],
  ['upper', ['"σας дом ёж ı"'], '"ΣΑΣ ДОМ ЁЖ I"'],
  ['upper', ['["a"]'], U],
  ['upper', ['"ǆ ǅ ǎ ḁ ａ 日本"'], '"Ǆ Ǆ Ǎ Ḁ Ａ 日本"'],
  ['replace', ['"aaa"', '"a"', '"b"'], '"bbb"'],
  ['replace', ['"abcabc"', '"bc"', '""'], '"aa"'],
  ['replace', ['"abc"', '"x"', '"y"'], '"abc"'],
  ['replace', ['"ab"', '""', '"-"'], '"-a-b-"'],
  ['replace', ['""', '""', '"|"'], '"|"'],
  ['replace', ['"日本"', '"本"', '"x"'], '"日x"'],
  ['replace', ['"aaaa"', '"aa"', '"a"'], '"aa"'],
  ['replace', ['"abc"', '1', '"y"'], U],
  ['strings.replace_n', ['{"<": "&lt;", ">": "&gt;"}', '"<b>x</b>"'], '"&lt;b&gt;x&lt;/b&gt;"'],
  ['strings.replace_n', ['{"foo": "x", "f": "y"}', '"foobar"'], '"yoobar"'],
  ['strings.replace_n', ['{"old1": "new1"}', '"Everything is new1"'], '"Everything is new1"'],
  ['strings.replace_n', ['{}', '"abc"'], '"abc"'],
  ['strings.replace_n', ['{"a": "b", "b": "a"}', '"abba"'], '"baab"'],
  ['strings.replace_n', ['{"": "-"}', '"ab"'], '"-a-b-"'],
  ['strings.replace_n', ['{1: "x"}', '"1"'], U],
  ['strings.replace_n', ['{"a": 1}', '"a"'], U],
  ['strings.replace_n', ['["a", "b"]', '"a"'], U],
  ['split', ['"a,b,c"', '","'], '["a","b","c"]'],
  ['split', ['""', '","'], '[""]'],
  ['split', ['"abc"', '""'], '["a","b","c"]'],
  ['split', ['"日本"', '""'], '["日","本"]'],
  ['split', ['",a,"', '","'], '["","a",""]'],
  ['split', ['"a--b"', '"--"'], '["a","b"]'],
  ['split', ['""', '""'], '[]'],
  ['split', ['"a"', '1'], U],
  ['substring', ['"abcdef"', '1', '3'], '"bcd"'],
  ['substring', ['"abcdef"', '2', '-1'], '"cdef"'],
  ['substring', ['"abc"', '5', '1'], '""'],
  ['substring', ['"abc"', '1', '100'], '"bc"'],
  ['substring', ['"日本語です"', '1', '2'], '"本語"'],
  ['substring', ['"abc"', '-1', '2'], U],
  ['substring', ['"abc"', '0.5', '2'], U],
  ['substring', ['"abc"', '0', '0'], '""'],
  ['substring', ['1', '0', '1'], U],
  ['trim', ['"¡¡¡foo, bar!!!"', '"!¡"'], '"foo, bar"'],
  ['trim', ['"¡¡¡foo, bar!!!"', '"i"'], '"¡¡¡foo, bar!!!"'],
  ['trim', ['"xxx"', '"x"'], '""'],
  ['trim', ['"  a  "', '""'], '"  a  "'],
  ['trim', ['""', '"a"'], '""'],
  ['trim', ['"a"', '1'], U],
  ['trim_left', ['"¡¡¡foo, bar!!!"', '"!¡"'], '"foo, bar!!!"'],
  ['trim_left', ['"aab"', '"a"'], '"b"'],
  ['trim_left', ['"aaa"', '"a"'], '""'],
  ['trim_left', ['"baa"', '"a"'], '"baa"'],
  ['trim_left', ['1', '"a"'], U],
  ['trim_right', ['"¡¡¡foo, bar!!!"', '"!¡"'], '"¡¡¡foo, bar"'],
  ['trim_right', ['"!!!foo, bar¡¡¡"', '"!"'], '"!!!foo, bar¡¡¡"'],
  ['trim_right', ['"abb"', '"b"'], '"a"'],
  ['trim_right', ['"bbb"', '"b"'], '""'],
  ['trim_right', ['"a"', 'null'], U],
  ['trim_prefix', ['"foo, bar"', '"foo, "'], '"bar"'],
  ['trim_prefix', ['"foo, bar"', '"bar"'], '"foo, bar"'],
  ['trim_prefix', ['"foo"', '"foo"'], '""'],
  ['trim_prefix', ['"foo"', '""'], '"foo"'],
  ['trim_prefix', ['"foo"', '1'], U],
  ['trim_suffix', ['"foo, bar"', '", bar"'], '"foo"'],
  ['trim_suffix', ['"foo, bar"', '"foo"'], '"foo, bar"'],
  ['trim_suffix', ['"日本語"', '"語"'], '"日本"'],
  ['trim_suffix', ['"a"', '"aa"'], '"a"'],
  ['trim_suffix', ['1', '"1"'], U],
  ['trim_space', ['" \\t\\n foo, bar \\n\\t\\r\\n"'], '"foo, bar"'],
  ['trim_space', ['"foo, bar"'], '"foo, bar"'],
  ['trim_space', ['"   "'], '""'],
  ['trim_space', ['"\u00a0x\u3000"'], '"x"'],
  ['trim_space', ['""'], '""'],
  ['trim_space', ['1'], U],

  // ---- membership ----
  ['internal.member_2', ['1', '[1, 2]'], 'true'],
  ['internal.member_2', ['3', '[1, 2]'], 'false'],
  ['internal.member_2', ['1', '{1, 2}'], 'true'],
  ['internal.member_2', ['"a"', '{"a": 1}'], 'false'],
  ['internal.member_2', ['1', '{"a": 1}'], 'true'],
  ['internal.member_2', ['1.0', '[1]'], 'true'],
  ['internal.member_2', ['"a"', '"abc"'], 'false'],
  ['internal.member_2', ['1', '[]'], 'false'],
  ['internal.member_3', ['0', '"a"', '["a", "b"]'], 'true'],
  ['internal.member_3', ['1', '"a"', '["a", "b"]'], 'false'],
  ['internal.member_3', ['5', '"a"', '["a"]'], 'false'],
  ['internal.member_3', ['"x"', '1', '{"x": 1}'], 'true'],
  ['internal.member_3', ['"x"', '2', '{"x": 1}'], 'false'],
  ['internal.member_3', ['"y"', '1', '{"x": 1}'], 'false'],
  ['internal.member_3', ['1', '1', '{1, 2}'], 'true'],
  ['internal.member_3', ['1', '2', '{1, 2}'], 'false'],
  ['internal.member_3', ['0', '"a"', '"abc"'], 'false'],
];

describe('native builtins A', () => {
  it.each(cases.map(([b, args, want]) => [`${b}(${args.join(', ')}) = ${want ?? 'undefined'}`, b, args, want] as const))(
    '%s', (_label, b, args, want) => {
      expect(call(b, args)).toBe(want);
    });

  it('covers every builtin of the group with at least five cases', () => {
    const group = ['plus', 'minus', 'mul', 'div', 'rem', 'abs', 'round', 'ceil', 'floor', 'equal', 'neq', 'gt',
      'gte', 'lt', 'lte', 'numbers.range', 'to_number', 'format_int', 'bits.or', 'bits.and', 'bits.negate',
      'bits.xor', 'bits.lsh', 'bits.rsh', 'count', 'sum', 'product', 'max', 'min', 'sort', 'all', 'any', 'and',
      'or', 'intersection', 'union', 'set_diff', 'array.concat', 'array.slice', 'is_number', 'is_string',
      'is_boolean', 'is_array', 'is_set', 'is_object', 'is_null', 'type_name', 'concat', 'contains', 'endswith',
      'startswith', 'indexof', 'lower', 'upper', 'replace', 'strings.replace_n', 'split', 'substring', 'trim',
      'trim_left', 'trim_prefix', 'trim_right', 'trim_space', 'trim_suffix', 'internal.member_2',
      'internal.member_3'];
    const thin = group.filter((b) => cases.filter((c) => c[0] === b).length < 5);
    expect(thin).toEqual([]);
  });

  it('treats invalid UTF-8 bytes as one U+FFFD each, as Go does', () => {
    // 0xff (invalid), 'a', 0xe6 0x97 (truncated sequence: two invalid bytes)
    const bytes = Uint8Array.from([0xff, 0x61, 0xe6, 0x97]);
    const p = ex.opa_malloc(bytes.length);
    new Uint8Array(memory.buffer).set(bytes, p);
    const s = ex.opa_string(p, bytes.length);
    expect(dump(ex.wb_count(s))).toBe('4');
    const raw = (v: number): number[] => {
      const q = ex.opa_json_dump(v);
      const b = new Uint8Array(memory.buffer);
      let e = q;
      while (b[e] !== 0) e++;
      return [...b.subarray(q, e)];
    };
    const enc = (t: string) => [...new TextEncoder().encode(t)];
    // upper writes U+FFFD for each invalid byte (Go's strings.Map)
    expect(raw(ex.wb_upper(s))).toEqual(enc('"\uFFFDA\uFFFD\uFFFD"'));
    // substring re-encodes non-ASCII results through code points (Go's []rune)
    expect(raw(ex.wb_substring(s, value('1'), value('-1')))).toEqual(enc('"a\uFFFD\uFFFD"'));
    // an empty old string in replace works per byte, as Go's strings.Replacer does
    expect(raw(ex.wb_replace(value('"é"'), value('""'), value('"|"')))).toEqual([...enc('"|'), 0xc3, ...enc('|'), 0xa9, ...enc('|"')]);
    // split on "" keeps each invalid byte as is (Go's explode)
    expect(raw(ex.wb_split(s, value('""')))).toEqual([...enc('["'), 0xff, ...enc('","a","'), 0xe6, ...enc('","'), 0x97, ...enc('"]')]);
  });

  it('agrees with reference models on random integer inputs', () => {
    const ints = fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 12 });
    const big = fc.array(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), { maxLength: 6 });
    const setText = (xs: number[]) => (xs.length ? `{${xs.join(', ')}}` : 'set()');
    const sorted = (xs: number[]) => [...new Set(xs)].sort((p, q) => p - q);
    fc.assert(fc.property(ints, ints, (xs, ys) => {
      const a = setText(xs), b = setText(ys);
      expect(call('or', [a, b])).toBe(JSON.stringify(sorted([...xs, ...ys])));
      expect(call('and', [a, b])).toBe(JSON.stringify(sorted(xs.filter((x) => ys.includes(x)))));
      expect(call('minus', [a, b])).toBe(JSON.stringify(sorted(xs.filter((x) => !ys.includes(x)))));
      expect(call('sort', [JSON.stringify(xs)])).toBe(JSON.stringify([...xs].sort((p, q) => p - q)));
    }), { numRuns: 200 });
    // exact integers are 128-bit: products are kept below 2^120 here
    const factors = fc.array(fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }), { maxLength: 3 });
    fc.assert(fc.property(big, factors, (xs, ys) => {
      expect(call('sum', [`[${xs.join(', ')}]`])).toBe(String(xs.reduce((p, q) => p + q, 0n)));
      expect(call('product', [`[${ys.join(', ')}]`])).toBe(String(ys.reduce((p, q) => p * q, 1n)));
    }), { numRuns: 200 });
  });

  it('returns fresh values: arguments are not modified', () => {
    const s = value('{1, 2}');
    ex.wb_minus(s, value('{1}'));
    ex.wb_or(s, value('{3}'));
    expect(dump(s)).toBe('[1,2]');
    const a = value('[3, 1, 2]');
    ex.wb_sort(a);
    expect(dump(a)).toBe('[3,1,2]');
  });
});
