// POST /v1/decisions/batch, and the remote enforcer's HTTP transport that uses it: decisions asked in the same
// event-loop turn travel in one request, each answered exactly as POST /v1/decisions would answer it, each logged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createDecisionClient, httpTransport } from '../../enforcers/common/decision-client.ts';
import { json, serve, type TestServer } from '../enforcers/common/servers.ts';
import { auth, open, pgInput, tokens } from './helpers.ts';
import type { Service } from '../../src/service/service.ts';

let svc: Service;
let url: string;
beforeAll(async () => {
  svc = await open();
  await svc.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(svc.app.server.address() as { port: number }).port}`;
}, 30_000);
afterAll(async () => svc?.close());

const reader = pgInput();
const stranger = pgInput({ principal: { id: 'ci:nobody', type: 'ci_job', groups: [] } });

describe('POST /v1/decisions/batch', () => {
  it('answers each element as POST /v1/decisions would, in order; a bad element fails alone; every decision is logged', async () => {
    const single = await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input: reader } });
    const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions/batch', headers: auth('enforcer'), payload: { requests: [{ input: reader }, { nope: 1 }, { input: stranger }] } });
    expect(r.statusCode).toBe(200);
    const { answers } = r.json() as { answers: Array<{ status: number; body: Record<string, any> }> };
    expect(answers.map((a) => a.status)).toEqual([200, 400, 200]);
    const { decision_id: _a, ...first } = answers[0]!.body;
    const { decision_id: _b, ...expected } = single.json();
    expect(first).toEqual(expected);
    expect(answers[1]!.body.code).toBe('WRIT_BAD_REQUEST');
    expect(answers[2]!.body.allow).toBe(false);
    for (const a of [answers[0]!, answers[2]!]) {
      const rec = await svc.app.inject({ method: 'GET', url: `/v1/decisions/${a.body.decision_id}`, headers: auth('admin') });
      expect(rec.statusCode).toBe(200);
      expect(rec.json()).toMatchObject({ kind: 'decision', decision_id: a.body.decision_id, caller: expect.any(String) });
    }
  });

  it('refuses an empty, oversized or malformed batch, and callers other than enforcers', async () => {
    for (const payload of [{}, { requests: [] }, { requests: 'x' }, { requests: Array.from({ length: 65 }, () => ({ input: reader })) }]) {
      const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions/batch', headers: auth('enforcer'), payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('WRIT_BAD_REQUEST');
    }
    expect((await svc.app.inject({ method: 'POST', url: '/v1/decisions/batch', headers: auth('admin'), payload: { requests: [{ input: reader }] } })).statusCode).toBe(403);
    expect((await svc.app.inject({ method: 'POST', url: '/v1/decisions/batch', payload: { requests: [{ input: reader }] } })).statusCode).toBe(401);
  });
});

describe('the HTTP transport batches decisions asked in the same turn', () => {
  it('one request for concurrent decisions, each with its own logged answer; a lone decision goes alone', async () => {
    const seen: string[] = [];
    const c = createDecisionClient({ transport: httpTransport({ url, token: tokens.enforcer }), registry: new Registry(), timeoutMs: 5000 });
    const onRequest = (req: { url?: string }) => void seen.push(req.url ?? '');
    svc.app.server.on('request', onRequest);
    const ds = await Promise.all([c.decide(reader), c.decide(stranger), c.decide(reader)]);
    expect(ds.map((d) => d.allow)).toEqual([true, false, true]);
    expect(new Set(ds.map((d) => d.decision_id)).size).toBe(3);
    expect(seen).toEqual(['/v1/decisions/batch']);
    const lone = await c.decide(reader);
    expect(lone.allow).toBe(true);
    expect(seen).toEqual(['/v1/decisions/batch', '/v1/decisions']);
    svc.app.server.off('request', onRequest);
  });
});

describe('batching against other answers (loopback servers)', () => {
  const servers: TestServer[] = [];
  afterAll(async () => Promise.all(servers.map((s) => s.close())));
  const good = (n: number) => ({ allow: true, reasons: [], decision_id: `0190b6e4-0000-7000-8000-00000000000${n}`, provenance: { revision: 'abc', bundle_sha256: 'f'.repeat(64) } });
  const client = (u: string) => createDecisionClient({ transport: httpTransport({ url: u, token: 't' }), registry: new Registry(), timeoutMs: 3000 });

  it('a batch the service never answers fails each decision at its timeout, and its connection is closed after the idle timeout', async () => {
    let closed = 0;
    const silent = await serve((req) => req.socket.on('close', () => closed++));
    servers.push(silent);
    const c = createDecisionClient({ transport: httpTransport({ url: silent.url, token: 't', idleTimeoutMs: 1000 }), registry: new Registry(), timeoutMs: 100 });
    const ds = await Promise.all([c.decide({}), c.decide({})]);
    for (const d of ds) expect(d.failClosed?.reason).toBe('timeout');
    expect(silent.requests.map((r) => r.url)).toEqual(['/v1/decisions/batch']);
    expect(closed).toBe(0);
    // Closed by the client after 1 s of silence (polled: timers run late on a loaded machine).
    for (let i = 0; i < 250 && closed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(1);
  });

  it('a service without the batch route (404) gets single requests from then on', async () => {
    let n = 0;
    const s = await serve((req, res) => (req.url === '/v1/decisions/batch' ? json(res, 404, { code: 'WRIT_NOT_FOUND' }) : json(res, 200, good(++n % 10))));
    servers.push(s);
    const c = client(s.url);
    expect((await Promise.all([c.decide({}), c.decide({})])).map((d) => d.allow)).toEqual([true, true]);
    expect((await Promise.all([c.decide({}), c.decide({})])).map((d) => d.allow)).toEqual([true, true]);
    expect(s.requests.map((r) => r.url)).toEqual(['/v1/decisions/batch', '/v1/decisions', '/v1/decisions', '/v1/decisions', '/v1/decisions']);
  });

  it('a batch refused as a whole (503 log unavailable) is each decision refused; a malformed batch answer fails each closed', async () => {
    const down = await serve((_q, res) => json(res, 503, { code: 'WRIT_LOG_UNAVAILABLE', message: 'no log' }));
    const short = await serve((_q, res) => json(res, 200, { answers: [{ status: 200, body: good(1) }] }));
    const noStatus = await serve((_q, res) => json(res, 200, { answers: [{ body: good(1) }, { status: 200, body: good(2) }] }));
    servers.push(down, short, noStatus);
    const d1 = await Promise.all([client(down.url).decide({}), client(down.url).decide({})]);
    // Two clients: two transports, so no batch; one client with two decisions:
    const c = client(down.url);
    const d2 = await Promise.all([c.decide({}), c.decide({})]);
    for (const d of [...d1, ...d2]) expect(d.failClosed?.reason).toBe('log_unavailable');
    const cs = client(short.url);
    for (const d of await Promise.all([cs.decide({}), cs.decide({})])) {
      expect(d.allow).toBe(false);
      expect(d.reasons).toEqual(['writ: decision service answered a batch with a malformed body; denied']);
    }
    const cn = client(noStatus.url);
    const [a, b] = await Promise.all([cn.decide({}), cn.decide({})]);
    expect(a.failClosed?.reason).toBe('malformed');
    expect(b.allow).toBe(true);
  });
});
