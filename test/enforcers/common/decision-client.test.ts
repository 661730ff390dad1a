// The decision client fails closed on every failure, over real loopback HTTP and in process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import fc from 'fast-check';
import { createDecisionClient, decisionClientTimeout, httpTransport, inProcessTransport, jsonCopy, serviceTransport, type EvaluateFn, type Transport } from '../../../enforcers/common/decision-client.ts';
import { FAIL_CLOSED_METRIC } from '../../../enforcers/common/metrics.ts';
import { deadPort, json, serve, type TestServer } from './servers.ts';
import { open, pgInput, tokens } from '../../service/helpers.ts';
import type { Service } from '../../../src/service/service.ts';
import { Masker } from '../../../enforcers/common/masker.ts';

const good = {
  allow: true,
  reasons: [],
  mask: [{ column: 'email', strategy: 'partial' }],
  decision_id: '0190b6e4-0000-7000-8000-000000000001',
  provenance: { revision: 'abc', bundle_sha256: 'f'.repeat(64) },
};

async function failCount(reg: Registry, reason: string): Promise<number> {
  const m = await reg.getSingleMetric(FAIL_CLOSED_METRIC)?.get();
  return m?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

function client(url: string, reg: Registry, timeoutMs?: number) {
  return createDecisionClient({ transport: httpTransport({ url, token: 'tok' }), registry: reg, timeoutMs });
}

describe('decision client over HTTP (real loopback servers)', () => {
  const servers: TestServer[] = [];
  afterAll(async () => Promise.all(servers.map((s) => s.close())));
  const start = async (h: Parameters<typeof serve>[0]) => {
    const s = await serve(h);
    servers.push(s);
    return s;
  };

  it('returns a valid decision and sends the bearer token and the input', async () => {
    const reg = new Registry();
    const s = await start((_q, res) => json(res, 200, good));
    const d = await client(s.url, reg).decide({ version: 1, x: 'y' });
    expect(d).toEqual(good);
    expect(s.requests[0]).toMatchObject({ method: 'POST', url: '/v1/decisions' });
    expect(s.requests[0].headers.authorization).toBe('Bearer tok');
    expect(JSON.parse(s.requests[0].body)).toEqual({ input: { version: 1, x: 'y' } });
  });

  it('forwards the client token as client_token and keeps token_expires_at; a token_expires_at that is not a time fails closed', async () => {
    const reg = new Registry();
    const s = await start((_q, res) => json(res, 200, { ...good, token_expires_at: '2030-01-01T00:00:00Z' }));
    const d = await client(s.url, reg).decide({ version: 1 }, { clientToken: 'eyJ.a.b' });
    expect(d.token_expires_at).toBe('2030-01-01T00:00:00Z');
    expect(JSON.parse(s.requests[0].body)).toEqual({ input: { version: 1 }, client_token: 'eyJ.a.b' });
    const bad = await start((_q, res) => json(res, 200, { ...good, token_expires_at: 'soon' }));
    const d2 = await client(bad.url, reg).decide({}, { clientToken: 't' });
    expect(d2.allow).toBe(false);
    expect(d2.reasons).toEqual(['writ: decision outside the contract (token_expires_at is not a time); denied']);
  });

  it('denies when the service is down (connection refused)', async () => {
    const reg = new Registry();
    const d = await client(await deadPort(), reg).decide({});
    expect(d.allow).toBe(false);
    expect(d.failClosed?.reason).toBe('unavailable');
    expect(d.reasons).toEqual(['writ: decision service unavailable (connection refused); denied']);
    expect(await failCount(reg, 'unavailable')).toBe(1);
  });

  it('denies after the timeout when the service never answers (default 500 ms)', async () => {
    const reg = new Registry();
    const s = await start(() => undefined);
    const t0 = Date.now();
    const d = await client(s.url, reg).decide({});
    const took = Date.now() - t0;
    expect(d.reasons).toEqual(['writ: decision service unavailable (timeout after 500 ms); denied']);
    expect(took).toBeGreaterThanOrEqual(480);
    expect(took).toBeLessThan(1500);
    expect(await failCount(reg, 'timeout')).toBe(1);
  });

  it('denies when the answer comes after a custom timeout', async () => {
    const reg = new Registry();
    const s = await start((_q, res) => setTimeout(() => json(res, 200, good), 300));
    const d = await client(s.url, reg, 100).decide({});
    expect(d.failClosed).toEqual({ reason: 'timeout', message: 'writ: decision service unavailable (timeout after 100 ms); denied' });
  });

  it('denies when the body stalls after the headers, and when it is too large', async () => {
    const reg = new Registry();
    const stall = await start((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"allow": true, ');
    });
    expect((await client(stall.url, reg, 150).decide({})).reasons).toEqual(['writ: decision service unavailable (timeout after 150 ms); denied']);
    const huge = await start((_q, res) => json(res, 200, JSON.stringify({ ...good, reasons: ['x'.repeat(2 << 20)] })));
    expect((await client(huge.url, reg, 5000).decide({})).reasons).toEqual(['writ: decision service answer larger than 1048576 bytes; denied']);
  });

  it('keeps its connection open between decisions; a reused connection the service closed is retried once on a new one, a fresh one is not', async () => {
    const net = await import('node:net');
    const answer = JSON.stringify(good);
    const reply = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(answer)}\r\nconnection: keep-alive\r\n\r\n${answer}`;
    // Answers the first request on each connection and drops the connection at the second (a service whose
    // keep-alive timeout closed it just as the next request left).
    let connections = 0;
    let requests = 0;
    const flaky = net.createServer((sock) => {
      connections++;
      let served = 0;
      sock.on('data', (d) => {
        if (!d.toString().startsWith('POST ')) return;
        requests++;
        if (served++ === 0) sock.write(reply);
        else sock.destroy();
      });
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(flaky.address() as { port: number }).port}`;
    const reg = new Registry();
    const c = client(url, reg, 2000);
    expect((await c.decide({})).allow).toBe(true);
    expect((await c.decide({})).allow).toBe(true);
    expect({ connections, requests }).toEqual({ connections: 2, requests: 3 });
    // A connection that fails on its first request is the service failing: denied, not retried.
    const dropper = net.createServer((sock) => sock.on('data', () => sock.destroy()));
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', () => r()));
    const d = await client(`http://127.0.0.1:${(dropper.address() as { port: number }).port}`, reg, 2000).decide({});
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual(['writ: decision service unavailable (ECONNRESET); denied']);
    flaky.close();
    dropper.close();
  });

  it('denies on garbage, on an empty body and on a truncated body', async () => {
    const reg = new Registry();
    const garbage = await start((_q, res) => json(res, 200, '{"allow": tru'));
    const empty = await start((_q, res) => json(res, 200, ''));
    const html = await start((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy error</html>');
    });
    expect((await client(garbage.url, reg).decide({})).reasons).toEqual(['writ: decision service answered malformed JSON; denied']);
    expect((await client(html.url, reg).decide({})).failClosed?.reason).toBe('malformed');
    expect((await client(empty.url, reg).decide({})).failClosed?.reason).toBe('undefined');
    expect(await failCount(reg, 'malformed')).toBe(2);
    expect(await failCount(reg, 'undefined')).toBe(1);
  });

  it('denies on 503 log unavailable, other 5xx, 401 and 403', async () => {
    const reg = new Registry();
    const cases: Array<[number, unknown, string, string]> = [
      [503, { code: 'WRIT_LOG_UNAVAILABLE', message: 'x' }, 'log_unavailable', 'writ: decision log unavailable, the decision could not be recorded (HTTP 503 WRIT_LOG_UNAVAILABLE); denied'],
      [503, { code: 'WRIT_NO_POLICY' }, 'server_error', 'writ: decision service unavailable (HTTP 503 WRIT_NO_POLICY); denied'],
      [500, 'Internal', 'server_error', 'writ: decision service unavailable (HTTP 500); denied'],
      [502, '', 'server_error', 'writ: decision service unavailable (HTTP 502); denied'],
      [401, { code: 'WRIT_UNAUTHENTICATED' }, 'unauthorized', 'writ: this enforcer is not authenticated by the decision service (HTTP 401 WRIT_UNAUTHENTICATED); denied'],
      [403, { code: 'WRIT_FORBIDDEN' }, 'forbidden', 'writ: this enforcer is not allowed to ask the decision service (HTTP 403 WRIT_FORBIDDEN); denied'],
      [400, { code: 'WRIT_BAD_REQUEST' }, 'bad_request', 'writ: decision service refused the request (HTTP 400 WRIT_BAD_REQUEST); denied'],
    ];
    for (const [status, body, reason, message] of cases) {
      const s = await start((_q, res) => json(res, status, body));
      const d = await client(s.url, reg).decide({});
      expect(d, `${status}`).toEqual({ allow: false, reasons: [message], failClosed: { reason, message } });
    }
    expect(await failCount(reg, 'server_error')).toBe(3);
  });

  it('denies answers outside the contract', async () => {
    const reg = new Registry();
    const bad: Array<[unknown, string]> = [
      [{ ...good, allow: 'true' }, 'allow is not a boolean'],
      [{ ...good, allow: undefined }, 'allow is missing'],
      [{ ...good, reasons: [1] }, 'reasons is not a list of strings'],
      [{ ...good, reasons: 'no' }, 'reasons is not a list of strings'],
      [{ ...good, mask: [{ column: 'email', strategy: 'scramble' }] }, 'unknown mask strategy "scramble"'],
      [{ ...good, mask: [{ detector: 'dna', strategy: 'redact' }] }, 'unknown mask detector "dna"'],
      [{ ...good, mask: [{ column: 'a', json_path: '$.a', strategy: 'redact' }] }, 'needs exactly one of column, json_path, detector'],
      [{ ...good, mask: [{ json_path: 'a.b', strategy: 'redact' }] }, 'bad mask json_path'],
      [{ ...good, mask: {} }, 'mask is not a list'],
      [{ ...good, decision_id: undefined }, 'decision_id is missing (the decision was not logged)'],
      [{ ...good, provenance: undefined }, 'provenance'],
      [{ ...good, require_approval: { approvers: 'x' } }, 'require_approval'],
      [[good], 'array'],
      [42, 'number'],
    ];
    for (const [body, problem] of bad) {
      const s = await start((_q, res) => json(res, 200, body));
      const d = await client(s.url, reg).decide({});
      expect(d.allow).toBe(false);
      expect(d.failClosed?.reason).toBe('contract');
      expect(d.reasons[0]).toContain(problem);
      expect(d.reasons[0]).toMatch(/^writ: decision outside the contract \(.*\); denied$/);
    }
    expect(await failCount(reg, 'contract')).toBe(bad.length);
    // JSON null is an undefined result.
    const s = await start((_q, res) => json(res, 200, 'null'));
    expect((await client(s.url, reg).decide({})).failClosed?.reason).toBe('undefined');
  });

  it('keeps a path prefix in the service URL, and refuses an input that is not JSON', async () => {
    const reg = new Registry();
    const s = await start((q, res) => (q.url === '/writ/v1/decisions' ? json(res, 200, good) : json(res, 404, {})));
    expect(await client(`${s.url}/writ`, reg).decide({})).toEqual(good);
    expect(await client(`${s.url}/writ/`, reg).decide({})).toEqual(good);
    const d = await client(s.url, reg).decide({ n: 1n });
    expect(d.failClosed?.reason).toBe('internal');
    expect(d.reasons[0]).toMatch(/^writ: the input cannot be sent as JSON \(.*BigInt.*\); denied$/);
  });

  it('uses the default prom-client registry when none is given', async () => {
    const { register } = await import('prom-client');
    const c = createDecisionClient({ transport: httpTransport({ url: await deadPort(), token: 't' }) });
    await c.decide({});
    expect(register.getSingleMetric(FAIL_CLOSED_METRIC)).toBeDefined();
  });
});

