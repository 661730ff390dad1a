// Durability and several writers: a child appending in a loop is killed with SIGKILL and every record
// it reported committed is in a log that still verifies; two processes appending to one PostgreSQL
// log at once produce one valid chain with no gaps.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SqliteLogStore } from '../../src/audit/store.ts';
import { PostgresLogStore } from '../../src/audit/pg-store.ts';
import { parseExact } from '../../src/audit/json.ts';
import type { ChainedRecord } from '../../src/audit/chain.ts';
import { freshPgUrl, dropSchema } from './pg.ts';
import { root, tmp, writ } from './helpers.ts';

interface Child {
  proc: ChildProcess;
  /** seq -> decision_id as reported after each resolved append. */
  reported: Map<number, string>;
  done: Promise<number | null>;
}

function appender(where: string, keyPath: string, count: number, tag: string): Child {
  const proc = spawn(process.execPath, [join(root, 'bin', 'run-ts.js'), join(root, 'test', 'audit', 'appender.ts'), where, keyPath, String(count), tag], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const reported = new Map<number, string>();
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) {
      const m = /^(\d+) (\S+)$/.exec(l);
      if (m) reported.set(Number(m[1]), m[2]);
    }
  });
  const done = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return { proc, reported, done };
}

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// disk: SqliteLogStore (fsync per group). buffered: log.durability: process with a 60 s sync interval, so no fsync
// runs before the kill: what survives is what each append wrote to the operating system before it resolved.
describe.each([
  ['SQLite', ''],
  ['SQLite, log.durability: process', 'buffered:'],
])('crash safety (%s)', (_name, prefix) => {
  it('keeps every reported record after SIGKILL, and the log verifies', async () => {
    const dir = tmp();
    const child = appender(`${prefix}${join(dir, 'log.db')}`, join(dir, 'log-key.pem'), 0, 'crash');
    await until(() => child.reported.size >= 2000);
    child.proc.kill('SIGKILL');
    expect(await child.done).toBe(null);
    const v = writ(['audit', 'verify', '--data-dir', dir]);
    expect(v.err).toBe('');
    expect(v.code).toBe(0);
    const store = new SqliteLogStore(join(dir, 'log.db'));
    const stored = new Map<number, string>();
    for (const row of store.scan(0)) stored.set(row.seq, (parseExact(row.text) as ChainedRecord).decision_id);
    store.close();
    for (const [seq, id] of child.reported) expect(stored.get(seq)).toBe(id);
    // Records may have committed after the last report reached us; none may be missing before it.
    expect(stored.size).toBeGreaterThanOrEqual(child.reported.size);
    expect(v.out).toContain(`ok: ${stored.size} records`);
  });
});

describe('verifying a live log', () => {
  it('passes while another process keeps appending (no false truncation from records committed during the scan)', async () => {
    const dir = tmp();
    const child = appender(join(dir, 'log.db'), join(dir, 'log-key.pem'), 0, 'live');
    try {
      await until(() => child.reported.size >= 5000);
      const { verifyLog } = await import('../../src/audit/verify.ts');
      const { loadPublicKey } = await import('../../src/audit/keys.ts');
      const reader = new SqliteLogStore(join(dir, 'log.db'));
      const before = reader.count();
      const v = await verifyLog(reader, loadPublicKey(join(dir, 'log-key.pub.pem')));
      const after = reader.count();
      reader.close();
      expect(v).toMatchObject({ ok: true });
      // The writer really moved on during the scan.
      expect(after).toBeGreaterThan(before);
    } finally {
      child.proc.kill('SIGKILL');
      await child.done;
    }
  });
});

describe('several writers (one SQLite file)', () => {
  it('two processes sharing a log file produce one valid chain with no gaps', async () => {
    const dir = tmp();
    const { loadOrCreateSigningKey } = await import('../../src/audit/keys.ts');
    loadOrCreateSigningKey(join(dir, 'log-key.pem'));
    new SqliteLogStore(join(dir, 'log.db')).close();
    const a = appender(join(dir, 'log.db'), join(dir, 'log-key.pem'), 1000, 'a');
    const b = appender(join(dir, 'log.db'), join(dir, 'log-key.pem'), 1000, 'b');
    expect(await a.done).toBe(0);
    expect(await b.done).toBe(0);
    const v = writ(['audit', 'verify', '--data-dir', dir]);
    expect(v.err).toBe('');
    expect(v.out).toContain('ok: 2000 records');
    const store = new SqliteLogStore(join(dir, 'log.db'));
    const ids = new Map<number, string>();
    for (const row of store.scan(0)) ids.set(row.seq, (parseExact(row.text) as ChainedRecord).decision_id);
    store.close();
    for (const [seq, id] of [...a.reported, ...b.reported]) expect(ids.get(seq)).toBe(id);
  });
});

describe('several writers (PostgreSQL)', () => {
  const urls: string[] = [];
  afterAll(async () => {
    for (const u of urls) await dropSchema(u);
  });

  it('two processes appending at once produce one valid chain with no gaps', async () => {
    const url = freshPgUrl();
    urls.push(url);
    const dir = tmp();
    // Create the key first: both replicas sign checkpoints with the same configured key.
    const { loadOrCreateSigningKey } = await import('../../src/audit/keys.ts');
    loadOrCreateSigningKey(join(dir, 'log-key.pem'));
    const a = appender(url, join(dir, 'log-key.pem'), 1500, 'a');
    const b = appender(url, join(dir, 'log-key.pem'), 1500, 'b');
    expect(await a.done).toBe(0);
    expect(await b.done).toBe(0);
    const v = writ(['audit', 'verify', '--store', url, '--public-key', join(dir, 'log-key.pub.pem')]);
    expect(v.err).toBe('');
    expect(v.out).toContain('ok: 3000 records');
    expect(v.code).toBe(0);

    const store = new PostgresLogStore(url);
    const rows: ChainedRecord[] = [];
    for await (const row of store.scan(0)) rows.push(parseExact(row.text) as ChainedRecord);
    expect(await store.checkpoints()).not.toHaveLength(0);
    await store.close();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    for (const [seq, id] of [...a.reported, ...b.reported]) expect(rows[seq - 1].decision_id).toBe(id);
    expect(a.reported.size + b.reported.size).toBe(3000);
    // The writers really interleaved: the tags alternate somewhere inside the chain.
    const switches = rows.filter((r, i) => i > 0 && r.tag !== rows[i - 1].tag).length;
    expect(switches).toBeGreaterThan(1);
  });
});
