// The client-message parser between real clients (psql, node-postgres) and the real PostgreSQL on 127.0.0.1:5432:
// a tap parses everything the client sends, forwards it re-serialized, and answers SSLRequest itself.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Parser as ServerParser } from 'pg-protocol/dist/parser.js';
import {
  ClientParser,
  encryptionResponse,
  serializeClientMessage,
  type ClientMessage,
  type ProtocolError,
} from '../../../enforcers/postgres/protocol/index.ts';

const PG_HOST = '127.0.0.1';
const PG_PORT = 5432;
const PG_USER = 'postgres';
const PG_DB = 'test';

interface Tap {
  port: number;
  sessions: Array<{ messages: ClientMessage[]; errors: ProtocolError[] }>;
  close(): Promise<void>;
}

async function startTap(): Promise<Tap> {
  const sessions: Tap['sessions'] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const session = { messages: [] as ClientMessage[], errors: [] as ProtocolError[] };
    sessions.push(session);
    const upstream = net.connect(PG_PORT, PG_HOST);
    sockets.add(client).add(upstream);
    const parser = new ClientParser({ authAfterStartup: null });
    const serverParser = new ServerParser();
    client.on('data', (chunk) => {
      const err = parser.parse(chunk, (m) => {
        session.messages.push(m);
        if (m.name === 'sslRequest' || m.name === 'gssEncRequest') {
          // What writ's frontend does on plaintext loopback: refuse encryption, then read the startup packet.
          client.write(encryptionResponse(false));
          parser.encryptionResponded();
          return;
        }
        upstream.write(serializeClientMessage(m));
      });
      if (err) {
        session.errors.push(err);
        client.destroy();
        upstream.destroy();
      }
    });
    upstream.on('data', (chunk) => {
      // Authentication requests decide what the client's next 'p' message is.
      serverParser.parse(chunk, (msg) => {
        if (msg.name === 'authenticationCleartextPassword' || msg.name === 'authenticationMD5Password') parser.expectAuthentication('password');
        else if (msg.name === 'authenticationSASL') parser.expectAuthentication('sasl-initial');
        else if (msg.name === 'authenticationSASLContinue') parser.expectAuthentication('sasl-continue');
        else if (msg.name === 'authenticationOk') parser.expectAuthentication(null);
      });
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function psql(port: number, args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', PG_USER, '-d', PG_DB, '-v', 'ON_ERROR_STOP=1', ...args], {
      env: { ...process.env, PGSSLMODE: 'prefer', PGGSSENCMODE: 'disable', PGCONNECT_TIMEOUT: '10' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('ClientParser between real clients and the real PostgreSQL', () => {
  let tap: Tap;
  beforeAll(async () => {
    tap = await startTap();
  });
  afterAll(async () => {
    await tap.close();
  });

  it('psql: SSLRequest refused, startup, simple queries, COPY FROM STDIN, terminate', async () => {
    const script = [
      'create temp table tap_t (a int, b text);',
      'copy tap_t from stdin;',
      '1\tone',
      '2\t\\N',
      '\\.',
      "select a, coalesce(b, 'null') from tap_t order by a; select 'é' as x;",
    ].join('\n');
    const r = await psql(tap.port, ['-Atq', '-f', '-'], script + '\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['1|one', '2|null', 'é']);
    const s = tap.sessions.at(-1)!;
    expect(s.errors).toEqual([]);
    const names = s.messages.map((m) => m.name);
    expect(names[0]).toBe('sslRequest');
    expect(names[1]).toBe('startup');
    expect(s.messages[1]).toMatchObject({ protocolVersion: { major: 3, minor: 0 }, parameters: { user: PG_USER, database: PG_DB } });
    expect(names).toContain('copyData');
    expect(names).toContain('copyDone');
    expect(names.at(-1)).toBe('terminate');
    const queries = s.messages.filter((m) => m.name === 'query').map((m) => (m as { text: string }).text);
    // psql splits the script into statements itself, one Query each.
    expect(queries.some((q) => q.includes("select 'é' as x"))).toBe(true);
    expect(queries.some((q) => q.startsWith('copy tap_t from stdin'))).toBe(true);
  });

  it('node-postgres: extended protocol with parameters, NULL and a named statement', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: tap.port, user: PG_USER, database: PG_DB });
    await client.connect();
    const r1 = await client.query('select $1::int + 1 as n, $2::text as t', [41, null]);
    const r2 = await client.query({ name: 'tap_named', text: 'select $1::text as v', values: ['x'] });
    const r3 = await client.query({ name: 'tap_named', text: 'select $1::text as v', values: ['y'] });
    await client.end();
    expect(r1.rows).toEqual([{ n: 42, t: null }]);
    expect(r2.rows[0].v).toBe('x');
    expect(r3.rows[0].v).toBe('y');
    const s = tap.sessions.at(-1)!;
    expect(s.errors).toEqual([]);
    const names = s.messages.map((m) => m.name);
    expect(names.slice(0, 1)).toEqual(['startup']);
    expect(names).toEqual(expect.arrayContaining(['parse', 'bind', 'describe', 'execute', 'sync', 'terminate']));
    const binds = s.messages.filter((m) => m.name === 'bind') as Extract<ClientMessage, { name: 'bind' }>[];
    expect(binds[0]!.parameters).toEqual([Buffer.from('41'), null]);
    expect(binds.at(-1)).toMatchObject({ statement: 'tap_named', parameters: [Buffer.from('y')] });
    // The named statement is parsed once and bound twice.
    expect(s.messages.filter((m) => m.name === 'parse' && m.statement === 'tap_named')).toHaveLength(1);
  });

  it('a client sending bytes after SSLRequest is cut off before anything reaches the server', async () => {
    const sock = net.connect(tap.port, '127.0.0.1');
    await new Promise<void>((resolve) => sock.on('connect', () => resolve()));
    const ssl = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    const startup = serializeClientMessage({ name: 'startup', protocolVersion: { major: 3, minor: 0 }, parameters: { user: PG_USER } });
    const received: Buffer[] = [];
    sock.on('data', (d) => received.push(d));
    sock.write(Buffer.concat([ssl, startup]));
    await new Promise<void>((resolve) => sock.on('close', () => resolve()));
    expect(Buffer.concat(received)).toEqual(Buffer.from('N'));
    const s = tap.sessions.at(-1)!;
    expect(s.messages.map((m) => m.name)).toEqual(['sslRequest']);
    expect(s.errors.map((e) => e.code)).toEqual(['bytes_after_encryption_request']);
  });
});
