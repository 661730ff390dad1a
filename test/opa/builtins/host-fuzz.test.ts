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
