// Big numbers end to end: Rego compiled by writ, loaded by the SDK, evaluated. Integers and decimals
// beyond 64 bits are exact (as OPA's big.Int / exact decimals); results are read through
// json.marshal (the module's own JSON text) because the SDK's JSON.parse would round them.
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostics, loadCompiledSync } from '../../../opa/index.ts';

const TWO64 = 2n ** 64n;
const P = (v: bigint): string => v.toString();

/** Each rule `r_name := expr` becomes an entrypoint returning json.marshal(expr) (the prefix keeps
 * rule names from shadowing builtins such as mul or div). */
function run(rules: Record<string, string>, input?: string): Record<string, string> {
  const names = Object.keys(rules);
  const text = `package t\n${names.map((n) => `r_${n} := json.marshal(${rules[n]})`).join('\n')}\n`;
  const r = compile([{ file: 't.rego', text }], { entrypoints: names.map((n) => `t/r_${n}`) });
  if (!r.ok || !r.wasm) throw new Error(formatDiagnostics(r));
  const policy = loadCompiledSync(r.wasm);
  const out: Record<string, string> = {};
  for (const n of names) {
    const arg = input === undefined ? null : new TextEncoder().encode(input).buffer;
    const rows = policy.evaluate(arg, `t/r_${n}`) as Array<{ result: string }>;
    out[n] = rows.length ? rows[0].result : '<undefined>';
  }
  return out;
}

describe('big integers', () => {
  it('2^64 + 1 through plus, minus, mul, div, rem, abs', () => {
    const a = '18446744073709551617';
    expect(run({
      add: `${a} + 1`,
      sub: `${a} - 2`,
      mul: `${a} * ${a}`,
      neg: `0 - ${a}`,
      div: `36893488147419103234 / 2`,
      rem: `${a} % 18446744073709551616`,
      abs: `abs(-${a})`,
      overflow: '9223372036854775807 + 1',
      min_overflow: '-9223372036854775808 - 1',
      mul64: '9223372036854775807 * -9223372036854775808',
    })).toEqual({
      add: P(TWO64 + 2n),
      sub: P(TWO64 - 1n),
      mul: P((TWO64 + 1n) ** 2n),
      neg: P(-(TWO64 + 1n)),
      div: P(TWO64 + 1n),
      rem: '1',
      abs: P(TWO64 + 1n),
      overflow: '9223372036854775808',
      min_overflow: '-9223372036854775809',
      mul64: P((2n ** 63n - 1n) * -(2n ** 63n)),
    });
  });

  it('10^40 * 10^40, (2^100) % 7, powers of two by shifts', () => {
    const e40 = '1' + '0'.repeat(40);
    expect(run({
      sq: `${e40} * ${e40}`,
      rem: `${P(2n ** 100n)} % 7`,
      rem_shift: 'bits.lsh(1, 100) % 7',
      lsh: 'bits.lsh(3, 200)',
      rsh: `bits.rsh(-${P(2n ** 200n + 1n)}, 200)`,
      and: `bits.and(${P(2n ** 130n + 5n)}, -${P(2n ** 129n)})`,
      div_big: `${P(10n ** 60n)} / ${P(10n ** 20n)}`,
      quo: `${P(10n ** 30n + 5n)} / 10`,
    })).toEqual({
      sq: '1' + '0'.repeat(80),
      rem: '2',
      rem_shift: '2',
      lsh: P(3n << 200n),
      rsh: '-2',
      and: P((2n ** 130n + 5n) & -(2n ** 129n)),
      div_big: P(10n ** 40n),
      quo: '1.000000000000000000000000000005e+29',
    });
  });

  it('format_int, numbers.range and to_number beyond 64 bits', () => {
    expect(run({
      hex: 'format_int(18446744073709551617, 16)',
      bin: `format_int(-${P(2n ** 70n)}, 2)`,
      dec: 'format_int(123456789012345678901234567890.9, 10)',
      range: 'numbers.range(18446744073709551615, 18446744073709551617)',
      down: 'numbers.range(-9223372036854775807, -9223372036854775810)',
      to_number: 'to_number("123456789012345678901234567890") + 1',
    })).toEqual({
      hex: '"10000000000000001"',
      bin: `"-1${'0'.repeat(70)}"`,
      dec: '"123456789012345678901234567890"',
      range: '[18446744073709551615,18446744073709551616,18446744073709551617]',
      down: '[-9223372036854775807,-9223372036854775808,-9223372036854775809,-9223372036854775810]',
      to_number: '123456789012345678901234567891',
    });
  });
});

