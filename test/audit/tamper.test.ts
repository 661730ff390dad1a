// Tampering with the stored log, in SQLite and in PostgreSQL: `writ audit verify` (a child process)
// must exit 1 and name the right sequence number and problem each time, and exit 0 when intact.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { canonicalJson } from '../../src/audit/canonical.ts';
import { hashRecord } from '../../src/audit/chain.ts';
import { signCheckpoint } from '../../src/audit/checkpoint.ts';
import { parsePostgresUrl } from '../../src/audit/pg-store.ts';
import { freshPgUrl, dropSchema } from './pg.ts';
import { pgLog, sqliteLog, writ } from './helpers.ts';

/** Run SQL against a store with `$n` placeholders (each used once, in order). */
type Sql = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

interface Case {
  name: string;
  /** Returns the sequence number it actually tampered with when that depends on the log's layout. */
  tamper: (q: Sql) => Promise<void | number>;
  seq: number;
  problem: string;
}

async function rewrite(q: Sql, seq: number, f: (r: Record<string, any>) => void): Promise<void> {
  const [row] = await q('SELECT record FROM decisions WHERE seq = $1', [seq]);
  const r = JSON.parse(row.record as string);
  f(r);
  await q('UPDATE decisions SET record = $1, hash = $2 WHERE seq = $3', [canonicalJson(r), r.hash, seq]);
}

// 35 records, checkpoints at 10, 20, 30 and 35 (the last one written on close).
const cases: Case[] = [
  { name: 'edit a record', seq: 17, problem: 'edited', tamper: (q) => rewrite(q, 17, (r) => (r.result.allow = !r.result.allow)) },
  {
    name: 'edit a record and recompute its hash (the next link breaks)',
    seq: 13,
    problem: 'edited',
    tamper: (q) =>
      rewrite(q, 12, (r) => {
        r.result.allow = !r.result.allow;
        r.hash = hashRecord(r as never);
      }),
  },
  { name: 'delete a record', seq: 9, problem: 'deleted', tamper: async (q) => void (await q('DELETE FROM decisions WHERE seq = 9')) },
  {
    name: 'swap two records',
    seq: 5,
    problem: 'reordered',
    tamper: async (q) => {
      const [a] = await q('SELECT record, hash, decision_id FROM decisions WHERE seq = 5');
      const [b] = await q('SELECT record, hash, decision_id FROM decisions WHERE seq = 6');
      await q("UPDATE decisions SET decision_id = decision_id || '-x' WHERE seq = 5");
      await q("UPDATE decisions SET decision_id = decision_id || '-x' WHERE seq = 6");
      await q('UPDATE decisions SET record = $1, hash = $2, decision_id = $3 WHERE seq = 5', [b.record, b.hash, b.decision_id]);
      await q('UPDATE decisions SET record = $1, hash = $2, decision_id = $3 WHERE seq = 6', [a.record, a.hash, a.decision_id]);
    },
  },
  {
    name: 'truncate behind signed checkpoints',
    seq: 26,
    problem: 'truncated',
    tamper: async (q) => void (await q('DELETE FROM decisions WHERE seq > 25')),
  },
  {
    name: 'truncate records and their checkpoints (the head row remembers)',
    seq: 31,
    problem: 'truncated',
    tamper: async (q) => {
      await q('DELETE FROM decisions WHERE seq > 30');
      await q('DELETE FROM checkpoints WHERE seq > 30');
    },
  },
  {
    name: 'forge a checkpoint head',
    seq: 20,
    problem: 'bad signature',
    // The second checkpoint (at 20 when groups land as written; under heavy load checkpoints can
    // fall elsewhere, so the verdict is checked against the one actually forged).
    tamper: async (q) => {
      const [c] = await q('SELECT seq FROM checkpoints ORDER BY seq LIMIT 1 OFFSET 1');
      await q("UPDATE checkpoints SET head_hash = 'ff' || substr(head_hash, 3) WHERE seq = $1", [c.seq]);
      return Number(c.seq);
    },
  },
  {
    name: 'replace a checkpoint with one signed by another key',
    seq: 30,
    problem: 'bad signature',
    tamper: async (q) => {
      const [c] = await q('SELECT seq, head_hash, time, prev_seq FROM checkpoints WHERE seq = 30');
      const other = generateKeyPairSync('ed25519').privateKey;
      const forged = signCheckpoint({ seq: 30, head_hash: c.head_hash as string, time: c.time as string, prev_seq: Number(c.prev_seq) }, other);
      await q('UPDATE checkpoints SET jws = $1 WHERE seq = 30', [forged.jws]);
    },
  },
  { name: 'delete a checkpoint', seq: 20, problem: 'deleted', tamper: async (q) => void (await q('DELETE FROM checkpoints WHERE seq = 20')) },
  { name: 'delete the first checkpoint', seq: 10, problem: 'deleted', tamper: async (q) => void (await q('DELETE FROM checkpoints WHERE seq = 10')) },
];

function expectVerdict(args: string[], c: Case): void {
  const r = writ(['audit', 'verify', ...args]);
  expect(r.err, r.err).toContain(`FAILED at record ${c.seq}: ${c.problem}:`);
  expect(r.code).toBe(1);
}

