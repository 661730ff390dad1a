// JSON and Rego-literal parsing/printing of the runtime, through its exported functions.
import { describe, expect, it } from 'vitest';
import { loadRuntime } from './harness.ts';

const rt = loadRuntime();

describe('opa_json_parse + opa_json_dump', () => {
  const cases: Array<[string, string]> = [
    ['null', 'null'],
    ['true', 'true'],
    [' false ', 'false'],
    ['0', '0'],
    ['-0', '0'],
    ['42', '42'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['9223372036854775807', '9223372036854775807'],
    ['9223372036854775808', '9223372036854775808'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
    ['-123456789012345678901234567890', '-123456789012345678901234567890'],
    ['0.1', '0.1'],
    ['1.0', '1.0'],
    ['1e308', '1e308'],
    ['1E-7', '1E-7'],
    ['-0.0', '-0.0'],
    ['""', '""'],
    ['"a\\"b\\\\c\\/d"', '"a\\"b\\\\c/d"'],
    ['"\\b\\f\\n\\r\\t\\u0001\\u001F"', '"\\u0008\\u000c\\n\\r\\t\\u0001\\u001f"'],
    ['"\\u00e9\\u4e2d\\ud83d\\ude00"', '"é中😀"'],
    ['"é中😀"', '"é中😀"'],
    ['"\\ud800x"', '"\uFFFDx"'],
    ['"\\udc00"', '"\uFFFD"'],
    ['"\u007f"', '"\u007f"'],
    ['[]', '[]'],
    ['[1, [2, [3]], {"a": []}]', '[1,[2,[3]],{"a":[]}]'],
    ['{}', '{}'],
    ['{"b": 1, "a": 2, "c": {"z": 0, "y": 1}}', '{"a":2,"b":1,"c":{"y":1,"z":0}}'],
    ['{"a": 1, "a": 2}', '{"a":2}'],
    ['{"a": 1, "b": 0, "a": 3, "a": 4}', '{"a":4,"b":0}'],
    ['{"é": 1, "e": 2, "": 3, "E": 4}', '{"":3,"E":4,"e":2,"é":1}'],
  ];
  for (const [input, out] of cases) {
    it(`${input} -> ${out}`, () => {
      expect(rt.roundTrip(input)).toBe(out);
    });
  }

  it('keeps a large document intact (JSON.parse agrees)', () => {
    const doc: Record<string, unknown> = {};
    for (let i = 0; i < 2000; i++) doc[`k${(i * 7919) % 2000}`] = { i, s: `v${i}\n`, a: [i, i / 4, null, true] };
    const out = rt.roundTrip(JSON.stringify(doc));
    expect(out).not.toBeNull();
    expect(JSON.parse(out!)).toEqual(doc);
    const keys = Object.keys(JSON.parse(out!));
    expect(keys).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });

  it('prints floats as OPA prints number text: shortest Go %g, integral values in full', () => {
    const num = (v: number): string => rt.json(rt.x.opa_number_float(v));
    expect(num(0.1)).toBe('0.1');
    expect(num(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(num(1 / 3)).toBe('0.3333333333333333');
    expect(num(2.5)).toBe('2.5');
    expect(num(1e308)).toBe(BigInt(1e308).toString());   // integral: the double's exact value
    expect(num(1234567.5)).toBe('1.2345675e+06');
    expect(num(5e-324)).toBe('5e-324');
    expect(num(-1e-7)).toBe('-1e-07');
    expect(num(1e20)).toBe('100000000000000000000');
    expect(num(3.0)).toBe('3');
    expect(num(-0)).toBe('0');
    for (const v of [0.1, 1 / 3, 1e308, 5e-324, 123.456, 9007199254740993, 1e21, -2.2250738585072014e-308]) {
      expect(JSON.parse(num(v))).toBe(v);
    }
  });

  it('opa_number_float turns integral doubles in int64 range into INT', () => {
    const v = rt.x.opa_number_float(4096);
    const mem = new DataView(rt.memory.buffer);
    expect(mem.getUint8(v)).toBe(3); // OPA_NUMBER
    expect(mem.getUint8(v + 1)).toBe(1); // OPA_NUM_INT
    expect(rt.json(v)).toBe('4096');
  });

  it('rejects sets and non-string keys in strict JSON', () => {
    expect(rt.parse('{1, 2}')).toBe(0);
    expect(rt.parse('set()')).toBe(0);
    expect(rt.parse('{1: 2}')).toBe(0);
  });
});

describe('opa_value_parse + opa_value_dump (Rego literals)', () => {
  const cases: Array<[string, string, string]> = [
    ['{1, 2, "a", {3}}', '{1, 2, "a", {3}}', '[1,2,"a",[3]]'],
    ['{3, 1, 2, 1}', '{1, 2, 3}', '[1,2,3]'],
    ['set()', 'set()', '[]'],
    ['set( )', 'set()', '[]'],
    ['{}', '{}', '{}'],
    ['{[1]: 2, 3: 4, "x": 5, null: 0}', '{null: 0, 3: 4, "x": 5, [1]: 2}', '{"null":0,"3":4,"x":5,"[1]":2}'],
    ['{"a": {1.5, 1}}', '{"a": {1, 1.5}}', '{"a":[1,1.5]}'],
    ['{{"k": "v"}: true}', '{{"k": "v"}: true}', '{"{\\"k\\":\\"v\\"}":true}'],
    ['["a\\n", {"b": set()}]', '["a\\n", {"b": set()}]', '["a\\n",{"b":[]}]'],
  ];
  for (const [input, rego, json] of cases) {
    it(`${input}`, () => {
      const v = rt.parse(input, true);
      expect(v).not.toBe(0);
      expect(rt.rego(v)).toBe(rego);
      expect(rt.json(v)).toBe(json);
    });
  }
  it('rejects malformed Rego literals', () => {
    for (const bad of ['{1 2}', 'set(1)', 'se()', '{1: }', '{,}', '[,]', '{1,,}', '[1,,]']) expect(rt.parse(bad, true)).toBe(0);
  });

  it('accepts a trailing comma in Rego literals (as Rego does), never in JSON', () => {
    for (const ok of ['{1,}', '[1, 2,]', '{"a": 1,}']) expect(rt.parse(ok, true)).not.toBe(0);
    for (const bad of ['[1,]', '{"a": 1,}']) expect(rt.parse(bad)).toBe(0);
  });
});

describe('malformed JSON returns 0', () => {
  const bad = [
    '', ' ', 'nul', 'True', '[1,]', '[1 2]', '{"a" 1}', '{"a":1,}', '{a:1}', "{'a':1}", '01', '1.', '.5', '-', '+1',
    '1e', '1e+', '0x10', 'NaN', 'Infinity', '"abc', '"\\x"', '"\\u12"', '"\\u12G4"', '"a\nb"', '"\t"', '[', ']', '{',
    '}', '1 2', '[]]', '{"a":1}}', 'null x', '"\\', '"\\"',
  ];
  for (const s of bad) {
    it(JSON.stringify(s), () => {
      expect(rt.parse(s)).toBe(0);
    });
  }
  it('rejects invalid UTF-8 (RFC 8259 requires UTF-8)', () => {
    for (const b of [[0x22, 0xff, 0x22], [0x22, 0xc0, 0x80, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x22, 0xe2, 0x82, 0x22]]) {
      expect(rt.parse(Uint8Array.from(b))).toBe(0);
    }
  });
  it('rejects nesting deeper than the parser limit without trapping', () => {
    expect(rt.parse('['.repeat(100000) + ']'.repeat(100000))).toBe(0);
    expect(rt.roundTrip('['.repeat(500) + ']'.repeat(500))).toBe('['.repeat(500) + ']'.repeat(500));
  });
});