describe('decision client in process', () => {
  it('passes a valid answer and fails closed on undefined, throws and slowness', async () => {
    const reg = new Registry();
    const mk = (fn: EvaluateFn, timeoutMs?: number) => createDecisionClient({ transport: inProcessTransport(fn), registry: reg, timeoutMs });
    expect(await mk(() => good).decide({})).toEqual(good);
    let got: unknown;
    await mk((_i, o) => ((got = o), good)).decide({}, { clientToken: 'tok' });
    expect(got).toEqual({ clientToken: 'tok' });
    expect((await mk(() => undefined).decide({})).reasons).toEqual(['writ: policy decision undefined; denied']);
    expect((await mk(() => { throw new Error('boom'); }).decide({})).failClosed?.reason).toBe('internal');
    const logDown = Object.assign(new Error('closed'), { code: 'WRIT_LOG_UNAVAILABLE' });
    expect((await mk(() => Promise.reject(logDown)).decide({})).failClosed?.reason).toBe('log_unavailable');
    const slow = await mk(() => new Promise((r) => setTimeout(() => r(good), 200)), 50).decide({});
    expect(slow.reasons).toEqual(['writ: decision service unavailable (timeout after 50 ms); denied']);
  });
});

describe('decision client against the real decision service', () => {
  let svc: Service;
  let url: string;
  const inService = (s: Service) => serviceTransport((body) => s.app.writDecide({ name: 'enforcer:in-process', role: 'enforcer' }, body));
  beforeAll(async () => {
    svc = await open();
    url = await svc.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => svc?.close());

  it('gets a logged decision over HTTP and in process (the route function), with provenance', async () => {
    const reg = new Registry();
    const viaHttp = await createDecisionClient({ transport: httpTransport({ url, token: tokens.enforcer }), registry: reg, timeoutMs: 5000 }).decide(pgInput());
    expect(viaHttp.failClosed).toBeUndefined();
    expect(typeof viaHttp.allow).toBe('boolean');
    expect(viaHttp.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(viaHttp.provenance?.bundle_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(svc.logStore.get(viaHttp.decision_id!)).toBeDefined();
    const viaProcess = await createDecisionClient({ transport: inService(svc), registry: reg, timeoutMs: 5000 }).decide(pgInput());
    expect(viaProcess.failClosed).toBeUndefined();
    expect(viaProcess.allow).toBe(viaHttp.allow);
    expect(svc.logStore.get(viaProcess.decision_id!)).toMatchObject({ caller: 'enforcer:in-process', api: 'v1/decisions' });
  });

  it('in process, a decision log that cannot be written fails closed as log_unavailable', async () => {
    const s2 = await open();
    try {
      await s2.logWriter.terminate();
      const d = await createDecisionClient({ transport: inService(s2), registry: new Registry(), timeoutMs: 5000 }).decide(pgInput());
      expect(d.allow).toBe(false);
      expect(d.failClosed?.reason).toBe('log_unavailable');
    } finally {
      await s2.close();
    }
  });

  it("the shipped policy's mask rules are applied by the Masker to a result row", async () => {
    const d = await createDecisionClient({ transport: inService(svc), registry: new Registry(), timeoutMs: 5000 }).decide(pgInput());
    expect(d.allow).toBe(true);
    expect(d.mask).toContainEqual({ column: 'email', strategy: 'partial' });
    const m = new Masker(d.mask!);
    const counts = {};
    const row = m.maskRow(['id', 'email', 'card_number', 'comment'], ['1', 'alice@example.com', '4111 1111 1111 1111', 'cc bob@example.com'], counts);
    expect(row).toEqual(['1', '*****@******e.com', '**** **** **** 1111', 'cc [REDACTED]']);
    expect(counts).toEqual({ 'column:email': 1, 'column:card_number': 1, 'detector:email': 1 });
  });

  it('fails closed with a wrong token (401) and with an admin token (403)', async () => {
    const reg = new Registry();
    const bad = await createDecisionClient({ transport: httpTransport({ url, token: 'nope' }), registry: reg }).decide(pgInput());
    expect(bad.failClosed?.reason).toBe('unauthorized');
    const admin = await createDecisionClient({ transport: httpTransport({ url, token: tokens.admin }), registry: reg }).decide(pgInput());
    expect(admin.failClosed?.reason).toBe('forbidden');
  });

  it('fails closed when the service cannot write its log (503)', async () => {
    const reg = new Registry();
    await svc.log.close();
    const d = await createDecisionClient({ transport: httpTransport({ url, token: tokens.enforcer }), registry: reg, timeoutMs: 5000 }).decide(pgInput());
    expect(d.failClosed?.reason).toBe('log_unavailable');
    expect(d.reasons[0]).toMatch(/^writ: decision log unavailable.*HTTP 503 WRIT_LOG_UNAVAILABLE\); denied$/);
  });
});

describe('decision client timing and signals', () => {
  it('a custom transport gets a signal that aborts at the timeout; a late answer is ignored', async () => {
    let seen: AbortSignal | undefined;
    const transport: Transport = (_i, signal) => {
      seen = signal;
      return new Promise((r) => setTimeout(() => r({ status: 200, body: good }), 150));
    };
    const d = await createDecisionClient({ transport, registry: new Registry(), timeoutMs: 30 }).decide({});
    expect(d.failClosed?.reason).toBe('timeout');
    expect(seen?.aborted).toBe(true);
    // Answered in time: the signal was never aborted.
    const fast: Transport = (_i, signal) => ((seen = signal), Promise.resolve({ status: 200, body: good }));
    expect(await createDecisionClient({ transport: fast, registry: new Registry(), timeoutMs: 30 }).decide({})).toEqual(good);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen?.aborted).toBe(false);
  });

  it('a transport that throws at once, rejects, or answers a plain value is handled as before', async () => {
    const reg = new Registry();
    const throwing = (() => {
      throw new Error('sync boom');
    }) as unknown as Transport;
    const d1 = await createDecisionClient({ transport: throwing, registry: reg }).decide({});
    expect(d1.failClosed).toEqual({ reason: 'internal', message: 'writ: decision client failed (sync boom); denied' });
    const rejecting: Transport = () => Promise.reject(new Error('async boom'));
    expect((await createDecisionClient({ transport: rejecting, registry: reg }).decide({})).failClosed?.message).toBe('writ: decision client failed (async boom); denied');
    const plain = (() => ({ status: 200, body: good })) as unknown as Transport;
    expect(await createDecisionClient({ transport: plain, registry: reg }).decide({})).toEqual(good);
  });

  it('knows the timeout of the clients it made, and of nothing else', () => {
    expect(decisionClientTimeout(createDecisionClient({ transport: inProcessTransport(() => good), registry: new Registry() }))).toBe(500);
    expect(decisionClientTimeout(createDecisionClient({ transport: inProcessTransport(() => good), registry: new Registry(), timeoutMs: 7000 }))).toBe(7000);
    expect(decisionClientTimeout({ decide: async () => good })).toBeUndefined();
    expect(decisionClientTimeout(undefined)).toBeUndefined();
  });
});

describe('jsonCopy (the in-process request body) is JSON.parse(JSON.stringify(v))', () => {
  const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v));
  const same = (v: unknown) => {
    const a = jsonCopy(v);
    expect(a).toStrictEqual(roundTrip(v));
    expect(JSON.stringify(a)).toBe(JSON.stringify(v));
    if (typeof v === 'object' && v !== null) expect(a).not.toBe(v);
  };

  it('on JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), same), { numRuns: 500 });
    fc.assert(fc.property(fc.object({ withNullPrototype: true, withBoxedValues: false }), same), { numRuns: 300 });
  });

  it('on values JSON changes or drops, and copies that share nothing with the original', () => {
    class Thing {
      a = 1;
    }
    const withProto = JSON.parse('{"__proto__": {"polluted": true}, "a": [1]}');
    for (const v of [
      { a: undefined, b: () => 1, c: Symbol('s'), d: 1 },
      [undefined, () => 1, NaN, Infinity, -0, 0],
      { n: -0, m: NaN, i: -Infinity },
      { when: new Date(0), t: { toJSON: () => 'x' } },
      new Thing(),
      // eslint-disable-next-line no-sparse-arrays
      [1, , 3],
      { '2': 'b', '1': 'a', z: 1, y: [{ '10': 1, '9': 2 }] },
      withProto,
      'text',
      42,
      null,
      true,
    ])
      same(v);
    const copied = jsonCopy(withProto) as Record<string, unknown>;
    expect(Object.hasOwn(copied, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    const nested = { a: { b: [{ c: 1 }] } };
    const c = jsonCopy(nested) as typeof nested;
    c.a.b[0]!.c = 2;
    expect(nested.a.b[0]!.c).toBe(1);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = { d: [deep] };
    same(deep);
  });

  it('refuses what JSON refuses', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => jsonCopy(cyclic)).toThrow(TypeError);
    expect(() => jsonCopy({ n: 1n })).toThrow(TypeError);
    expect(() => jsonCopy(undefined)).toThrow();
  });
});