describe('decimals', () => {
  it('0.1 + 0.2 == 0.3 and exact decimal arithmetic', () => {
    expect(run({
      eq: '0.1 + 0.2 == 0.3',
      sum: '0.1 + 0.2',
      mul: '1.1 * 1.1',
      big: '123456789012345678901234567890.25 * 4',
      frac: '0.000000000000000000001 + 1',
      div: '1 / 8',
      div_big: `${P(10n ** 30n)} / 7`,
      div_tiny: '-2 / 3e400',
      div_double: '1 / 3',
      round: 'round(-123456789012345678901234567890.5)',
      floor: 'floor(-0.5)',
      ceil: 'ceil(18446744073709551616.000001)',
    })).toEqual({
      eq: 'true',
      sum: '0.3',
      mul: '1.21',
      big: '493827156049382715604938271561',
      frac: '1.000000000000000000001',
      div: '0.125',
      div_big: '142857142857142857140000000000',   // 20 significant digits, as OPA's 64-bit big.Float
      div_tiny: '-6.6666666666666666667e-401',
      div_double: '0.3333333333333333',
      round: '-123456789012345678901234567891',
      floor: '-1',
      ceil: '18446744073709551617',
    });
  });

  it('prints results as OPA: integers in full, other values as Go\'s shortest %g', () => {
    expect(run({
      e6: '1234567.25 + 0.25',
      small: '0.00001 * 1',
      plain_small: '0.0001 * 1',
      plain: '123456.5 + 0',
      int: '1.5e6 * 1',
      neg: '-0.5 * 0.00000002',
      literal: '[1.50, 1e-7, 1E3]',
    })).toEqual({
      e6: '1.2345675e+06',
      small: '1e-05',
      plain_small: '0.0001',
      plain: '123456.5',
      int: '1500000',
      neg: '-1e-08',
      literal: '[1.50,1e-7,1E3]',   // literals keep their text, as OPA's json.Number
    });
  });

  it('1e400 is a number: kept as written, compared and computed exactly', () => {
    expect(run({
      lit: '1e400',
      gt: '1e400 > 1.7976931348623157e308',
      eq: '1e400 == 10e399',
      ne: '1e400 != 1e401',
      neg: '-1e400 < -18446744073709551617',
      times: '1e400 * 1',
      plus: '1e400 + 1',
      div: '1e400 / 1e399',
    })).toEqual({
      lit: '1e400',
      gt: 'true',
      eq: 'true',
      ne: 'true',
      neg: 'true',
      times: '1' + '0'.repeat(400),
      plus: '1' + '0'.repeat(399) + '1',
      div: '10',
    });
  });
});

describe('comparison, equality and hashing across representations', () => {
  it('compares and deduplicates exactly', () => {
    expect(run({
      a: '18446744073709551617 > 18446744073709551616',
      b: '18446744073709551616 == 18446744073709551616.0',
      c: '9007199254740993 > 9007199254740992.0',
      d: '28857836529306024611913 != 28857836529306024611912',
      e: '9223372036854775807 == 9223372036854775807.0',
      set: 'count({18446744073709551616, 18446744073709551616.0, 1.8446744073709551616e19, 18446744073709551617})',
      key: '{18446744073709551616: "x"}[18446744073709551616.0]',
      max: 'max([18446744073709551617, 18446744073709551616, 1.8e19])',
    })).toEqual({ a: 'true', b: 'true', c: 'true', d: 'true', e: 'true', set: '2', key: '"x"', max: '18446744073709551617' });
  });

  it('sum, product and sort of mixed big and small values', () => {
    expect(run({
      sum: 'sum([18446744073709551617, 1, 0.5])',
      sum_set: 'sum({9223372036854775807, 1, 2})',
      product: 'product([18446744073709551617, 18446744073709551617, -1])',
      sort: 'sort([18446744073709551617, 1, -1e400, 0.5, 18446744073709551616, 1e400, -18446744073709551617, 9223372036854775807])',
    })).toEqual({
      sum: '1.84467440737095516185e+19',
      sum_set: '9223372036854775810',
      product: P(-((TWO64 + 1n) ** 2n)),
      sort: '[-1e400,-18446744073709551617,0.5,1,9223372036854775807,18446744073709551616,18446744073709551617,1e400]',
    });
  });
});

