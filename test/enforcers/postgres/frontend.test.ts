// The enforcer's frontend against hostile and unusual clients: malformed packets close only that connection and
// reach nothing upstream; TLS with a configured certificate; GSSENCRequest refused; cancel requests mapped upstream.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeClientMessage } from '../../../enforcers/postgres/protocol/index.ts';
import { PG, pgClient, psql, startHarness, type Harness } from './harness.ts';

/** A TCP relay in front of PostgreSQL that counts the connections writ opens upstream. */
async function countingUpstream(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let n = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((s) => {
    n++;
    const up = net.connect(PG.port, PG.host);
    socks.add(s).add(up);
    s.pipe(up).pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => n,
    close: () =>
      new Promise((r) => {
        for (const s of socks) s.destroy();
        server.close(() => r());
      }),
  };
}

let h: Harness;
let up: Awaited<ReturnType<typeof countingUpstream>>;
let certDir: string;

beforeAll(async () => {
  up = await countingUpstream();
  certDir = mkdtempSync(join(tmpdir(), 'writ-pg-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  const ctx = tls.createSecureContext({ cert: readFileSync(join(certDir, 'cert.pem')), key: readFileSync(join(certDir, 'key.pem')) });
  h = await startHarness({ tls: ctx, config: { upstream: { host: '127.0.0.1', port: up.port, user: PG.user, database: PG.database } } });
});
afterAll(async () => {
  await h?.stop();
  await up?.close();
  rmSync(certDir, { recursive: true, force: true });
});

/** Sends bytes on a fresh connection; resolves with everything the enforcer answered once it closes the connection. */
function exchange(chunks: Buffer[], gapMs = 20): Promise<{ answer: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(h.port, '127.0.0.1');
    const got: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ answer: Buffer.concat(got), closed: false });
    }, 3000);
    s.on('data', (d) => got.push(d));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ answer: Buffer.concat(got), closed: true });
    });
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
        await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

const startup = serializeClientMessage({ name: 'startup', protocolVersion: { major: 3, minor: 0 }, parameters: { user: 'ci', database: 'test' } });
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const fatalText = (b: Buffer) => (b.includes(Buffer.from('FATAL')) ? b.toString('latin1').replace(/[^\x20-\x7e]+/g, '|') : '');

