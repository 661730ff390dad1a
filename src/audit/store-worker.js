// The decision log's writer thread: owns the SQLite connection that chains and commits appends, so the
// fsync of each group commit and the chain hashing never stall the service's event loop.
// Plain JS: it registers the tsx loader itself before importing the TypeScript store.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { SqliteLogStore } = await import('./store.ts');
const { UNSEALED_INPUT, DIGEST_INPUT } = await import('./record.ts');
const replayKey = workerData.replayKey ? Buffer.from(workerData.replayKey) : undefined;

let store;
try {
  store = new SqliteLogStore(workerData.path, { replayKey });
} catch (e) {
  parentPort.postMessage({ ready: false, error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}

const ops = {
  head: () => store.head(),
  // Entries' input requests (record.ts sealEntry) are carried out here. Only what the caller lacks
  // goes back: the chain fields, and input_digest/input_sealed of the entries that asked for them.
  appendEntries: (entries) =>
    store.appendEntries(entries).map((r, i) =>
      Object.hasOwn(entries[i], UNSEALED_INPUT) || Object.hasOwn(entries[i], DIGEST_INPUT) ? [r.seq, r.prev_hash, r.hash, r.input_digest, r.input_sealed] : [r.seq, r.prev_hash, r.hash],
    ),
  append: (records) => store.append(records),
  addCheckpointIfLast: (c, prevSeq) => store.addCheckpointIfLast(c, prevSeq),
  addCheckpoint: (c) => store.addCheckpoint(c),
  close: () => store.close(),
};

parentPort.on('message', (m) => {
  let value;
  try {
    value = ops[m.op](...m.args);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
    return;
  }
  parentPort.postMessage({ id: m.id, value });
  if (m.op === 'close') parentPort.close();
});
parentPort.postMessage({ ready: true });
