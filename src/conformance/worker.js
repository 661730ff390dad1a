// Worker thread for the conformance runner (plain JS so it can register the TypeScript loader first).
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { loadCases } = await import('./cases.ts');
const { runCase } = await import('./runner.ts');
const { cases } = loadCases(workerData.root);
const byId = new Map(cases.map((c) => [c.id, c]));
parentPort.on('message', (id) => {
  const c = byId.get(id);
  let out;
  try {
    out = runCase(c, { strict: workerData.strict === true });
  } catch (e) {
    out = { id, note: c?.note ?? '', status: 'fail', category: 'harness crash', reason: String(e?.stack ?? e).slice(0, 300), ms: 0 };
  }
  parentPort.postMessage(out);
});
parentPort.postMessage({ ready: true });