describe('malformed client input closes that connection, reaches nothing upstream, and the enforcer keeps serving', () => {
  const cases: Array<[string, () => Promise<Buffer[]>, RegExp]> = [
    ['startup length below 8', async () => [u32(3)], /invalid length of startup packet: 3/],
    ['a 4 GiB startup length', async () => [u32(0xffffffff)], /invalid length of startup packet: 4294967295/],
    ['a startup packet over 10,000 bytes', async () => [Buffer.concat([u32(10_009), u32(0x00030000), Buffer.alloc(100, 0x61)])], /invalid length of startup packet: 10009/],
    ['a password message with length below 4', async () => [startup, Buffer.from([0x70, 0, 0, 0, 2])], /invalid message length 2/],
    ['a 4 GiB password message', async () => [startup, Buffer.concat([Buffer.from('p'), u32(0xffffffff)])], /exceeds the limit/],
    ['an unknown message type during authentication', async () => [startup, Buffer.from([0x21, 0, 0, 0, 4])], /invalid frontend message type/],
    ['bytes after SSLRequest before the answer', async () => [Buffer.concat([serializeClientMessage({ name: 'sslRequest' }), startup])], /unencrypted data after SSL/],
  ];
  for (const [label, bytes, message] of cases) {
    it(label, async () => {
      const before = up.connections();
      const r = await exchange(await bytes());
      expect(r.closed).toBe(true);
      expect(fatalText(r.answer)).toMatch(message);
      expect(up.connections()).toBe(before);
    });
  }

  it('a 4 GiB Query after authentication ends that session only; others go on', async () => {
    const token = await h.token(['db-readers']);
    const other = await pgClient(h.port, token);
    const r = await exchange([startup, serializeClientMessage({ name: 'password', password: token }), Buffer.concat([Buffer.from('Q'), u32(0xffffffff)])], 150);
    expect(r.closed).toBe(true);
    expect(r.answer[0]).toBe(0x52); // AuthenticationCleartextPassword came first
    expect(fatalText(r.answer)).toMatch(/message length 4294967295 exceeds the limit/);
    expect((await other.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await other.end();
    const p = await psql(h.port, token, 'select 41 + 1 as answer');
    expect(p.stdout).toContain('42');
  });
});

describe('encryption', () => {
  it('GSSENCRequest is answered N and the client goes on', async () => {
    const s = net.connect(h.port, '127.0.0.1');
    const first = await new Promise<Buffer>((resolve) => {
      s.once('data', resolve);
      s.write(serializeClientMessage({ name: 'gssEncRequest' }));
    });
    expect(first.toString()).toBe('N');
    const next = await new Promise<Buffer>((resolve) => {
      s.once('data', resolve);
      s.write(startup);
    });
    expect(next[0]).toBe(0x52); // 'R': asks for the password (the token)
    expect(next.readInt32BE(5)).toBe(3); // cleartext
    s.destroy();
  });

  it('a client that answers S with something other than a TLS handshake is closed; no internal error', async () => {
    const s = net.connect(h.port, '127.0.0.1');
    s.on('error', () => undefined);
    const first = await new Promise<Buffer>((resolve) => {
      s.once('data', resolve);
      s.write(serializeClientMessage({ name: 'sslRequest' }));
    });
    expect(first.toString()).toBe('S');
    const closed = new Promise((r) => s.on('close', r));
    s.write(startup); // plaintext where a ClientHello belongs
    await closed;
    for (let i = 0; i < 50 && h.enforcer.activeSessions > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(h.enforcer.finished.filter((f) => f.internal)).toEqual([]);
  });

  it('psql with sslmode=require speaks TLS with the configured certificate', async () => {
    const token = await h.token(['db-readers']);
    const r = await psql(h.port, token, 'select 7 * 6 as answer', [], { PGSSLMODE: 'verify-full', PGSSLROOTCERT: join(certDir, 'cert.pem') });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('42');
  });

  it('psql without TLS on loopback is accepted; from another address it must use TLS', async () => {
    const r = await psql(h.port, await h.token(['db-readers']), 'select 1 as one');
    expect(r.code).toBe(0);
    // The machine's own non-loopback address: the connection's source is that address, not 127.0.0.1.
    const ext = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)!;
    expect(ext, 'a non-loopback IPv4 interface').toBeDefined();
    const h2 = await startHarness({ host: ext.address, tls: tls.createSecureContext({ cert: readFileSync(join(certDir, 'cert.pem')), key: readFileSync(join(certDir, 'key.pem')) }) });
    try {
      const t = await h2.token(['db-readers']);
      const plain = await psql(h2.port, t, 'select 1 as one', [], {}, ext.address);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toMatch(new RegExp(`FATAL:\\s+writ: connections from ${ext.address.replace(/\./g, '\\.')} must use TLS \\(sslmode=require\\)`));
      const secure = await psql(h2.port, t, 'select 1 as one', [], { PGSSLMODE: 'require' }, ext.address);
      expect(secure.stderr).toBe('');
      expect(secure.code).toBe(0);
    } finally {
      await h2.stop();
    }
  });

  it('PGOPTIONS (server settings in the startup packet) is refused', async () => {
    const r = await psql(h.port, await h.token(['db-readers']), 'select 1', [], { PGOPTIONS: '-c role=postgres' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FATAL:\s+writ: the "options" startup parameter \(PGOPTIONS\) is not accepted/);
  });
});

describe('cancel requests', () => {
  it('a client-facing backend key cancels the right upstream backend; a wrong key cancels nothing', async () => {
    const c = await pgClient(h.port, await h.token(['db-readers']));
    try {
      const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
      const cancel = (pid: number, key: number) =>
        new Promise<void>((resolve) => {
          const s = net.connect(h.port, '127.0.0.1', () => s.end(serializeClientMessage({ name: 'cancelRequest', processId: pid, secretKey: u32(key >>> 0) })));
          s.on('close', () => resolve());
          s.on('error', () => resolve());
        });
      const upstreamPid = (await c.query('select pg_backend_pid() as pid')).rows[0].pid as number;
      expect(upstreamPid).not.toBe(processID); // the client never sees the upstream key
      const t0 = Date.now();
      const q = c.query('select pg_sleep(5)');
      await new Promise((r) => setTimeout(r, 300));
      await cancel(processID, (secretKey + 1) | 0);
      await new Promise((r) => setTimeout(r, 300));
      await cancel(processID, secretKey);
      await expect(q).rejects.toMatchObject({ code: '57014' });
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
      expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await c.end();
    }
  });
});