describe('writ audit verify on SQLite', () => {
  it('passes an intact log', async () => {
    const { dir } = await sqliteLog(35);
    const r = writ(['audit', 'verify', '--data-dir', dir]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^ok: 35 records and 4 signed checkpoints verified/);
    expect(r.code).toBe(0);
  });

  for (const c of cases) {
    it(`names record ${c.seq} (${c.problem}) after: ${c.name}`, async () => {
      const { dir } = await sqliteLog(35);
      const db = new Database(join(dir, 'log.db'));
      const q: Sql = async (sql, params = []) => {
        const stmt = db.prepare(sql.replace(/\$\d+/g, '?'));
        return stmt.reader ? (stmt.all(...params) as Array<Record<string, unknown>>) : (stmt.run(...params), []);
      };
      const actual = (await c.tamper(q)) ?? c.seq;
      db.close();
      expectVerdict(['--data-dir', dir], { ...c, seq: actual });
    });
  }

  it('checks against the auditor\'s public key, not only the one in the data directory', async () => {
    const { dir } = await sqliteLog(12);
    const other = tmp2();
    const r = writ(['audit', 'verify', '--data-dir', dir, '--public-key', other]);
    expect(r.err).toMatch(/FAILED at record \d+: bad signature/);
    expect(r.code).toBe(1);
  });
});

describe('checkpoints the auditor keeps', () => {
  it('reveal a log cut back with its newest checkpoint and head row rewritten', async () => {
    const { dir } = await sqliteLog(35);
    const kept = writ(['audit', 'checkpoints', '--last', '--data-dir', dir]);
    expect(kept.code).toBe(0);
    expect(JSON.parse(kept.out)).toMatchObject({ seq: 35, prev_seq: 30 });
    const keptFile = join(dir, 'kept.jsonl');
    writeFileSync(keptFile, kept.out);
    const db = new Database(join(dir, 'log.db'));
    const h30 = (db.prepare('SELECT hash FROM decisions WHERE seq = 30').get() as { hash: string }).hash;
    db.prepare('DELETE FROM decisions WHERE seq > 30').run();
    db.prepare('DELETE FROM checkpoints WHERE seq > 30').run();
    db.prepare('UPDATE log_head SET seq = 30, hash = ?').run(h30);
    db.close();
    // From the store alone the shortened log is consistent...
    expect(writ(['audit', 'verify', '--data-dir', dir]).code).toBe(0);
    // ...but not with the checkpoint the auditor kept.
    const r = writ(['audit', 'verify', '--data-dir', dir, '--checkpoint', keptFile]);
    expect(r.err).toContain('FAILED at record 31: truncated:');
    expect(r.code).toBe(1);
  });

  it('reveal a deleted newest checkpoint, and a forged kept checkpoint is refused', async () => {
    const { dir } = await sqliteLog(35);
    const keptFile = join(dir, 'kept.jsonl');
    writeFileSync(keptFile, writ(['audit', 'checkpoints', '--data-dir', dir]).out);
    const db = new Database(join(dir, 'log.db'));
    db.prepare('DELETE FROM checkpoints WHERE seq = 35').run();
    db.close();
    const r = writ(['audit', 'verify', '--data-dir', dir, '--checkpoint', keptFile]);
    expect(r.err).toContain('FAILED at record 35: deleted:');
    const forged = join(dir, 'forged.txt');
    const other = generateKeyPairSync('ed25519').privateKey;
    writeFileSync(forged, signCheckpoint({ seq: 3, head_hash: 'a'.repeat(64), time: 't', prev_seq: 0 }, other).jws + '\n');
    expect(writ(['audit', 'verify', '--data-dir', dir, '--checkpoint', forged])).toMatchObject({ code: 2, err: expect.stringContaining('does not verify') });
  });
});

function tmp2(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const p = join(tmpdir(), `writ-other-${process.pid}-${Date.now()}.pub.pem`);
  writeFileSync(p, publicKey.export({ type: 'spki', format: 'pem' }));
  return p;
}

describe('writ audit verify on PostgreSQL', () => {
  const urls: string[] = [];
  afterAll(async () => {
    for (const u of urls) await dropSchema(u);
  });

  async function pgCase(): Promise<{ url: string; dir: string; q: Sql; end: () => Promise<void> }> {
    const url = freshPgUrl();
    urls.push(url);
    const { dir } = await pgLog(url, 35);
    const { connectionString, schema } = parsePostgresUrl(url);
    const client = new pg.Client({ connectionString });
    await client.connect();
    await client.query(`SET search_path TO "${schema}"`);
    const q: Sql = async (sql, params = []) => (await client.query(sql, params)).rows;
    return { url, dir, q, end: () => client.end() };
  }

  it('passes an intact log', async () => {
    const { url, dir, end } = await pgCase();
    await end();
    const r = writ(['audit', 'verify', '--store', url, '--public-key', join(dir, 'log-key.pub.pem')]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^ok: 35 records and 4 signed checkpoints verified/);
    expect(r.code).toBe(0);
  });

  for (const c of cases) {
    it(`names record ${c.seq} (${c.problem}) after: ${c.name}`, async () => {
      const { url, dir, q, end } = await pgCase();
      const actual = (await c.tamper(q)) ?? c.seq;
      await end();
      expectVerdict(['--store', url, '--public-key', join(dir, 'log-key.pub.pem')], { ...c, seq: actual });
    });
  }
});
