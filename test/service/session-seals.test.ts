// POST /v1/sessions/seals: a remote enforcer's closed recording becomes a session_seal record (role enforcer only;
// the service's own id and time; malformed seals refused naming the field); internal callers of `writ serve`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash } from '../../src/service/auth.ts';
import type { Service } from '../../src/service/service.ts';
import { auth, open } from './helpers.ts';

let svc: Service;
const seal = { session_id: 's-1', file: 'sessions/s-1.jsonl', sha256: 'a'.repeat(64), events: 3, bytes: 120 };
const post = (payload: unknown, headers: Record<string, string> = auth('enforcer')) => svc.app.inject({ method: 'POST', url: '/v1/sessions/seals', headers, payload: payload as object });

beforeAll(async () => {
  svc = await open({}, { internalCallers: [{ name: 'enforcer:orders', role: 'enforcer', token_sha256: tokenHash('tok-internal') }] });
});
afterAll(async () => {
  await svc?.close();
});

describe('POST /v1/sessions/seals', () => {
  it('appends a session_seal record naming the caller, durable before the 201', async () => {
    const r = await post(seal);
    expect(r.statusCode).toBe(201);
    const rec = r.json();
    expect(rec).toMatchObject({ kind: 'session_seal', caller: 'test-enforcer', ...seal });
    expect(typeof rec.seq).toBe('number');
    expect((await svc.logStore.get(rec.decision_id))?.sha256).toBe(seal.sha256);
  });

  it('refuses other roles and malformed seals', async () => {
    expect((await post(seal, auth('admin'))).statusCode).toBe(403);
    expect((await post(seal, {})).statusCode).toBe(401);
    for (const [bad, msg] of [
      [{ ...seal, session_id: '../x' }, 'session_id must be'],
      [{ ...seal, file: 'sessions/other.jsonl' }, 'file must be sessions/<session_id>.jsonl'],
      [{ ...seal, sha256: 'xyz' }, 'sha256 must be 64 lowercase hex'],
      [{ ...seal, events: -1 }, 'events must be a non-negative integer'],
      [{ ...seal, kind: 'decision' }, 'unknown field kind'],
    ] as const) {
      const r = await post(bad);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'WRIT_BAD_REQUEST' });
      expect(r.json().message).toContain(msg);
    }
  });

  it("an internal caller (a serve-started enforcer's token) is an enforcer named in the record", async () => {
    const r = await post({ ...seal, session_id: 's-2', file: 'sessions/s-2.jsonl' }, { authorization: 'Bearer tok-internal' });
    expect(r.statusCode).toBe(201);
    expect(r.json().caller).toBe('enforcer:orders');
  });
});
