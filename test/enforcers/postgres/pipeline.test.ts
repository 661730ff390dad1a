// Raw protocol sessions through the enforcer: pipelined extended-protocol batches with a refused statement in the
// middle get every answer in PostgreSQL's order; FunctionCall and unbound portals are refused; a session whose
// token expires is ended with FATAL 28000 at its next statement.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parser as ServerParser } from 'pg-protocol/dist/parser.js';
import { serializeClientMessage as ser, type ClientMessage } from '../../../enforcers/postgres/protocol/index.ts';
import { createSchema, dropSchema, pgClient, startHarness, type Harness } from './harness.ts';

let h: Harness;
let schema: string;
let clock = Date.now();

beforeAll(async () => {
  // The harness's CI job tokens own this schema (the policy's ci_schemas_by_repository): they read and write it.
  schema = await createSchema();
  h = await startHarness({ ciSchema: schema, config: { now: () => new Date(clock) } });
});
afterAll(async () => {
  await h?.stop();
  if (schema) await dropSchema(schema);
});

interface Msg {
  name: string;
  code?: string;
  message?: string;
  status?: string;
  fields?: Array<{ name: string }>;
  fields2?: unknown;
}

/** An authenticated raw session: send messages, collect decoded server messages up to the n-th ReadyForQuery. */
async function rawSession(token: string) {
  const s = net.connect(h.port, '127.0.0.1');
  const parser = new ServerParser();
  const got: Msg[] = [];
  let waiter: (() => void) | undefined;
  s.on('data', (d) =>
    parser.parse(d, (m) => {
      got.push(m as unknown as Msg);
      waiter?.();
    }),
  );
  let closed = false;
  s.on('close', () => {
    closed = true;
    waiter?.();
  });
  const until = async (pred: () => boolean) => {
    while (!pred() && !closed) await new Promise<void>((r) => (waiter = r));
  };
  const readies = () => got.filter((m) => m.name === 'readyForQuery').length;
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write(ser({ name: 'startup', protocolVersion: { major: 3, minor: 0 }, parameters: { user: 'ci', database: 'test' } }));
  await until(() => got.some((m) => m.name === 'authenticationCleartextPassword'));
  s.write(ser({ name: 'password', password: token }));
  await until(() => readies() === 1);
  got.length = 0;
  return {
    got,
    get closed() {
      return closed;
    },
    async send(msgs: ClientMessage[], syncs: number) {
      const base = readies();
      s.write(Buffer.concat(msgs.map(ser)));
      await until(() => readies() >= base + syncs);
      return got.splice(0);
    },
    close: () => s.destroy(),
  };
}

const sel = (text: string, params: string[] = []): ClientMessage[] => [
  { name: 'parse', statement: '', text, parameterTypes: [] },
  { name: 'bind', portal: '', statement: '', parameterFormats: [], parameters: params.map((p) => Buffer.from(p)), resultFormats: [] },
  { name: 'describe', target: 'P', objectName: '' },
  { name: 'execute', portal: '', maxRows: 0 },
  { name: 'sync' },
];

