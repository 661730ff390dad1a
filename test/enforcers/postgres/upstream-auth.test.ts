// writ's own upstream credential: SCRAM-SHA-256 (RFC 7677 vector, then a real server), md5 and trust against a
// private PostgreSQL cluster started for this file with those methods in its pg_hba.conf; the client never sees them.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScramClient, ScramError } from '../../../enforcers/postgres/index.ts';
import { connectUpstream, UpstreamError } from '../../../enforcers/postgres/upstream.ts';
import { psql, startHarness, type Harness } from './harness.ts';

const BIN = '/usr/lib/postgresql/15/bin';
let dir: string;
let port: number;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

const asPostgres = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { stdio: 'pipe' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'writ-pgauth-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  asPostgres('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth-local=trust', '--auth-host=reject']);
  writeFileSync(
    join(dir, 'data', 'pg_hba.conf'),
    ['local all all trust', 'host all scram_user 127.0.0.1/32 scram-sha-256', 'host all md5_user 127.0.0.1/32 md5', 'host all trust_user 127.0.0.1/32 trust', ''].join('\n'),
  );
  appendFileSync(join(dir, 'data', 'postgresql.conf'), '\nfsync = off\nshared_buffers = 16MB\n');
  port = await freePort();
  asPostgres('pg_ctl', ['-D', join(dir, 'data'), '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
  const sql = (q: string) => execFileSync('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-v', 'ON_ERROR_STOP=1', '-c', q], { stdio: 'pipe' });
  sql("set password_encryption = 'scram-sha-256'; create role scram_user login password 'scram-secret-1'");
  sql("set password_encryption = 'md5'; create role md5_user login password 'md5-secret-2'");
  sql('create role trust_user login');
}, 50_000);
afterAll(() => {
  if (port) spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

describe('SCRAM-SHA-256 client', () => {
  it('reproduces the RFC 7677 example exchange', () => {
    const c = new ScramClient('pencil', 'rOprNGfwEbeRWgbNEkqO', 'user');
    expect(c.first()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    expect(c.final(serverFirst)).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(() => c.verify('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).not.toThrow();
    expect(() => c.verify('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')).toThrow(ScramError);
  });

  it('refuses a server nonce that does not extend its own', () => {
    const c = new ScramClient('pencil', 'abc');
    c.first();
    expect(() => c.final('r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')).toThrow(/does not extend/);
  });
});

describe('upstream authentication against a real server', () => {
  const cfg = (user: string, password?: string) => ({ host: '127.0.0.1', port, user, database: 'postgres', password });

  for (const [user, password] of [
    ['scram_user', 'scram-secret-1'],
    ['md5_user', 'md5-secret-2'],
    ['trust_user', undefined],
  ] as const) {
    it(`${user}: authenticates, reads parameters and the backend key`, async () => {
      const up = await connectUpstream(cfg(user, password), { client_encoding: 'UTF8' });
      try {
        expect(up.backendKey.processId).toBeGreaterThan(0);
        expect(up.parameterStatus.map((b) => b.toString('latin1'))).toContainEqual(expect.stringContaining('server_version'));
        expect(String.fromCharCode(up.ready[5]!)).toBe('I');
      } finally {
        up.socket.destroy();
      }
    });
  }

  it('a wrong password is an UpstreamError with the server message; no password at all names the missing credential', async () => {
    await expect(connectUpstream(cfg('scram_user', 'wrong'), {})).rejects.toMatchObject({ sqlstate: '28P01', message: expect.stringContaining('password authentication failed') });
    await expect(connectUpstream(cfg('md5_user', 'wrong'), {})).rejects.toBeInstanceOf(UpstreamError);
    await expect(connectUpstream(cfg('scram_user'), {})).rejects.toMatchObject({ message: expect.stringContaining('writ has no password for user "scram_user"') });
  });

  describe('through the enforcer', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ config: { upstream: { ...cfg('scram_user', 'scram-secret-1') } } });
    });
    afterAll(() => h?.stop());

    it('psql connects with its token; the statement runs as writ\'s SCRAM user; the credential never reaches the client', async () => {
      const r = await psql(h.port, await h.token(['db-readers']), 'select current_user as who', [], {});
      // psql -d test: this enforcer serves database "postgres", so the client must name it.
      expect(r.stderr).toMatch(/serves database "postgres" only/);
      const ok = await psql(h.port, await h.token(['db-readers']), 'select current_user as who', ['-d', 'postgres']);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toContain('scram_user');
      expect(ok.stdout).not.toContain('scram-secret-1');
    });

    it('a database refusing writ\'s credential: the client learns that, not the user name or the server\'s words', async () => {
      const bad = await startHarness({ config: { upstream: { ...cfg('scram_user', 'wrong-password') } } });
      try {
        const r = await psql(bad.port, await bad.token(['db-readers']), 'select 1', ['-d', 'postgres']);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/FATAL:\s+writ: cannot open the database connection: the database refused writ's credential \(SQLSTATE 28P01\)/);
        expect(r.stderr).not.toContain('scram_user');
      } finally {
        await bad.stop();
      }
    });
  });
});
