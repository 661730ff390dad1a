// What the relay sends upstream in one turn goes out in one write: an extended-protocol batch (Parse, Bind,
// Describe, Execute, Sync) is not one write a message. Counted at the socket's write path (net.Socket#_writeGeneric).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSchema, dropSchema, pgClient, PG, startHarness, type Harness } from './harness.ts';

let h: Harness;
let schema: string;
beforeAll(async () => {
  // The harness's CI job tokens own this schema: they may connect and read.
  schema = await createSchema();
  h = await startHarness({ ciSchema: schema });
});
afterAll(async () => {
  await h?.stop();
  if (schema) await dropSchema(schema);
});

type Generic = (this: net.Socket, writev: boolean, data: unknown, encoding: string, cb: () => void) => unknown;

describe('upstream writes', () => {
  it('one write per turn: an unnamed extended-protocol query takes at most two (Parse waits for its decision, Execute for its own)', async () => {
    const c = await pgClient(h.port, await h.token([]));
    try {
      await c.query('select $1::int + 1 as n', [41]);
      const proto = net.Socket.prototype as unknown as { _writeGeneric: Generic };
      const original = proto._writeGeneric;
      let writes = 0;
      const spy = vi.spyOn(proto, '_writeGeneric').mockImplementation(function (this: net.Socket, ...args) {
        if (this.remotePort === PG.port) writes++;
        return original.apply(this, args);
      });
      try {
        const r = await c.query('select $1::int + 1 as n, $2::text as t', [41, null]);
        expect(r.rows).toEqual([{ n: 42, t: null }]);
        // Parse (decided) | Bind, Describe, Execute (decided) and Sync: held, then written in the turns that send them.
        expect(writes).toBeGreaterThan(0);
        expect(writes).toBeLessThanOrEqual(2);
        writes = 0;
        const s = await c.query('select 1 as one');
        expect(s.rows).toEqual([{ one: 1 }]);
        expect(writes).toBe(1);
      } finally {
        spy.mockRestore();
      }
    } finally {
      await c.end();
    }
  });
});