describe('JSON input through the SDK', () => {
  it('keeps big integers and long decimals exact', () => {
    const input = '{"a": 18446744073709551617, "b": 123456789012345678901234567890.25, "c": [1e400, 99999999999999999999]}';
    expect(run({
      echo: 'input',
      inc: 'input.a + 1',
      sq: 'input.a * input.a',
      dec: 'input.b * 4',
      eq: 'input.a == 18446744073709551617',
      lt: 'input.c[1] < input.c[0]',
      hex: 'format_int(input.c[1], 16)',
    }, input)).toEqual({
      echo: '{"a":18446744073709551617,"b":123456789012345678901234567890.25,"c":[1e400,99999999999999999999]}',
      inc: P(TWO64 + 2n),
      sq: P((TWO64 + 1n) ** 2n),
      dec: '493827156049382715604938271561',
      eq: 'true',
      lt: 'true',
      hex: '"56bc75e2d630fffff"',
    });
  });
});

describe('very long numbers', () => {
  it('compares and adds 30,000-digit inputs exactly; multiplication beyond 20,000 digits is undefined', () => {
    const a = '8'.repeat(30_000), b = '8'.repeat(29_999) + '9';
    const out = run({
      ne: 'input.a != input.b',
      lt: 'input.a < input.b',
      inc: 'input.a + 1',
      mul: 'input.a * input.b',
      and: 'bits.and(input.c, -1) == input.c',
    }, `{"a": ${a}, "b": ${b}, "c": ${'7'.repeat(20_000)}}`);
    expect(out).toEqual({ ne: 'true', lt: 'true', inc: '8'.repeat(29_999) + '9', mul: '<undefined>', and: 'true' });
  });
});

describe('literal limits', () => {
  it('accepts 10,000-digit integers and refuses longer ones at compile time', () => {
    const big = '9'.repeat(10_000);
    expect(run({ r: `${big} % 1000` })).toEqual({ r: '999' });
    const r = compile([{ file: 't.rego', text: `package t\np := ${big}9` }], { entrypoints: ['t/p'] });
    expect(r.ok).toBe(false);
    expect(formatDiagnostics(r)).toContain('integer literal too long (10001 digits; writ allows at most 10000)');
  });
});

describe('agrees with BigInt on random operands', () => {
  it('plus, minus, mul, rem, div, comparison and format_int', () => {
    const text = `package t
r := json.marshal([a + b, a - b, a * b, a % b, a < b, a == b, format_int(a, 16), (a * b) / b]) if {
  a := input.a
  b := input.b
}`;
    const c = compile([{ file: 't.rego', text }], { entrypoints: ['t/r'] });
    if (!c.ok || !c.wasm) throw new Error(formatDiagnostics(c));
    const policy = loadCompiledSync(c.wasm);
    let seed = 12345;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const big = (): bigint => {
      let s = String(1 + rnd(9));
      const len = rnd(4) === 0 ? rnd(18) : rnd(90);
      for (let i = 0; i < len; i++) s += String(rnd(10));
      return rnd(2) ? -BigInt(s) : BigInt(s);
    };
    for (let i = 0; i < 300; i++) {
      const a = big(), b = big();
      const rows = policy.evaluate(new TextEncoder().encode(`{"a": ${a}, "b": ${b}}`).buffer, 't/r') as Array<{ result: string }>;
      const hex = (a < 0n ? '-' : '') + (a < 0n ? -a : a).toString(16);
      const want = `[${a + b},${a - b},${a * b},${a % b},${a < b},${a === b},"${hex}",${a}]`;
      expect(rows[0]?.result, `a=${a} b=${b}`).toBe(want);
    }
  });
});