describe('pipelined extended protocol', () => {
  it('a refused statement between two allowed ones: answers in order, the refusal where PostgreSQL would put its error', async () => {
    const c = await rawSession(await h.token([]));
    try {
      const out = await c.send([...sel(`select name from ${schema}.people where id = $1`, ['1']), ...sel(`drop table ${schema}.people`), ...sel(`select email from ${schema}.people where id = $1`, ['2'])], 3);
      const names = out.map((m) => (m.name === 'error' ? `error:${m.code}` : m.name === 'readyForQuery' ? `Z:${m.status}` : m.name));
      expect(names).toEqual([
        'parseComplete', 'bindComplete', 'rowDescription', 'dataRow', 'commandComplete', 'Z:I',
        'error:42501', 'Z:I',
        'parseComplete', 'bindComplete', 'rowDescription', 'dataRow', 'commandComplete', 'Z:I',
      ]);
      const err = out.find((m) => m.name === 'error')!;
      expect(err.message).toContain('destructive_ddl: DROP is forbidden through writ');
      const rows = out.filter((m) => m.name === 'dataRow') as unknown as Array<{ fields: string[] }>;
      expect(rows[0]!.fields).toEqual(['Alice']);
      expect(rows[1]!.fields[0]).not.toContain('bob.smith'); // masked
    } finally {
      c.close();
    }
  });

  it('masking without a client Describe: writ learns the columns itself and the client sees no extra answer', async () => {
    const c = await rawSession(await h.token([]));
    try {
      const msgs = sel(`select email from ${schema}.people where id = $1`, ['1']).filter((m) => m.name !== 'describe');
      const out = await c.send(msgs, 1);
      expect(out.map((m) => m.name)).toEqual(['parseComplete', 'bindComplete', 'dataRow', 'commandComplete', 'readyForQuery']);
      expect((out[2] as unknown as { fields: string[] }).fields[0]).toMatch(/^\*+@\*+e\.com$/);
    } finally {
      c.close();
    }
  });

  it('FunctionCall and portals not bound through writ are refused; the session goes on', async () => {
    const c = await rawSession(await h.token([]));
    try {
      const f = await c.send([{ name: 'functionCall', functionOid: 1598, argumentFormats: [], arguments: [], resultFormat: 0 }], 1);
      expect(f.map((m) => m.name)).toEqual(['error', 'readyForQuery']);
      expect(f[0]!.message).toMatch(/dangerous_function: .*\(statement effect 'function_call'\)/);
      const declared = await c.send([{ name: 'query', text: `begin; declare cur cursor for select email from ${schema}.people` }], 1);
      expect(declared.map((m) => m.name)).toContain('commandComplete');
      const ex = await c.send([{ name: 'execute', portal: 'cur', maxRows: 0 }, { name: 'sync' }], 1);
      expect(ex[0]).toMatchObject({ name: 'error', code: '42501' });
      expect(ex[0]!.message).toContain('portal "cur" was not bound through');
      expect(ex[1]).toMatchObject({ name: 'readyForQuery', status: 'E' });
      const rb = await c.send([{ name: 'query', text: 'rollback' }], 1);
      expect(rb.at(-1)).toMatchObject({ status: 'I' });
    } finally {
      c.close();
    }
  });
});

describe('large results', () => {
  it('50,000 masked rows and a 2 MB value cross chunk boundaries intact', async () => {
    const c = await pgClient(h.port, await h.token([]));
    try {
      const r = await c.query(`select i, 'user' || i || '@example.com' as email from generate_series(1, 50000) i`);
      expect(r.rows).toHaveLength(50_000);
      expect(r.rows.filter((x) => /^user\d+@/.test(x.email))).toEqual([]);
      expect(r.rows[49_999].i).toBe(50_000);
      const big = await c.query(`select repeat('x', 2000000) || ' mail me: carol@example.net' as note`);
      expect(big.rows[0].note).toHaveLength(2_000_000 + ' mail me: [REDACTED]'.length);
      expect(big.rows[0].note.endsWith(' mail me: [REDACTED]')).toBe(true);
    } finally {
      await c.end();
    }
  }, 30_000);
});

describe('client encoding', () => {
  it('a client_encoding other than UTF8 ends the session (writ reads and masks UTF-8 only)', async () => {
    // The shipped policy denies SET client_encoding; a policy that allowed it would still not get past this.
    const lax = await startHarness({ decider: { decide: async () => ({ allow: true, reasons: [], decision_id: 'd' }) } });
    try {
      const c = await pgClient(lax.port, await lax.token(['db-readers']));
      c.on('error', () => undefined);
      await expect(c.query("set client_encoding = 'LATIN1'")).rejects.toMatchObject({ code: '0A000', message: expect.stringContaining('client_encoding changed to LATIN1') });
    } finally {
      await lax.stop();
    }
  });
});

describe('session lifetime', () => {
  it('a session outliving its token is ended with FATAL 28000 at its next statement', async () => {
    clock = Date.now();
    const c = await pgClient(h.port, await h.token([], { expiresIn: 120 }));
    const ended = new Promise((r) => c.on('error', r));
    expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    clock = Date.now() + 10 * 60_000;
    await expect(c.query('select 2')).rejects.toMatchObject({ code: '28000', message: expect.stringMatching(/expired at .*re-authenticate/) });
    await ended.catch(() => undefined);
    clock = Date.now();
  });
});
