// Random and half-valid client byte streams against a running enforcer: none may crash it, reach upstream before
// authentication, or stop it serving the next client.
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeClientMessage as ser } from '../../../enforcers/postgres/protocol/index.ts';
import { psql, startHarness, type Harness } from './harness.ts';

let h: Harness;
let token: string;

beforeAll(async () => {
  h = await startHarness();
  token = await h.token(['db-writers']);
});
afterAll(() => h?.stop());

/** Sends chunks on a fresh connection; resolves when the enforcer closes it or after a short while. */
function blast(chunks: Uint8Array[]): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(h.port, '127.0.0.1');
    const timer = setTimeout(() => s.destroy(), 300);
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.on('data', () => undefined);
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
    });
  });
}

const startup = ser({ name: 'startup', protocolVersion: { major: 3, minor: 0 }, parameters: { user: 'ci', database: 'test' } });
const typed = fc
  .tuple(fc.constantFrom(...'QPBDESHCdcfFXp!Z'.split('')), fc.uint8Array({ maxLength: 40 }), fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }))
  .map(([code, body, len]) => {
    const b = Buffer.alloc(5 + body.length);
    b[0] = code.charCodeAt(0);
    b.writeUInt32BE(len ?? body.length + 4, 1);
    Buffer.from(body).copy(b, 5);
    return b;
  });

describe('enforcer under random client input', () => {
  it('random bytes before and during startup', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 4 }), fc.boolean(), async (chunks, withStartup) => {
        await blast(withStartup ? [startup, ...chunks] : chunks);
      }),
      { numRuns: 40 },
    );
    expect((await psql(h.port, token, 'select 1 as one')).code).toBe(0);
  }, 40_000);

  it('half-valid typed messages after authentication', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(typed, { minLength: 1, maxLength: 6 }), async (msgs) => {
        await blast([startup, ser({ name: 'password', password: token }), ...msgs]);
      }),
      { numRuns: 40 },
    );
    const r = await psql(h.port, token, 'select 2 as two');
    expect(r.stdout).toContain('2');
    // Every session ended: no socket (client or upstream) is left behind.
    for (let i = 0; i < 100 && h.enforcer.activeSessions > 0; i++) await new Promise((res) => setTimeout(res, 20));
    expect(h.enforcer.activeSessions).toBe(0);
    expect(h.enforcer.finished.filter((f) => f.internal)).toEqual([]);
  }, 40_000);
});
