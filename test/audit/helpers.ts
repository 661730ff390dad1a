// Shared pieces of the audit tests: the CLI as a child process, and logs filled through DecisionLog.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionLog } from '../../src/audit/log.ts';
import { SqliteLogStore, type LogStore } from '../../src/audit/store.ts';
import { PostgresLogStore } from '../../src/audit/pg-store.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../../src/audit/keys.ts';
import { uuidv7 } from '../../src/audit/uuid7.ts';
import type { LogEntry } from '../../src/audit/chain.ts';

export const root = join(import.meta.dirname, '..', '..');

export function writ(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'writ.js'), ...args], { cwd: root, encoding: 'utf8', input, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

export function tmp(prefix = 'writ-audit-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function entry(i: number, extra: Record<string, unknown> = {}): LogEntry {
  return { kind: 'decision', decision_id: uuidv7(), time: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(), result: { allow: i % 2 === 0 }, i, ...extra };
}

/** A data directory with a signing key and `n` records in log.db (checkpoints every `every`). */
export async function sqliteLog(n: number, every = 10): Promise<{ dir: string; key: SigningKey; ids: string[] }> {
  const dir = tmp();
  const key = loadOrCreateSigningKey(join(dir, 'log-key.pem'));
  const ids = await fill(new SqliteLogStore(join(dir, 'log.db')), key, n, every);
  return { dir, key, ids };
}

/** A PostgreSQL log at `url` with `n` records; the key lives in a temporary data directory. */
export async function pgLog(url: string, n: number, every = 10): Promise<{ dir: string; key: SigningKey; ids: string[] }> {
  const dir = tmp();
  const key = loadOrCreateSigningKey(join(dir, 'log-key.pem'));
  const ids = await fill(new PostgresLogStore(url), key, n, every);
  return { dir, key, ids };
}

async function fill(store: LogStore, key: SigningKey, n: number, every: number): Promise<string[]> {
  const log = new DecisionLog({ store, key, checkpointEvery: every });
  // Groups of `every` records, so a checkpoint follows each group; record i gets seq i + 1.
  const recs = [];
  for (let i = 0; i < n; i += every) {
    recs.push(...(await Promise.all(Array.from({ length: Math.min(every, n - i) }, (_, k) => log.append(entry(i + k))))));
    await log.checkpoint();
  }
  await log.close();
  return recs.map((r) => r.decision_id);
}
