// A child process for the crash and multi-writer tests: appends decisions to a log and prints
// "<seq> <decision_id>" after each append resolves (that is, once the record is durable).
// Usage: node bin/run-ts.js test/audit/appender.ts <sqlite-file | buffered:sqlite-file | postgres-url> <key.pem> <count (0 = forever)> [tag]
// buffered:FILE uses the log.durability: process store with a 60 s sync interval (so no fsync happens in a short run).
import { DecisionLog } from '../../src/audit/log.ts';
import { SqliteLogStore, type LogStore } from '../../src/audit/store.ts';
import { PostgresLogStore, isPostgresUrl } from '../../src/audit/pg-store.ts';
import { BufferedLogStore } from '../../src/audit/buffered-store.ts';
import { loadOrCreateSigningKey } from '../../src/audit/keys.ts';
import { uuidv7 } from '../../src/audit/uuid7.ts';

const [where, keyPath, countText, tag = 'child'] = process.argv.slice(2);
const count = Number(countText);
const store: LogStore = isPostgresUrl(where)
  ? new PostgresLogStore(where)
  : where.startsWith('buffered:')
    ? new BufferedLogStore(where.slice('buffered:'.length), { syncIntervalMs: 60_000 })
    : new SqliteLogStore(where);
const log = new DecisionLog({ store, key: loadOrCreateSigningKey(keyPath), checkpointEvery: 50 });
const inFlight = 16;
let started = 0;
let out = '';
let flushScheduled = false;

function report(line: string): void {
  // One write per turn: the line is out before the next append is awaited.
  out += line + '\n';
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      process.stdout.write(out);
      out = '';
    });
  }
}

async function worker(): Promise<void> {
  while (count === 0 || started < count) {
    const i = started++;
    const r = await log.append({ kind: 'decision', decision_id: uuidv7(), time: new Date().toISOString(), tag, i, result: { allow: i % 3 !== 0 } });
    report(`${r.seq} ${r.decision_id}`);
  }
}

await Promise.all(Array.from({ length: inFlight }, worker));
await log.close();
process.stdout.write(out + 'done\n');
