// Host builtins never throw on arbitrary JSON arguments: bad input is an undefined result
// (OPA's non-strict builtin errors), and every defined result serialises to JSON text.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { callHostBuiltin, hostBuiltinList, toJsonText } from '../../../opa/builtins/host/index.ts';

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string(), fc.constantFrom('', '/', '1.0.0', '10.0.0.0/8', '2006-01-02', 'a.b.c', '{.x}', '[a-z]*', '%zz', '-----BEGIN'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const interesting = fc.constantFrom(
  '', 'a', '1.0.0-rc.1', '10.0.0.0/8', '::1', '2001:db8::/126', '2006-01-02T15:04:05Z07:00', '2017-06-02T19:00:00Z',
  '1h2m', '1.5Ki', '{{.x}}', '{{range .}}{{.}}{{end}}', '[a-z]+', 'a.*', '(?i)x', '%41', 'https://u@h:1/p?q#f',
  'eyJhbGciOiJIUzI1NiJ9.e30.x', '{"alg":"HS256"}', '{"kty":"oct","k":"a2V5"}', '00000000-0000-4000-8000-000000000000',
  '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', '$1${x}', '/a/0', 'RFC3339',
);
const str = fc.oneof(interesting, fc.string(), fc.string({ unit: 'binary' }));
const num = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 2 ** 62, 1e18, 0.5));

/** An argument shaped like the declared type (so the fuzzing reaches past the type checks). */
function arbFor(t: { type: string } | undefined): fc.Arbitrary<unknown> {
  switch (t?.type) {
    case 'string': return str;
    case 'number': return num;
    case 'boolean': return fc.boolean();
    case 'array': return fc.array(fc.oneof(str, num, json), { maxLength: 5 });
    case 'object': return fc.dictionary(fc.oneof(interesting, fc.string({ maxLength: 4 })), fc.oneof(str, num, json), { maxKeys: 5 });
    default: return fc.oneof(str, num, json);
  }
}

describe('host builtins on well-typed random input', () => {
  for (const b of hostBuiltinList) {
    it(`${b.name} never throws`, () => {
      fc.assert(fc.property(fc.tuple(...b.decl.args.map((a) => arbFor(a as { type: string }))), (args) => {
        const r = callHostBuiltin(b.name, args);
        if (r !== undefined) expect(typeof toJsonText(r)).toBe('string');
      }), { numRuns: Number(process.env.HOST_FUZZ_RUNS ?? 150) });
    });
  }
});

describe('host builtins on arbitrary input', () => {
  for (const b of hostBuiltinList) {
    it(`${b.name} never throws`, () => {
      fc.assert(fc.property(fc.array(json, { minLength: b.decl.args.length, maxLength: b.decl.args.length }), (args) => {
        const r = callHostBuiltin(b.name, args);
        if (r !== undefined) expect(typeof toJsonText(r)).toBe('string');
      }), { numRuns: Number(process.env.HOST_FUZZ_RUNS ?? 150) });
    });
  }
});

describe('found by this fuzzing', () => {
  it('numbers.range_step with bounds beyond 2^53 ends (stepping could round back to the same number forever)', () => {
    expect(callHostBuiltin('numbers.range_step', [4611686018427388000, 4611686018427388000, 6])).toEqual([4611686018427388000]);
    expect(callHostBuiltin('numbers.range_step', [2 ** 60, 2 ** 60 + 4096, 1024])).toHaveLength(5);
    expect(callHostBuiltin('numbers.range_step', [10, 1, 3])).toEqual([10, 7, 4, 1]);
    expect(callHostBuiltin('numbers.range_step', [1, 10, 3])).toEqual([1, 4, 7, 10]);
  });
});
