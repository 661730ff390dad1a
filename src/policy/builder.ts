// Runs policy builds in a worker thread (build-worker.js) so the event loop keeps answering decisions
// while a new version compiles; falls back to building on the main thread if the worker cannot start.
import { Worker } from 'node:worker_threads';
import { buildPolicy, buildRevision, type BuildOptions, type BuiltPolicy, type FailedBuild } from './build.ts';
import type { PolicyTree } from '../files.ts';

type Job = ({ kind: 'revision'; repo: string; revision: string } | { kind: 'tree'; tree: PolicyTree; revision: string }) & { opts: BuildOptions };
type Outcome = BuiltPolicy | FailedBuild;

export class PolicyBuilder {
  private worker: Worker | undefined;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Outcome) => void; reject: (e: Error) => void }>();

  private start(): Worker | undefined {
    if (this.worker || this.broken) return this.worker;
    try {
      const w = new Worker(new URL('./build-worker.js', import.meta.url));
      w.unref();
      w.on('message', (m: { id?: number; result?: Outcome; error?: string }) => {
        if (m.id === undefined) return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(revive(m.result!));
      });
      const fail = (e: Error) => {
        this.broken = true;
        this.worker = undefined;
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      };
      w.on('error', fail);
      w.on('exit', (code) => code !== 0 && fail(new Error(`policy build worker exited with code ${code}`)));
      this.worker = w;
    } catch {
      this.broken = true;
    }
    return this.worker;
  }

  private run(job: Job): Promise<Outcome> {
    const w = this.start();
    if (!w) return Promise.resolve(buildHere(job));
    const id = this.nextId++;
    return new Promise<Outcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ ...job, id });
    }).catch((e: Error) => {
      // A worker that died (not a build error: those are results) is replaced by a main-thread build.
      if (this.broken) return buildHere(job);
      throw e;
    });
  }

  buildRevision(repo: string, revision: string, opts: BuildOptions = {}): Promise<Outcome> {
    return this.run({ kind: 'revision', repo, revision, opts });
  }

  buildTree(tree: PolicyTree, revision: string, opts: BuildOptions = {}): Promise<Outcome> {
    return this.run({ kind: 'tree', tree, revision, opts });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.broken = true;
    if (w) await w.terminate();
  }
}

function buildHere(job: Job): Outcome {
  return job.kind === 'revision' ? buildRevision(job.repo, job.revision, job.opts) : buildPolicy(job.tree, job.revision, job.opts);
}

/** Structured clone turns Buffers into Uint8Arrays. */
function revive(r: Outcome): Outcome {
  if (!r.ok) return r;
  return { ...r, bundle: Buffer.from(r.bundle.buffer, r.bundle.byteOffset, r.bundle.byteLength), wasm: new Uint8Array(r.wasm.buffer, r.wasm.byteOffset, r.wasm.byteLength) };
}
