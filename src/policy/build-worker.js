// Builds policy versions off the main thread, so compiling an activation does not stall decisions.
// Plain JS: it registers the tsx loader itself before importing the TypeScript build code.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { buildRevision, buildPolicy } = await import('./build.ts');

parentPort.on('message', (job) => {
  let result;
  try {
    if (job.kind === 'revision') result = buildRevision(job.repo, job.revision, job.opts);
    else result = buildPolicy(job.tree, job.revision, job.opts);
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e), name: e?.name });
    return;
  }
  const transfer = result.ok ? [result.wasm.buffer, result.bundle.buffer].filter((b, i, a) => a.indexOf(b) === i && b.byteLength > 0) : [];
  try {
    parentPort.postMessage({ id: job.id, result }, transfer);
  } catch {
    parentPort.postMessage({ id: job.id, result });
  }
});
parentPort.postMessage({ ready: true });
