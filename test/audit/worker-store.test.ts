// The service's log store: SQLite writes on a worker thread. Same chain and checkpoints as the in-thread
// store, inputs digested (and sealed when masked) on the writer, and a writer that dies fails closed.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { WorkerLogStore } from '../../src/audit/worker-store.ts';
import { SqliteLogStore } from '../../src/audit/store.ts';
import { DecisionLog } from '../../src/audit/log.ts';
import { loadOrCreateSigningKey } from '../../src/audit/keys.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import { uuidv7 } from '../../src/audit/uuid7.ts';
import { inputDigest, unsealInput } from '../../src/audit/record.ts';
import type { LogEntry } from '../../src/audit/chain.ts';

async function workerLog(checkpointEvery = 100) {
  const dir = mkdtempSync(join(tmpdir(), 'writ-wlog-'));
  const key = loadOrCreateSigningKey(join(dir, 'log-key.pem'));
  const replayKey = randomBytes(32);
  const store = await WorkerLogStore.open(join(dir, 'log.db'), { replayKey });
  const log = new DecisionLog({ store, key, checkpointEvery });
  return { dir, key, replayKey, store, log };
}

const input = (i: number) => ({ version: 1, principal: { id: `p${i}`, type: 'ci_job' }, action: { kind: 'statement', sql: { text: `select ${i}` } } });

describe('WorkerLogStore', () => {
  it('chains thousands of concurrent appends without gaps; checkpoints are signed in order; the log verifies', async () => {
    const { store, key, log } = await workerLog(250);
    const recs = await Promise.all(Array.from({ length: 3000 }, (_, i) => log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: input(i), digest_input: true } as LogEntry)));
    expect(recs.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    await log.close();
    const again = new SqliteLogStore(store.reader.db.name);
    const v = await verifyLog(again, key.publicKey);
    expect(v).toMatchObject({ ok: true, records: 3000 });
    // A checkpoint follows the first group that ends at or past every 250 records (groups hold up to 512), and one at close.
    expect(v.checkpoints).toBeGreaterThanOrEqual(3);
    again.close();
  });

  it('digests the logged input, seals only a masked one, and hands back records without the requests', async () => {
    const { store, replayKey, log } = await workerLog();
    const whole = await log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: input(1), digest_input: true } as LogEntry);
    expect(whole.input_digest).toBe(inputDigest(input(1)));
    expect(whole).not.toHaveProperty('input_sealed');
    expect(whole).not.toHaveProperty('digest_input');
    const masked = { ...input(2), principal: { id: '**', type: 'ci_job' } };
    const m = await log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: masked, unsealed_input: input(2) } as LogEntry);
    expect(m.input_digest).toBe(inputDigest(input(2)));
    expect(m).not.toHaveProperty('unsealed_input');
    expect(unsealInput(m.input_sealed as string, replayKey, m.decision_id)).toEqual(input(2));
    // What is stored is what was handed back: the stored text has the same digest and seal, and no request field.
    const stored = store.get(m.decision_id)!;
    expect(stored.input_sealed).toBe(m.input_sealed);
    expect(JSON.stringify(stored)).not.toContain('unsealed_input');
    expect(JSON.stringify(store.get(whole.decision_id))).not.toContain('digest_input');
    await log.close();
  });

  it('a writer that dies fails the appends waiting on it and every later one; the log reports itself unhealthy', async () => {
    const { store, log } = await workerLog();
    await log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: input(0), digest_input: true } as LogEntry);
    const pending = log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: input(1), digest_input: true } as LogEntry);
    await store.terminate();
    await expect(pending).rejects.toThrow(/decision log (write failed|unavailable)/);
    await expect(log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: input(2), digest_input: true } as LogEntry)).rejects.toThrow(/decision log unavailable/);
    expect(log.healthy).toBe(false);
    await log.close();
  });

  it('a masked input without a replay key is refused, not stored unsealed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-wlog-'));
    const store = await WorkerLogStore.open(join(dir, 'log.db'));
    const log = new DecisionLog({ store, key: loadOrCreateSigningKey(join(dir, 'k.pem')) });
    await expect(log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: null, unsealed_input: input(1) } as LogEntry)).rejects.toThrow(/no replay key/);
    expect(store.count()).toBe(0);
    await log.close();
  });
});

describe('SqliteLogStore in this thread', () => {
  it('carries out the same input requests: digest, seal when masked, never the request fields stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-log-'));
    const replayKey = randomBytes(32);
    const store = new SqliteLogStore(join(dir, 'log.db'), { replayKey });
    const log = new DecisionLog({ store, key: loadOrCreateSigningKey(join(dir, 'k.pem')) });
    const whole = await log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: input(1), digest_input: true } as LogEntry);
    const m = await log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: null, unsealed_input: input(2) } as LogEntry);
    expect(store.get(whole.decision_id)).toMatchObject({ input_digest: inputDigest(input(1)) });
    expect(store.get(whole.decision_id)).not.toHaveProperty('input_sealed');
    const stored = store.get(m.decision_id)!;
    expect(unsealInput(stored.input_sealed as string, replayKey, m.decision_id)).toEqual(input(2));
    const texts = [...store.scan(1)].map((r) => r.text).join('\n');
    expect(texts).not.toMatch(/unsealed_input|digest_input/);
    await log.close();
  });
});
