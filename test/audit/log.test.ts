// The decision log under attack: edits, deletions, reordering, truncation and forged checkpoints
// are each found, and named at the right sequence number.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLogStore } from '../../src/audit/store.ts';
import { DecisionLog } from '../../src/audit/log.ts';
import { loadOrCreateSigningKey } from '../../src/audit/keys.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import { uuidv7 } from '../../src/audit/uuid7.ts';
import { canonicalJson } from '../../src/audit/canonical.ts';

async function filledLog(n: number, checkpointEvery = 10) {
  const dir = mkdtempSync(join(tmpdir(), 'writ-log-'));
  const key = loadOrCreateSigningKey(join(dir, 'log-key.pem'));
  const store = new SqliteLogStore(join(dir, 'log.db'));
  const log = new DecisionLog({ store, key, checkpointEvery });
  const ids = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date(1_700_000_000_000 + i).toISOString(), result: { allow: i % 2 === 0 }, i }),
    ),
  );
  await log.checkpoint();
  return { dir, key, store, log, ids };
}

describe('decision log', () => {
  it('chains records in order and verifies', async () => {
    const { store, key, ids } = await filledLog(50);
    expect(ids.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(ids[1].prev_hash).toBe(ids[0].hash);
    const v = await verifyLog(store, key.publicKey);
    expect(v).toMatchObject({ ok: true, records: 50 });
    expect(v.checkpoints).toBeGreaterThanOrEqual(1);
  });

  it('group-commits concurrent appends without gaps', async () => {
    const { store, key } = await filledLog(2000, 500);
    expect(store.count()).toBe(2000);
    expect((await verifyLog(store, key.publicKey)).ok).toBe(true);
  });

  it('names an edited record', async () => {
    const { store, key } = await filledLog(30);
    const row = store.db.prepare('SELECT record FROM decisions WHERE seq = 17').get() as { record: string };
    const r = JSON.parse(row.record);
    r.result.allow = !r.result.allow;
    store.db.prepare('UPDATE decisions SET record = ? WHERE seq = 17').run(canonicalJson(r));
    expect(await verifyLog(store, key.publicKey)).toMatchObject({ ok: false, firstBad: 17, problem: 'edited' });
  });

  it('names an edited record even when its hash is recomputed (the chain breaks at the next one)', async () => {
    const { store, key } = await filledLog(30);
    const { hashRecord } = await import('../../src/audit/chain.ts');
    const r = JSON.parse((store.db.prepare('SELECT record FROM decisions WHERE seq = 12').get() as { record: string }).record);
    r.result.allow = !r.result.allow;
    r.hash = hashRecord(r);
    store.db.prepare('UPDATE decisions SET record = ?, hash = ? WHERE seq = 12').run(canonicalJson(r), r.hash);
    const v = await verifyLog(store, key.publicKey);
    expect(v.ok).toBe(false);
    expect(v.firstBad).toBe(13);
  });

  it('names a deleted record', async () => {
    const { store, key } = await filledLog(30);
    store.db.prepare('DELETE FROM decisions WHERE seq = 9').run();
    expect(await verifyLog(store, key.publicKey)).toMatchObject({ ok: false, firstBad: 9, problem: 'deleted' });
  });

  it('names reordered records', async () => {
    const { store, key } = await filledLog(30);
    const a = store.db.prepare('SELECT record, hash FROM decisions WHERE seq = 5').get() as { record: string; hash: string };
    const b = store.db.prepare('SELECT record, hash FROM decisions WHERE seq = 6').get() as { record: string; hash: string };
    store.db.prepare("UPDATE decisions SET decision_id = decision_id || '-x' WHERE seq IN (5, 6)").run();
    store.db.prepare('UPDATE decisions SET record = ?, hash = ? WHERE seq = 5').run(b.record, b.hash);
    store.db.prepare('UPDATE decisions SET record = ?, hash = ? WHERE seq = 6').run(a.record, a.hash);
    expect(await verifyLog(store, key.publicKey)).toMatchObject({ ok: false, firstBad: 5, problem: 'reordered' });
  });

  it('names truncation behind a signed checkpoint', async () => {
    const { store, key } = await filledLog(30);
    store.db.prepare('DELETE FROM decisions WHERE seq > 25').run();
    expect(await verifyLog(store, key.publicKey)).toMatchObject({ ok: false, firstBad: 26, problem: 'truncated' });
  });

  it('names a forged checkpoint', async () => {
    const { store, key } = await filledLog(30);
    const last = store.checkpoints().at(-1)!;
    store.db.prepare("UPDATE checkpoints SET head_hash = 'ff' || substr(head_hash, 3) WHERE seq = ?").run(last.seq);
    expect(await verifyLog(store, key.publicKey)).toMatchObject({ ok: false, firstBad: last.seq, problem: 'bad signature' });
  });

  it('refuses appends after a failed write, so nothing is skipped silently', async () => {
    const { store, log } = await filledLog(3);
    store.db.exec('DROP TABLE decisions');
    await expect(log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString() })).rejects.toThrow(/write failed/);
    await expect(log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString() })).rejects.toThrow(/unavailable/);
    expect(log.healthy).toBe(false);
  });

  it('serves appends made from the continuation of a resolved append (no stall between groups)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-log-'));
    const key = loadOrCreateSigningKey(join(dir, 'log-key.pem'));
    const log = new DecisionLog({ store: new SqliteLogStore(join(dir, 'log.db')), key });
    const worker = async () => {
      for (let i = 0; i < 50; i++) await log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString() });
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(log.head.seq).toBe(150);
    await log.close();
  });

  it('writes a signed checkpoint after T seconds without reaching N records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-log-'));
    const key = loadOrCreateSigningKey(join(dir, 'log-key.pem'));
    const store = new SqliteLogStore(join(dir, 'log.db'));
    const log = new DecisionLog({ store, key, checkpointEvery: 1_000_000, checkpointIntervalMs: 50 });
    await log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString() });
    await log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString() });
    expect(store.checkpoints()).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(store.checkpoints().map((c) => c.seq)).toEqual([2]);
    // Nothing new: the timer adds no checkpoint.
    await new Promise((r) => setTimeout(r, 150));
    expect(store.checkpoints()).toHaveLength(1);
    expect(await verifyLog(store, key.publicKey)).toMatchObject({ ok: true, records: 2, checkpoints: 1 });
    await log.close();
  });

  it('uuidv7 ids are time-ordered and well-formed', () => {
    const ids = Array.from({ length: 1000 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
