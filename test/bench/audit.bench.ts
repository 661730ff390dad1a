// Benchmark: decision log appends per second (SQLite group commit against one transaction per record,
// reported as a ratio; the same for PostgreSQL when it is reachable), and `verify` records per second
// over a million records. Run: node bin/run-ts.js test/bench/audit.bench.ts [--records 1000000]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionLog } from '../../src/audit/log.ts';
import { SqliteLogStore, type LogStore } from '../../src/audit/store.ts';
import { PostgresLogStore } from '../../src/audit/pg-store.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../../src/audit/keys.ts';
import { chain, GENESIS_HASH, type ChainedRecord, type LogEntry } from '../../src/audit/chain.ts';
import { signCheckpoint } from '../../src/audit/checkpoint.ts';
import { canonicalJson } from '../../src/audit/canonical.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import { uuidv7 } from '../../src/audit/uuid7.ts';

const argv = process.argv.slice(2);
const million = Number(argv[argv.indexOf('--records') + 1] || 1_000_000) || 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'writ-bench-audit-'));
const key = loadOrCreateSigningKey(join(dir, 'log-key.pem'));

/** A decision record of realistic size (about 900 bytes stored, like the service's). */
function decision(i: number): LogEntry {
  return {
    kind: 'decision',
    decision_id: uuidv7(),
    time: new Date().toISOString(),
    caller: 'enforcer-pg-1',
    api: 'v1/decisions',
    entrypoint: 'writ/postgres/decision',
    principal: { sub: `user${i % 100}@example.com`, groups: ['analysts', 'oncall'] },
    enforcer: { kind: 'postgres', id: 'pg-gw-1' },
    resource: { database: 'sales', schema: 'public', tables: ['orders', 'customers'] },
    action: { statement: 'select', columns: ['id', 'total', 'email'] },
    input: { version: 1, query: 'SELECT id, total, email FROM orders JOIN customers USING (cid) WHERE total > $1' },
    input_digest: 'a'.repeat(64),
    input_sealed: 'b'.repeat(160),
    result: { allow: i % 7 !== 0, reasons: ['analysts may read sales'], mask: [{ column: 'email', strategy: 'hash' }] },
    policy: { revision: 'c'.repeat(40), bundle_sha256: 'd'.repeat(64) },
    nondeterministic: [{ name: 'time.now_ns', args: [], result: 1795915907251000000n }],
    latency_us: 180,
  };
}

async function appendRate(store: LogStore, k: SigningKey, n: number, maxBatch: number, inFlight: number): Promise<number> {
  const log = new DecisionLog({ store, key: k, maxBatch, checkpointEvery: 1000 });
  let next = 0;
  const t0 = performance.now();
  // `inFlight` concurrent callers, each waiting for its record to be durable, as request handlers do.
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        next++;
        await log.append(decision(next));
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await log.close();
  return n / secs;
}

const line = (s: string) => process.stdout.write(s + '\n');
line(`decision log benchmark (records ~${canonicalJson(chain(decision(1), 1, GENESIS_HASH)).length} bytes)`);

// 1. SQLite appends: group commit (one transaction per event-loop turn) vs one transaction per record.
{
  const group = await appendRate(new SqliteLogStore(join(dir, 'group.db')), key, 50_000, 512, 256);
  const single = await appendRate(new SqliteLogStore(join(dir, 'single.db')), key, 3_000, 1, 256);
  line(`sqlite appends/s: group commit ${group.toFixed(0)}, one transaction per record ${single.toFixed(0)}, ratio ${(group / single).toFixed(1)}x`);
}

// 2. PostgreSQL appends, the same comparison (skipped when no server answers).
{
  const url = `${process.env.WRIT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'}?schema=writ_bench_${process.pid}`;
  const probe = new PostgresLogStore(url);
  try {
    await probe.head();
    const group = await appendRate(probe, key, 30_000, 512, 256);
    const url2 = url + '_single';
    const s2 = new PostgresLogStore(url2);
    const single = await appendRate(s2, key, 2_000, 1, 256);
    line(`postgres appends/s: group commit ${group.toFixed(0)}, one transaction per record ${single.toFixed(0)}, ratio ${(group / single).toFixed(1)}x`);
    for (const u of [url, url2]) {
      const s = new PostgresLogStore(u);
      await s.dropSchema();
      await s.close();
    }
  } catch (e) {
    line(`postgres appends/s: skipped (${(e as Error).message})`);
    await probe.close().catch(() => undefined);
  }
}

// 3. verify over a million records, built with direct inserts of valid chained rows.
{
  const path = join(dir, 'million.db');
  const store = new SqliteLogStore(path);
  store.db.pragma('synchronous = OFF');
  const t0 = performance.now();
  let prev = GENESIS_HASH;
  let prevCp = 0;
  const batch: ChainedRecord[] = [];
  for (let seq = 1; seq <= million; seq++) {
    const r = chain(decision(seq), seq, prev);
    prev = r.hash;
    batch.push(r);
    if (batch.length === 10_000 || seq === million) {
      store.append(batch.splice(0));
    }
    if (seq % 1000 === 0 || seq === million) {
      store.addCheckpoint(signCheckpoint({ seq, head_hash: r.hash, time: r.time, prev_seq: prevCp }, key.privateKey));
      prevCp = seq;
    }
  }
  const built = (performance.now() - t0) / 1000;
  line(`built ${million} chained records (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB) in ${built.toFixed(1)}s`);
  const t1 = performance.now();
  const v = await verifyLog(store, key.publicKey);
  const secs = (performance.now() - t1) / 1000;
  if (!v.ok) throw new Error(`verify failed: ${JSON.stringify(v)}`);
  line(`verify: ${v.records} records and ${v.checkpoints} checkpoints in ${secs.toFixed(1)}s = ${(v.records / secs).toFixed(0)} records/s`);
  store.close();
}

rmSync(dir, { recursive: true, force: true });
