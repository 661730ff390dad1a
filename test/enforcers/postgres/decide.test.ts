// askDecider: custom deciders are guarded by a 5 s timeout; enforcers/common's client is trusted to keep its own
// timeout only when that is the shorter one, and every answer outside the contract is a denial.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Registry } from 'prom-client';
import { askDecider } from '../../../enforcers/postgres/decide.ts';
import { createDecisionClient, inProcessTransport, type DecisionClient, type EnforcerDecision } from '../../../enforcers/common/index.ts';
import type { PostgresEnforcerConfig } from '../../../enforcers/postgres/config.ts';

const cfg = (decider: DecisionClient) => ({ decider }) as unknown as PostgresEnforcerConfig;
const never = () => new Promise<never>(() => undefined);
const ok: EnforcerDecision = { allow: true, reasons: [], decision_id: 'd-1', provenance: { revision: 'r', bundle_sha256: 'f'.repeat(64) } };

afterEach(() => {
  vi.useRealTimers();
});

describe('askDecider', () => {
  it('a custom decider that never answers is denied after 5 s', async () => {
    vi.useFakeTimers();
    const p = askDecider(cfg({ decide: never }), {});
    await vi.advanceTimersByTimeAsync(4999);
    let settled = false;
    void p.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const d = await p;
    expect(d.allow).toBe(false);
    expect(d.failClosed).toEqual({ reason: 'internal', message: 'writ: decision failed (no answer within 5000 ms); denied' });
  });

  it("the decision client's own timeout answers when shorter; the 5 s guard still holds a longer one", async () => {
    vi.useFakeTimers();
    const short = createDecisionClient({ transport: inProcessTransport(never), registry: new Registry(), timeoutMs: 100 });
    const p1 = askDecider(cfg(short), {});
    await vi.advanceTimersByTimeAsync(100);
    expect((await p1).reasons).toEqual(['writ: decision service unavailable (timeout after 100 ms); denied']);
    for (const t of [5000, 7000]) {
      const long = createDecisionClient({ transport: inProcessTransport(never), registry: new Registry(), timeoutMs: t });
      const p2 = askDecider(cfg(long), {});
      await vi.advanceTimersByTimeAsync(5000);
      expect((await p2).failClosed?.message).toBe('writ: decision failed (no answer within 5000 ms); denied');
      await vi.advanceTimersByTimeAsync(t);
    }
  });

  it('answers outside the contract, throws and rejections are denials; a decision passes through', async () => {
    for (const bad of [null, 'yes', { allow: 'true', reasons: [] }, { allow: true }]) {
      const d = await askDecider(cfg({ decide: async () => bad as unknown as EnforcerDecision }), {});
      expect(d.failClosed?.message).toBe('writ: decision failed (answer outside the contract); denied');
    }
    const thrown = await askDecider(
      cfg({
        decide: () => {
          throw new Error('boom');
        },
      }),
      {},
    );
    expect(thrown.failClosed?.message).toBe('writ: decision failed (boom); denied');
    expect((await askDecider(cfg({ decide: () => Promise.reject(new Error('later')) }), {})).failClosed?.message).toBe('writ: decision failed (later); denied');
    expect(await askDecider(cfg({ decide: async () => ok }), {})).toBe(ok);
    let got: unknown;
    await askDecider(cfg({ decide: async (_i, o) => ((got = o), ok) }), {}, 'tok');
    expect(got).toEqual({ clientToken: 'tok' });
  });
});
