// Runs conformance cases in worker threads with a per-case time limit, so a hang or a crash in
// one case is a failure of that case, never of the run.
import { Worker } from 'node:worker_threads';
import type { ConformanceCase } from './cases.ts';
import type { CaseOutcome } from './runner.ts';

const workerUrl = new URL('./worker.js', import.meta.url);

export interface PoolOptions {
  root: string;
  workers: number;
  /** Per-case limit in milliseconds. */
  timeoutMs: number;
  /** Strict builtin errors (see runner.ts). */
  strict?: boolean;
  onResult?: (o: CaseOutcome) => void;
}

export async function runPool(cases: ConformanceCase[], opts: PoolOptions): Promise<CaseOutcome[]> {
  const results = new Map<string, CaseOutcome>();
  let next = 0;
  const take = (): ConformanceCase | undefined => (next < cases.length ? cases[next++] : undefined);

  const lane = () =>
    new Promise<void>((resolveLane, rejectLane) => {
      let worker: Worker;
      let current: ConformanceCase | undefined;
      let timer: NodeJS.Timeout | undefined;
      const record = (o: CaseOutcome) => {
        results.set(o.id, o);
        opts.onResult?.(o);
      };
      const feed = () => {
        current = take();
        if (!current) {
          void worker.terminate();
          resolveLane();
          return;
        }
        const c = current;
        timer = setTimeout(() => {
          record({ id: c.id, note: c.note, status: 'fail', category: 'timeout', reason: `no answer within ${opts.timeoutMs} ms`, ms: opts.timeoutMs });
          current = undefined;
          void worker.terminate();
          start();
        }, opts.timeoutMs);
        worker.postMessage(c.id);
      };
      const start = () => {
        worker = new Worker(workerUrl, { workerData: { root: opts.root, strict: opts.strict === true }, resourceLimits: { maxOldGenerationSizeMb: 2048 } });
        worker.on('message', (m: CaseOutcome | { ready: true }) => {
          if ('ready' in m) return feed();
          clearTimeout(timer);
          record(m);
          feed();
        });
        worker.on('error', (e) => {
          clearTimeout(timer);
          if (current) {
            record({ id: current.id, note: current.note, status: 'fail', category: 'worker crash', reason: String(e).slice(0, 300), ms: 0 });
            current = undefined;
            start();
          } else rejectLane(e);
        });
      };
      start();
    });

  await Promise.all(Array.from({ length: Math.max(1, opts.workers) }, lane));
  return cases.map((c) => results.get(c.id)!);
}
