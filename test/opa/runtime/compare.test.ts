// Rego's total order (opa_value_compare), equality-consistent hashing, and value accessors.
import { describe, expect, it } from 'vitest';
import { loadRuntime } from './harness.ts';

const rt = loadRuntime();

// Ascending order; values in one inner list are equal to each other.
const table: string[][] = [
  ['null'],
  ['false'],
  ['true'],
  ['-1e400'],
  ['-123456789012345678901234567890'],
  ['-9223372036854775809'],
  ['-9223372036854775808', '-9223372036854775808.0', '-9.223372036854775808e18'],
  ['-1.5'],
  ['-1', '-1.0', '-1e0'],
  ['-0.5'],
  ['0', '-0', '0.0', '-0.0', '0e5'],
  ['0.1'],
  ['1', '1.0', '1e0', '10e-1'],
  ['2'],
  ['9007199254740992', '9007199254740992.0'],
  ['9007199254740993'],
  ['9223372036854775807'],
  ['9223372036854775808', '9223372036854775808.0'],
  ['123456789012345678901234567889'],
  ['123456789012345678901234567890'],
  ['1e400'],
  ['""'],
  ['"A"'],
  ['"Z"'],
  ['"a"'],
  ['"ab"'],
  ['"b"'],
  ['"é"'],
  ['"中"'],
  ['[]'],
  ['[null]'],
  ['[1]', '[1.0]'],
  ['[1,2]'],
  ['[1,"a"]'],
  ['[2]'],
  ['["a"]'],
  ['{}'],
  ['{"a":1}', '{"a":1.0}'],
  ['{"a":1,"b":1}'],
  ['{"a":2}'],
  ['{"b":0}'],
  ['{"b":0,"c":0}'],
  ['set()'],
  ['{null}'],
  ['{1}', '{1.0, 1}'],
  ['{1, 2}', '{2, 1}'],
  ['{2}'],
  ['{"a"}'],
];

describe('opa_value_compare', () => {
  const groups = table.map((g) =>
    g.map((text) => {
      const v = rt.parse(text, true);
      if (v === 0) throw new Error(`parse failed: ${text}`);
      return { text, v };
    }),
  );
  it('orders the table (every pair, both directions)', () => {
    const bad: string[] = [];
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        for (const a of groups[i]) {
          for (const b of groups[j]) {
            const c = Math.sign(rt.x.opa_value_compare(a.v, b.v));
            if (c !== Math.sign(i - j)) bad.push(`${a.text} vs ${b.text}: ${c}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });
  it('hashes equal values alike', () => {
    for (const g of groups) {
      const hashes = new Set(g.map(({ v }) => rt.x.opa_value_hash(v) >>> 0));
      expect(hashes.size, g.map((e) => e.text).join(' ')).toBe(1);
    }
  });
  it('opa_value_equal agrees with compare', () => {
    expect(rt.x.opa_value_equal(rt.parse('1'), rt.parse('1.0'))).toBe(1);
    expect(rt.x.opa_value_equal(rt.parse('[1]'), rt.parse('[2]'))).toBe(0);
  });
});

describe('accessors', () => {
  it('opa_value_get on arrays, objects and sets', () => {
    const arr = rt.parse('[10, 20, 30]');
    expect(rt.json(rt.x.opa_value_get(arr, rt.parse('1')))).toBe('20');
    expect(rt.json(rt.x.opa_value_get(arr, rt.parse('2.0')))).toBe('30');
    expect(rt.x.opa_value_get(arr, rt.parse('1.5'))).toBe(0);
    expect(rt.x.opa_value_get(arr, rt.parse('3'))).toBe(0);
    expect(rt.x.opa_value_get(arr, rt.parse('-1'))).toBe(0);
    expect(rt.x.opa_value_get(arr, rt.parse('"1"'))).toBe(0);
    const obj = rt.parse('{"b": 2, "a": 1, "c": 3}');
    expect(rt.json(rt.x.opa_value_get(obj, rt.parse('"c"')))).toBe('3');
    expect(rt.x.opa_value_get(obj, rt.parse('"d"'))).toBe(0);
    const nk = rt.parse('{1: "one", [1]: "arr"}', true);
    expect(rt.json(rt.x.opa_value_get(nk, rt.parse('1.0')))).toBe('"one"');
    const set = rt.parse('{1, "x", [2]}', true);
    expect(rt.json(rt.x.opa_value_get(set, rt.parse('[2]')))).toBe('[2]');
    expect(rt.x.opa_value_get(set, rt.parse('2'))).toBe(0);
    expect(rt.x.opa_value_get(rt.parse('"str"'), rt.parse('0'))).toBe(0);
  });
  it('opa_value_length counts code points for strings', () => {
    expect(rt.x.opa_value_length(rt.parse('"héllo😀"'))).toBe(6);
    expect(rt.x.opa_value_length(rt.parse('[1,2,3]'))).toBe(3);
    expect(rt.x.opa_value_length(rt.parse('{"a":1,"a":2}'))).toBe(1);
    expect(rt.x.opa_value_length(rt.parse('{1,1,2}', true))).toBe(2);
    expect(rt.x.opa_value_length(rt.parse('7'))).toBe(0);
  });
  it('key_at / val_at iterate in sorted order', () => {
    const obj = rt.parse('{"b": 2, "a": 1}');
    expect([0, 1].map((i) => rt.json(rt.x.opa_value_key_at(obj, i)))).toEqual(['"a"', '"b"']);
    expect([0, 1].map((i) => rt.json(rt.x.opa_value_val_at(obj, i)))).toEqual(['1', '2']);
    expect(rt.x.opa_value_key_at(obj, 2)).toBe(0);
    const arr = rt.parse('["x", "y"]');
    expect(rt.json(rt.x.opa_value_key_at(arr, 1))).toBe('1');
    expect(rt.json(rt.x.opa_value_val_at(arr, 1))).toBe('"y"');
    const set = rt.parse('{3, 1}', true);
    expect(rt.json(rt.x.opa_value_key_at(set, 0))).toBe('1');
    expect(rt.json(rt.x.opa_value_val_at(set, 1))).toBe('3');
  });
  it('builds sorted objects and sets with insert/add', () => {
    const o = rt.x.opa_object();
    for (const k of ['"z"', '1', '"a"', '[1]', '"m"', '"a"']) rt.x.opa_object_insert(o, rt.parse(k), rt.parse(k));
    expect(rt.rego(o)).toBe('{1: 1, "a": "a", "m": "m", "z": "z", [1]: [1]}');
    const s = rt.x.opa_set();
    for (const k of ['3', '1', '2', '1.0', '"x"']) rt.x.opa_set_add(s, rt.parse(k));
    expect(rt.rego(s)).toBe('{1, 2, 3, "x"}');
    const a = rt.x.opa_array();
    for (let i = 0; i < 100; i++) rt.x.opa_array_append(a, rt.x.opa_number_int(BigInt(i) as unknown as number));
    expect(JSON.parse(rt.json(a))).toEqual([...Array(100).keys()]);
  });
  it('opa_object_remove', () => {
    const o = rt.parse('{"a": 1, "b": 2, "c": 3}');
    rt.x.opa_object_remove(o, rt.parse('"b"'));
    rt.x.opa_object_remove(o, rt.parse('"q"'));
    expect(rt.json(o)).toBe('{"a":1,"c":3}');
  });
});
