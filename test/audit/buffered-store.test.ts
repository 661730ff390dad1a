// log.durability: process (BufferedLogStore): records are committed without a sync on the event loop and the
// WAL is fdatasync'd on a timer. A record is readable from the file the moment its append resolves; syncs run
// only when something was written; a failed sync or a dead writer stops the log instead of losing records quietly.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { BufferedLogStore } from '../../src/audit/buffered-store.ts';
import { SqliteLogStore } from '../../src/audit/store.ts';
import { DecisionLog } from '../../src/audit/log.ts';
import { loadOrCreateSigningKey } from '../../src/audit/keys.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import { uuidv7 } from '../../src/audit/uuid7.ts';
import { inputDigest } from '../../src/audit/record.ts';
import type { LogEntry } from '../../src/audit/chain.ts';

function bufferedLog(syncIntervalMs: number, checkpointEvery = 100) {
  const dir = mkdtempSync(join(tmpdir(), 'writ-blog-'));
  const key = loadOrCreateSigningKey(join(dir, 'log-key.pem'));
  const path = join(dir, 'log.db');
  const store = new BufferedLogStore(path, { replayKey: randomBytes(32), syncIntervalMs });
  const log = new DecisionLog({ store, key, checkpointEvery });
  return { dir, path, key, store, log };
}

const input = (i: number) => ({ version: 1, principal: { id: `p${i}`, type: 'ci_job' }, action: { kind: 'statement', sql: { text: `select ${i}` } } });
const entry = (i: number) => ({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), input: input(i), digest_input: true }) as LogEntry;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for `cond` (timers run late on a loaded machine), failing after 5 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !cond(); i++) await sleep(20);
  expect(cond()).toBe(true);
}

describe('BufferedLogStore (log.durability: process)', () => {
  it('chains thousands of concurrent appends without gaps, digests inputs, and the log verifies', async () => {
    const { path, key, log } = bufferedLog(50, 250);
    const recs = await Promise.all(Array.from({ length: 3000 }, (_, i) => log.append(entry(i))));
    expect(recs.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(recs[7]!.input_digest).toBe(inputDigest(input(7)));
    await log.close();
    const again = new SqliteLogStore(path);
    const v = await verifyLog(again, key.publicKey);
    expect(v).toMatchObject({ ok: true, records: 3000 });
    // A synchronous store commits every queued group in one turn, so the checkpoints follow the last of them.
    expect(v.checkpoints).toBeGreaterThanOrEqual(1);
    again.close();
  });

  it('a record is in the file, for any other connection, when its append resolves; the sync comes later, and only after writes', async () => {
    const { path, store, log } = bufferedLog(150);
    const r = await log.append(entry(1));
    const other = new Database(path, { readonly: true });
    expect((other.prepare('SELECT decision_id FROM decisions WHERE seq = ?').get(r.seq) as { decision_id: string }).decision_id).toBe(r.decision_id);
    other.close();
    expect(store.syncs).toBe(0);
    await until(() => store.syncs === 1);
    // Nothing written since: the timer (every 150 ms) does not sync again.
    await sleep(500);
    expect(store.syncs).toBe(1);
    await log.append(entry(2));
    await until(() => store.syncs === 2);
    await log.close();
  });

  it('close syncs what the timer has not', async () => {
    const { store, log } = bufferedLog(60_000);
    await log.append(entry(1));
    expect(store.syncs).toBe(0);
    await log.close();
    expect(store.syncs).toBe(1);
  });

  it('a failed sync stops the log: later appends fail and the log reports itself unhealthy', async () => {
    const { path, log } = bufferedLog(50);
    await log.append(entry(1));
    // The WAL vanishes from under the store (an operator's mistake, a broken volume): it cannot be synced.
    rmSync(`${path}-wal`);
    await until(() => !log.healthy);
    // Unhealthy (GET /ready answers 503) as soon as the sync failed, before any append finds out.
    expect(log.healthy).toBe(false);
    await expect(log.append(entry(2))).rejects.toThrow(/decision log (write failed|unavailable).*(sync|open)/);
    expect(log.healthy).toBe(false);
    await log.close();
  });

  it('a terminated writer fails every later append', async () => {
    const { store, log } = bufferedLog(50);
    await log.append(entry(1));
    await store.terminate();
    await expect(log.append(entry(2))).rejects.toThrow(/decision log (write failed|unavailable)/);
    expect(log.healthy).toBe(false);
    await log.close();
  });
});

describe('writ.yaml log.durability', () => {
  it('is disk unless set; process takes a sync interval; anything else is refused naming the key', async () => {
    const { validateConfig } = await import('../../src/service/config.ts');
    expect(validateConfig({}).log).toMatchObject({ durability: 'disk', sync_interval_ms: 200 });
    expect(validateConfig({ log: { durability: 'process', sync_interval_ms: 50 } }).log).toMatchObject({ durability: 'process', sync_interval_ms: 50 });
    expect(() => validateConfig({ log: { durability: 'memory' } })).toThrow(/log\.durability: must be disk .* or process/);
    expect(() => validateConfig({ log: { durability: 'process', sync_interval_ms: 0 } })).toThrow(/log\.sync_interval_ms/);
  });
});
