// Client-message parser: round trips, every split of the stream, PostgreSQL's limits and malformed input.

import { describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import {
  ClientParser,
  ProtocolError,
  serializeClientMessage,
  type ClientMessage,
  type ClientParserOptions,
} from '../../../enforcers/postgres/protocol/index.ts';

type Event = ClientMessage | { error: string; offset: number };

// Feeds chunks in order, then end(); returns messages and the error, as events.
function run(chunks: Uint8Array[], options?: ClientParserOptions): Event[] {
  const parser = new ClientParser(options);
  const events: Event[] = [];
  let err: ProtocolError | undefined;
  for (const c of chunks) {
    err = parser.parse(c, (m) => events.push(m));
    if (err) break;
  }
  err ??= parser.end();
  if (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    events.push({ error: err.code, offset: err.offset });
  }
  return events;
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  return out;
}

// Deterministic PRNG, so a failing chunking can be reproduced.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// The same events whatever the chunking: whole, every single cut, every byte alone, and random chunkings.
function expectChunkingInvariant(stream: Buffer, options?: ClientParserOptions): Event[] {
  const whole = run([stream], options);
  for (let i = 0; i <= stream.length; i++) expect(run(splitAt(stream, [i]), options)).toEqual(whole);
  expect(run([...stream].map((b) => Buffer.from([b])), options)).toEqual(whole);
  const random = rng(stream.length);
  for (let round = 0; round < 50; round++) {
    const cuts = new Set<number>();
    const n = Math.floor(random() * 12);
    for (let k = 0; k < n; k++) cuts.add(Math.floor(random() * (stream.length + 1)));
    expect(run(splitAt(stream, [...cuts].sort((a, b) => a - b)), options)).toEqual(whole);
  }
  return whole;
}

const startup: ClientMessage = {
  name: 'startup',
  protocolVersion: { major: 3, minor: 0 },
  parameters: { user: 'ci-job', database: 'app', application_name: 'psql', client_encoding: 'UTF8' },
};

const session: ClientMessage[] = [
  startup,
  { name: 'password', password: 'eyJhbGciOi.token.sig' },
  { name: 'query', text: "select 1; select 'é' /* ü */" },
  { name: 'parse', statement: 's1', text: 'select $1::int, $2::text', parameterTypes: [23, 0] },
  {
    name: 'bind',
    portal: 'p1',
    statement: 's1',
    parameterFormats: [0, 1],
    parameters: [Buffer.from('42'), null],
    resultFormats: [1],
  },
  { name: 'bind', portal: '', statement: '', parameterFormats: [], parameters: [], resultFormats: [] },
  { name: 'describe', target: 'P', objectName: 'p1' },
  { name: 'describe', target: 'S', objectName: 's1' },
  { name: 'execute', portal: 'p1', maxRows: 100 },
  { name: 'flush' },
  { name: 'sync' },
  { name: 'close', target: 'S', objectName: 's1' },
  { name: 'close', target: 'P', objectName: '' },
  { name: 'copyData', data: Buffer.from('1\tx\n2\t\\N\n') },
  { name: 'copyData', data: Buffer.alloc(0) },
  { name: 'copyDone' },
  { name: 'copyFail', message: 'client gave up' },
  { name: 'functionCall', functionOid: 2619, argumentFormats: [1], arguments: [Buffer.from([0, 0, 0, 1]), null], resultFormat: 1 },
  { name: 'query', text: '' },
  { name: 'terminate' },
];

const sessionBytes = Buffer.concat(session.map(serializeClientMessage));

describe('ClientParser round trips', () => {
  it('parses every message it serializes, in order', () => {
    expect(run([sessionBytes])).toEqual(session);
    for (const m of session) expect(serializeClientMessage(m)).toBeInstanceOf(Buffer);
  });

  it('yields identical messages for the stream split at every offset and random chunkings', () => {
    expect(expectChunkingInvariant(sessionBytes)).toEqual(session);
  });

  it('reads what pg-protocol (node-postgres) writes', () => {
    const bytes = Buffer.concat([
      serialize.startup({ user: 'u', database: 'd' }),
      serialize.password('secret'),
      serialize.query('select 1'),
      serialize.parse({ name: 'n', text: 'select $1', types: [25] }),
      serialize.bind({ portal: 'p', statement: 'n', values: ['a', null, Buffer.from([1, 2])] }),
      serialize.describe({ type: 'P', name: 'p' }),
      serialize.execute({ portal: 'p', rows: 5 }),
      serialize.sync(),
      serialize.flush(),
      serialize.close({ type: 'S', name: 'n' }),
      serialize.copyData(Buffer.from('abc')),
      serialize.copyDone(),
      serialize.copyFail('nope'),
      serialize.end(),
    ]);
    const events = expectChunkingInvariant(bytes);
    expect(events.map((e) => ('name' in e ? e.name : e.error))).toEqual([
      'startup', 'password', 'query', 'parse', 'bind', 'describe', 'execute', 'sync', 'flush', 'close',
      'copyData', 'copyDone', 'copyFail', 'terminate',
    ]);
    expect(events[0]).toMatchObject({ parameters: { user: 'u', database: 'd' } });
    expect(events[4]).toMatchObject({ parameters: [Buffer.from('a'), null, Buffer.from([1, 2])], parameterFormats: [0, 0, 1] });
  });

  it('reads SSLRequest, then the startup packet once the server answered', () => {
    const parser = new ClientParser();
    const got: ClientMessage[] = [];
    expect(parser.parse(serialize.requestSsl(), (m) => got.push(m))).toBeUndefined();
    parser.encryptionResponded();
    expect(parser.parse(serializeClientMessage(startup), (m) => got.push(m))).toBeUndefined();
    expect(got).toEqual([{ name: 'sslRequest' }, startup]);
  });

  it('reads GSSENCRequest and CancelRequest (3.0 and 3.2 key lengths)', () => {
    expect(run([serializeClientMessage({ name: 'gssEncRequest' })])).toEqual([{ name: 'gssEncRequest' }]);
    const cancel = serialize.cancel(1234, 987654);
    expect(run([cancel])).toEqual([{ name: 'cancelRequest', processId: 1234, secretKey: Buffer.from([0, 0x0f, 0x12, 0x06]) }]);
    const long: ClientMessage = { name: 'cancelRequest', processId: 7, secretKey: Buffer.alloc(32, 9) };
    expect(expectChunkingInvariant(serializeClientMessage(long))).toEqual([long]);
  });

  it('tells SASLInitialResponse and SASLResponse apart by the authentication state', () => {
    const bytes = Buffer.concat([
      serializeClientMessage(startup),
      serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=,r=abc'),
      serialize.sendSCRAMClientFinalMessage('c=biws,r=abc,p=xyz'),
      serialize.query('select 1'),
    ]);
    const events = expectChunkingInvariant(bytes, { authAfterStartup: 'sasl-initial' });
    expect(events).toEqual([
      startup,
      { name: 'saslInitialResponse', mechanism: 'SCRAM-SHA-256', data: Buffer.from('n,,n=,r=abc') },
      { name: 'saslResponse', data: Buffer.from('c=biws,r=abc,p=xyz') },
      { name: 'query', text: 'select 1' },
    ]);
    const nullData: ClientMessage = { name: 'saslInitialResponse', mechanism: 'SCRAM-SHA-256', data: null };
    expect(run([serializeClientMessage(startup), serializeClientMessage(nullData)], { authAfterStartup: 'sasl-initial' })).toEqual([
      startup,
      nullData,
    ]);
  });

  it('accepts a configured auth expectation set by the caller', () => {
    const parser = new ClientParser({ authAfterStartup: null });
    const got: ClientMessage[] = [];
    parser.parse(serializeClientMessage(startup), (m) => got.push(m));
    parser.expectAuthentication('password');
    expect(parser.parse(serialize.password('pw'), (m) => got.push(m))).toBeUndefined();
    expect(got[1]).toEqual({ name: 'password', password: 'pw' });
  });

  it('keeps messages valid after the caller reuses its chunk buffers', () => {
    const parser = new ClientParser({ authAfterStartup: null });
    const got: ClientMessage[] = [];
    const bytes = Buffer.concat([serializeClientMessage(startup), serialize.copyData(Buffer.from('payload'))]);
    const scratch = Buffer.alloc(bytes.length);
    for (let i = 0; i < bytes.length; i += 3) {
      const n = Math.min(3, bytes.length - i);
      bytes.copy(scratch, 0, i, i + n);
      parser.parse(scratch.subarray(0, n), (m) => got.push(m));
      scratch.fill(0xee);
    }
    expect(got).toEqual([startup, { name: 'copyData', data: Buffer.from('payload') }]);
  });
});

// A typed message with an arbitrary declared length and body.
function raw(code: string, length: number, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head[0] = code.charCodeAt(0);
  head.writeUInt32BE(length >>> 0, 1);
  return Buffer.concat([head, body]);
}

function body(code: string, b: Buffer): Buffer {
  return raw(code, 4 + b.length, b);
}

function startupPacket(body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.writeUInt32BE(0x00030000, 4);
  return Buffer.concat([head, body]);
}

const afterStartup = Buffer.concat([serializeClientMessage(startup), serialize.password('t')]);
const startupLength = afterStartup.length;

function errorOf(stream: Buffer, options?: ClientParserOptions): { error: string; offset: number } {
  const events = expectChunkingInvariant(stream, options);
  const last = events[events.length - 1]!;
  expect(last).toHaveProperty('error');
  return last as { error: string; offset: number };
}

describe('ClientParser malformed input', () => {
  it('refuses a length field below 4', () => {
    for (const len of [0, 1, 3]) {
      expect(errorOf(Buffer.concat([afterStartup, raw('Q', len)]))).toEqual({ error: 'invalid_message_length', offset: startupLength });
    }
  });

  it('refuses a 4 GiB length at once, without waiting for the body', () => {
    const parser = new ClientParser();
    parser.parse(afterStartup, () => {});
    const err = parser.parse(raw('Q', 0xffffffff), () => {});
    expect(err?.code).toBe('message_too_large');
    expect(err?.sqlstate).toBe('08P01');
    expect(errorOf(Buffer.concat([afterStartup, raw('d', 0xffffffff, Buffer.from('xx'))]))).toEqual({
      error: 'message_too_large',
      offset: startupLength,
    });
  });

  it('applies MaxAllocSize, a configured lower maximum, and the small-message limit', () => {
    expect(errorOf(Buffer.concat([afterStartup, raw('Q', 0x3fffffff)]))).toMatchObject({ error: 'message_too_large' });
    const q = serialize.query('x'.repeat(2000));
    expect(run([afterStartup, q], { maxMessageLength: 4096 }).at(-1)).toEqual({ name: 'query', text: 'x'.repeat(2000) });
    expect(errorOf(Buffer.concat([afterStartup, q]), { maxMessageLength: 1024 })).toMatchObject({ error: 'message_too_large' });
    expect(errorOf(Buffer.concat([afterStartup, raw('S', 10_001)]))).toMatchObject({ error: 'message_too_large' });
    expect(errorOf(Buffer.concat([serializeClientMessage(startup), raw('p', 65_536)]))).toMatchObject({ error: 'message_too_large' });
  });

  it('reports a truncated message when the stream ends inside it', () => {
    const q = serialize.query('select 1');
    expect(errorOf(Buffer.concat([afterStartup, q.subarray(0, q.length - 1)]))).toEqual({ error: 'truncated_message', offset: startupLength });
    expect(errorOf(serializeClientMessage(startup).subarray(0, 10))).toEqual({ error: 'truncated_message', offset: 0 });
  });

  it('refuses unknown message types as soon as the type byte arrives', () => {
    expect(errorOf(Buffer.concat([afterStartup, raw('Z', 4)]))).toEqual({ error: 'unknown_message_type', offset: startupLength });
    const parser = new ClientParser();
    parser.parse(afterStartup, () => {});
    expect(parser.parse(Buffer.from([0x00]), () => {})?.code).toBe('unknown_message_type');
    expect(parser.parse(serialize.query('select 1'), () => {})?.code).toBe('unknown_message_type');
  });

  it('refuses a startup packet over 10,000 bytes, and one too short', () => {
    const big = startupPacket(Buffer.concat([Buffer.from('user\0'), Buffer.alloc(10_000, 0x61), Buffer.from('\0\0')]));
    expect(errorOf(big)).toEqual({ error: 'invalid_startup_packet_length', offset: 0 });
    const head = Buffer.alloc(4);
    head.writeUInt32BE(10_005, 0);
    expect(new ClientParser().parse(head, () => {})?.code).toBe('invalid_startup_packet_length');
    head.writeUInt32BE(7, 0);
    expect(new ClientParser().parse(head, () => {})?.code).toBe('invalid_startup_packet_length');
    // Exactly at the limit is accepted.
    const name = Buffer.from('user\0u\0application_name\0');
    const atLimit = startupPacket(Buffer.concat([name, Buffer.alloc(10_000 - 4 - name.length - 2, 0x61), Buffer.from('\0\0')]));
    expect(atLimit.length).toBe(10_004);
    expect(run([atLimit])[0]).toMatchObject({ name: 'startup' });
  });

  it('refuses bytes sent after SSLRequest or GSSENCRequest before the answer', () => {
    const ssl = serialize.requestSsl();
    expect(expectChunkingInvariant(Buffer.concat([ssl, serializeClientMessage(startup)]))).toEqual([
      { name: 'sslRequest' },
      { error: 'bytes_after_encryption_request', offset: 8 },
    ]);
    const gss = serializeClientMessage({ name: 'gssEncRequest' });
    expect(expectChunkingInvariant(Buffer.concat([gss, Buffer.from('x')]))).toEqual([
      { name: 'gssEncRequest' },
      { error: 'bytes_after_encryption_request', offset: 8 },
    ]);
    // Answering from inside the callback does not let bytes of the same chunk through.
    const parser = new ClientParser();
    const err = parser.parse(Buffer.concat([ssl, serializeClientMessage(startup)]), () => parser.encryptionResponded());
    expect(err?.code).toBe('bytes_after_encryption_request');
  });

  it('refuses a second SSLRequest, bytes after CancelRequest, other protocol versions', () => {
    const parser = new ClientParser();
    parser.parse(serialize.requestSsl(), () => {});
    parser.encryptionResponded();
    expect(parser.parse(serialize.requestSsl(), () => {})?.code).toBe('unexpected_message');
    expect(errorOf(Buffer.concat([serialize.cancel(1, 2), Buffer.from([0])]))).toEqual({ error: 'bytes_after_cancel_request', offset: 16 });
    const v2 = Buffer.from(startupPacket(Buffer.from('user\0u\0\0')));
    v2.writeUInt32BE(0x00020000, 4);
    const e = errorOf(v2);
    expect(e).toEqual({ error: 'unsupported_protocol_version', offset: 0 });
  });

  it('refuses malformed startup parameters', () => {
    expect(errorOf(startupPacket(Buffer.from('user\0u\0')))).toMatchObject({ error: 'invalid_startup_packet' });
    expect(errorOf(startupPacket(Buffer.from('user\0u\0user\0v\0\0')))).toMatchObject({ error: 'invalid_startup_packet' });
    expect(errorOf(startupPacket(Buffer.from('database\0d\0\0')))).toMatchObject({ error: 'invalid_startup_packet' });
    expect(errorOf(startupPacket(Buffer.from('user\0u\0\0x')))).toMatchObject({ error: 'invalid_startup_packet' });
    expect(errorOf(startupPacket(Buffer.from([0x75, 0x73, 0x65, 0x72, 0, 0xff, 0xfe, 0, 0])))).toMatchObject({
      error: 'invalid_string_encoding',
    });
  });

  it('refuses malformed message bodies', () => {
    const cases: Buffer[] = [
      body('Q', Buffer.from('abc')), // no terminator
      body('S', Buffer.from([0])), // Sync carries nothing
      body('D', Buffer.from('X\0')), // bad describe target
      body('B', Buffer.from([0, 0, 0, 1, 0, 2, 0, 0])), // format code 2
      body('B', Buffer.from([0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0])), // length -2
      body('B', Buffer.from([0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])), // 2 formats, 1 value
      body('B', Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0x61, 0, 0])), // value longer than the message
      body('P', Buffer.from([0, 0x61, 0, 0xff])), // truncated count
      body('E', Buffer.from([0, 0, 0])), // truncated row limit
      body('F', Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 2])), // result format 2
    ];
    for (const c of cases) expect(errorOf(Buffer.concat([afterStartup, c]))).toEqual({ error: 'invalid_message_format', offset: startupLength });
    expect(errorOf(Buffer.concat([afterStartup, body('Q', Buffer.from([0xc3, 0x28, 0]))]))).toMatchObject({
      error: 'invalid_string_encoding',
    });
  });

  it('refuses a password message outside authentication and other messages during it', () => {
    expect(errorOf(Buffer.concat([afterStartup, serialize.password('again')]))).toEqual({ error: 'unexpected_message', offset: startupLength });
    const s = serializeClientMessage(startup);
    expect(errorOf(Buffer.concat([s, serialize.query('select 1')]))).toEqual({ error: 'unexpected_message', offset: s.length });
    // A client giving up during authentication may say goodbye.
    expect(run([s, serialize.end()])).toEqual([startup, { name: 'terminate' }]);
  });

  it('keeps returning the same error after failing', () => {
    const parser = new ClientParser();
    const first = parser.parse(raw('\0', 2), () => {});
    expect(first?.code).toBe('invalid_startup_packet_length');
    expect(parser.parse(serialize.startup({ user: 'u' }), () => expect.fail('no message after an error'))).toBe(first);
    expect(parser.end()).toBe(first);
  });
});
