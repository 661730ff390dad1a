// The upstream framer: server messages split at every offset come out whole and in order; bad lengths are refused.
import { describe, expect, it } from 'vitest';
import { ServerFramer } from '../../../enforcers/postgres/framer.ts';
import { errorResponse, readyForQuery, encodeDataRow, parameterStatus } from '../../../enforcers/postgres/protocol/index.ts';

const stream = Buffer.concat([
  parameterStatus('client_encoding', 'UTF8'),
  encodeDataRow(['a', null, 'x'.repeat(300)]),
  errorResponse({ severity: 'ERROR', code: '42501', message: 'no' }),
  readyForQuery('I'),
]);

describe('ServerFramer', () => {
  it('yields the same frames whatever the chunking (every split point, and byte by byte)', () => {
    const whole = new ServerFramer().push(stream).map((f) => f.bytes.toString('hex'));
    expect(whole).toHaveLength(4);
    expect(Buffer.from(whole.join(''), 'hex').equals(stream)).toBe(true);
    for (let cut = 0; cut <= stream.length; cut++) {
      const f = new ServerFramer();
      const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))].map((x) => x.bytes.toString('hex'));
      expect(got).toEqual(whole);
    }
    const f = new ServerFramer();
    const bytewise = [];
    for (let i = 0; i < stream.length; i++) bytewise.push(...f.push(stream.subarray(i, i + 1)));
    expect(bytewise.map((x) => x.bytes.toString('hex'))).toEqual(whole);
  });

  it('refuses lengths below 4 and above 1 GiB', () => {
    expect(() => new ServerFramer().push(Buffer.from([0x44, 0, 0, 0, 3]))).toThrow(/invalid length 3/);
    expect(() => new ServerFramer().push(Buffer.from([0x44, 0xff, 0xff, 0xff, 0xff]))).toThrow(/invalid length 4294967295/);
  });
});
