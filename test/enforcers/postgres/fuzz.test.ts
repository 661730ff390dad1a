// Property tests: arbitrary bytes never make the client parser throw or depend on chunking; arbitrary text never
// makes classify() throw, and whatever it cannot parse is "unknown".

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClientParser, ProtocolError, serializeClientMessage } from '../../../enforcers/postgres/protocol/index.ts';
import { classify } from '../../../enforcers/postgres/sql/index.ts';

const startup = serializeClientMessage({ name: 'startup', protocolVersion: { major: 3, minor: 0 }, parameters: { user: 'u' } });

function events(bytes: Uint8Array, cuts: number[]): string[] {
  const parser = new ClientParser({ authAfterStartup: null });
  const out: string[] = [];
  let prev = 0;
  for (const c of [...cuts.filter((c) => c <= bytes.length).sort((a, b) => a - b), bytes.length]) {
    const err = parser.parse(bytes.subarray(prev, c), (m) => out.push(JSON.stringify(m, (_k, v) => (v?.type === 'Buffer' ? v.data : v))));
    prev = c;
    if (err) {
      expect(err).toBeInstanceOf(ProtocolError);
      out.push(`error:${err.code}@${err.offset}`);
      return out;
    }
  }
  const end = parser.end();
  if (end) out.push(`error:${end.code}@${end.offset}`);
  return out;
}

describe('fuzz', () => {
  it('client parser: random bytes after a startup packet, any chunking, same outcome, never throws', () => {
    // Type bytes drawn mostly from valid ones so bodies get parsed, not just refused at the first byte.
    const typed = fc.tuple(fc.constantFrom(...'QPBDESHCdcfFXp'.split('').map((c) => c.charCodeAt(0))), fc.uint8Array({ maxLength: 40 }))
      .map(([code, body]) => {
        const b = Buffer.alloc(5 + body.length);
        b[0] = code;
        b.writeUInt32BE(4 + body.length, 1);
        Buffer.from(body).copy(b, 5);
        return b;
      });
    fc.assert(
      fc.property(fc.array(fc.oneof(typed, fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u))), { maxLength: 8 }), fc.array(fc.nat(400), { maxLength: 6 }), (parts, cuts) => {
        const bytes = Buffer.concat([startup, ...parts]);
        expect(events(bytes, cuts)).toEqual(events(bytes, []));
      }),
      { numRuns: 400 },
    );
  });

  it('client parser: random startup-phase bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(64), { maxLength: 4 }), (bytes, cuts) => {
        expect(events(bytes, cuts)).toEqual(events(bytes, []));
      }),
      { numRuns: 400 },
    );
  });

  it('classify: arbitrary SQL-ish text never throws; unknown iff a parse error', () => {
    const piece = fc.constantFrom(
      'select', 'drop', 'table', 'from', 't', 'x.y', ';', "'", '"', '$$', '$a$', '/*', '*/', '--', '\n', 'E', "E'\\''", 'U&',
      '(', ')', 'with', 'as', 'delete', 'do', 'execute', 'set role', 'copy', 'to program', ',', '1', 'where', ' ',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const sql = pieces.join(' ');
        const result = classify(sql);
        for (const s of result) {
          expect(typeof s.operation).toBe('string');
          expect(s.operation === 'unknown').toBe(s.parse_error !== undefined);
        }
      }),
      { numRuns: 500 },
    );
  });
});
