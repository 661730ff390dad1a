// The policy store: the hosted Git repository, the activation history and the active version.
// Activations run one at a time; a failed build never replaces the running version (keep last good).
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, type KeyObject } from 'node:crypto';
import { readBundle, sha256Hex, BundleError } from '../bundle/bundle.ts';
import { verifyBundle } from '../bundle/signing.ts';
import { canonicalJson } from '../audit/canonical.ts';
import { dataDirLayout } from '../audit/record.ts';
import { loadTreeRelative, manifestIsStrict, type BuiltPolicy } from './build.ts';
import { PolicyBuilder } from './builder.ts';
import { PolicyHistory, type HistoryRow } from './history.ts';
import { ensureRepository, installHook, headOf, commitExists, PolicyStoreError } from './repo.ts';
import { ActivePolicy, PolicyVersion, type VersionSource } from './version.ts';

export { PolicyStoreError } from './repo.ts';

export const policiesDb = 'policies.db';

export interface PolicyStoreOptions {
  dataDir: string;
  /** Seeds the repository on first start. */
  seedDir: string;
  branch?: string;
  /** Refuse anything but bundles signed by `verificationKey`. */
  requireSignedBundles?: boolean;
  verificationKey?: KeyObject | string;
  /** Compile and load git/dir versions with strict builtin errors (policies.strict_builtin_errors).
   *  Uploaded bundles load in the mode their manifest records. */
  strictBuiltinErrors?: boolean;
  now?: () => Date;
  /** Operational messages (activations, refused builds). */
  log?: (msg: string) => void;
}

/** Write a bundle file whole or not at all (a crash mid-write must not leave a truncated copy under its hash). */
function keepBundle(file: string, bytes: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export class ActivationError extends Error {
  constructor(
    message: string,
    readonly diagnostics?: string,
  ) {
    super(message);
    this.name = 'ActivationError';
  }
}

export class PolicyStore {
  readonly active = new ActivePolicy();
  readonly repo: string;
  readonly branch: string;
  private readonly history: PolicyHistory;
  private readonly bundlesDir: string;
  private readonly now: () => Date;
  private readonly log: (msg: string) => void;
  private queue: Promise<unknown> = Promise.resolve();
  /** Compiles in a worker thread: decisions keep flowing while a version builds. */
  private readonly builder = new PolicyBuilder();
  private get buildOpts() {
    return { strictBuiltinErrors: this.opts.strictBuiltinErrors === true };
  }

  private constructor(private readonly opts: PolicyStoreOptions) {
    this.repo = join(opts.dataDir, dataDirLayout.policyRepo);
    this.branch = opts.branch ?? 'main';
    this.bundlesDir = join(opts.dataDir, dataDirLayout.bundles);
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => undefined);
    this.history = new PolicyHistory(join(opts.dataDir, policiesDb));
  }

  /** Open (or create) the store and come back on the last good version; a damaged store throws. */
  static async open(opts: PolicyStoreOptions): Promise<PolicyStore> {
    mkdirSync(opts.dataDir, { recursive: true });
    const store = new PolicyStore(opts);
    try {
      await store.restore();
    } catch (e) {
      store.history.close();
      await store.builder.close();
      throw e;
    }
    return store;
  }

  private async restore(): Promise<void> {
    const last = this.history.last();
    if (last && !existsSync(this.repo)) throw new PolicyStoreError(`policy store damaged: repository ${this.repo} is missing but ${policiesDb} records revision ${last.revision}`);
    ensureRepository(this.repo, this.opts.seedDir, this.branch);
    installHook(this.repo, { branch: this.branch, require_signed_bundles: !!this.opts.requireSignedBundles, strict_builtin_errors: this.opts.strictBuiltinErrors === true });
    mkdirSync(this.bundlesDir, { recursive: true });
    const lastGood = last?.source === 'dir' ? this.history.last('git') ?? this.history.last('bundle') : last;
    if (lastGood) {
      await this.restoreVersion(lastGood);
      // A push accepted by the hook but not activated before a crash: activate it now.
      if (lastGood.source === 'git' && !this.opts.requireSignedBundles) {
        const head = headOf(this.repo, this.branch);
        if (head && head !== lastGood.revision) await this.activateRevision(head, 'writ (accepted push activated at startup)').catch((e) => this.log(`${e.message}`));
      }
      return;
    }
    if (this.opts.requireSignedBundles) return; // nothing is active until a signed bundle arrives
    const head = headOf(this.repo, this.branch);
    if (!head) throw new PolicyStoreError(`policy store damaged: refs/heads/${this.branch} of ${this.repo} cannot be read`);
    await this.activateRevision(head, 'writ (initial import)').catch((e: ActivationError) => {
      throw new PolicyStoreError(`the initial policy ${head} does not build:\n${e.diagnostics ?? e.message}`);
    });
  }

  private async restoreVersion(row: HistoryRow): Promise<void> {
    if (row.source === 'bundle') {
      const path = join(this.bundlesDir, `${row.bundle_sha256}.tar.gz`);
      if (!existsSync(path)) throw new PolicyStoreError(`policy store damaged: bundle ${path} of the active version is missing`);
      const bytes = readFileSync(path);
      if (sha256Hex(bytes) !== row.bundle_sha256) throw new PolicyStoreError(`policy store damaged: ${path} does not match its recorded sha256`);
      await this.loadBundleVersion(bytes, row.revision, row.pushed_by, row.time, false);
      return;
    }
    if (!commitExists(this.repo, row.revision)) throw new PolicyStoreError(`policy store damaged: recorded revision ${row.revision} is not in ${this.repo}`);
    const built = await this.builder.buildRevision(this.repo, row.revision, this.buildOpts);
    if (!built.ok) throw new PolicyStoreError(`policy store damaged: recorded good revision ${row.revision} no longer compiles:\n${built.diagnostics}`);
    if (built.bundle_sha256 !== row.bundle_sha256) {
      // A different writ build compiles the same sources to other bytes: record the new identity.
      this.log(`revision ${row.revision} rebuilt with bundle sha256 ${built.bundle_sha256} (was ${row.bundle_sha256})`);
      await this.install(built, 'git', 'writ (rebuilt at startup)', true);
      return;
    }
    await this.install(built, 'git', row.pushed_by, false, row.time);
  }

  /** Run activations one at a time, in order. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const p = this.queue.then(f, f);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async install(built: BuiltPolicy, source: VersionSource, pushedBy: string, record: boolean, time?: string): Promise<PolicyVersion> {
    const v = await PolicyVersion.load({
      revision: built.revision,
      bundle_sha256: built.bundle_sha256,
      bundle: built.bundle,
      wasm: built.wasm,
      entrypoints: built.entrypoints,
      data: built.data,
      strict: built.strict,
      pushed_by: pushedBy,
      time: time ?? this.now().toISOString(),
      source,
    });
    // Every activated bundle is kept by its sha256 and never deleted: `writ audit explain` replays a
    // decision with the very bytes that evaluated it, whatever a later compiler would build.
    const file = join(this.bundlesDir, `${built.bundle_sha256}.tar.gz`);
    if (!existsSync(file)) keepBundle(file, built.bundle);
    else if (sha256Hex(readFileSync(file)) !== built.bundle_sha256) {
      this.log(`kept bundle ${file} did not match its sha256 (altered or damaged); rewritten from the activated version`);
      keepBundle(file, built.bundle);
    }
    if (record) this.history.record(v.info());
    this.active.swap(v);
    this.log(`activated ${source} revision ${v.revision} (bundle sha256 ${v.bundle_sha256}) pushed by ${pushedBy}`);
    return v;
  }

  /** Build and activate a commit of the repository. */
  activateRevision(revision: string, pushedBy: string): Promise<PolicyVersion> {
    return this.serial(async () => {
      if (this.opts.requireSignedBundles) throw new ActivationError('this service only activates signed bundles');
      const built = await this.builder.buildRevision(this.repo, revision, this.buildOpts);
      if (!built.ok) throw new ActivationError(`revision ${revision} does not build; keeping ${this.active.current()?.revision ?? 'no policy'}`, built.diagnostics);
      return this.install(built, 'git', pushedBy, true);
    });
  }

  /** After a push: activate the branch head if it moved. Returns the new version, if any. */
  async syncBranch(pushedBy: string): Promise<PolicyVersion | undefined> {
    const head = headOf(this.repo, this.branch);
    const cur = this.active.current();
    if (!head || (cur?.source === 'git' && cur.revision === head)) return undefined;
    return this.activateRevision(head, pushedBy);
  }

  /** Build and activate a working directory (`serve --watch`); revision "dir:<sha256 of the sources>". */
  activateDirectory(dir: string, pushedBy = 'watch'): Promise<PolicyVersion> {
    return this.serial(async () => {
      if (this.opts.requireSignedBundles) throw new ActivationError('this service only activates signed bundles');
      let tree;
      try {
        tree = loadTreeRelative(dir);
      } catch (e) {
        throw new ActivationError(`${dir} cannot be read; keeping the running version`, (e as Error).message);
      }
      const h = createHash('sha256');
      for (const f of [...tree.rego].sort((a, b) => (a.file < b.file ? -1 : 1))) h.update(f.file).update('\0').update(f.text).update('\0');
      h.update(canonicalJson(tree.data));
      const revision = `dir:${h.digest('hex')}`;
      const cur = this.active.current();
      if (cur?.revision === revision) return cur;
      const built = await this.builder.buildTree(tree, revision, this.buildOpts);
      if (!built.ok) throw new ActivationError(`${dir} does not build; keeping ${cur?.revision ?? 'no policy'}`, built.diagnostics);
      return this.install(built, 'dir', pushedBy, true);
    });
  }

  /** Activate an uploaded bundle (verified first when signatures are required). */
  activateBundle(bytes: Buffer, pushedBy: string): Promise<PolicyVersion> {
    return this.serial(async () => {
      const sha = sha256Hex(bytes);
      let revision: string;
      try {
        revision = readBundle(bytes).manifest.revision || `bundle:${sha}`;
      } catch (e) {
        throw new ActivationError(`not a bundle: ${(e as Error).message}`);
      }
      return this.loadBundleVersion(bytes, revision, pushedBy, this.now().toISOString(), true);
    });
  }

  private async loadBundleVersion(bytes: Buffer, revision: string, pushedBy: string, time: string, record: boolean): Promise<PolicyVersion> {
    if (this.opts.requireSignedBundles) {
      if (!this.opts.verificationKey) throw new ActivationError('signed bundles are required but no verification key is configured');
      const v = await verifyBundle(bytes, this.opts.verificationKey);
      if (!v.ok) throw new ActivationError(`bundle refused: ${v.reason}`);
    }
    let b;
    try {
      b = readBundle(bytes);
    } catch (e) {
      throw new ActivationError(`bundle refused: ${(e as Error).message}`);
    }
    const entrypoints = (b.manifest.wasm ?? []).map((w) => w.entrypoint);
    if (entrypoints.length === 0) throw new ActivationError('bundle refused: its manifest names no wasm entrypoints');
    try {
      return await this.install({ ok: true, revision, wasm: b.wasm, bundle: bytes, bundle_sha256: sha256Hex(bytes), entrypoints, data: b.data, strict: manifestIsStrict(b.manifest.metadata) }, 'bundle', pushedBy, record, time);
    } catch (e) {
      if (e instanceof BundleError) throw new ActivationError(`bundle refused: ${e.message}`);
      throw new ActivationError(`bundle refused: policy.wasm does not load: ${(e as Error).message}`);
    }
  }

  listHistory(limit = 100): HistoryRow[] {
    return this.history.list(limit);
  }

  /** Wait for activations in progress. */
  async idle(): Promise<void> {
    await this.queue;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.builder.close();
    this.history.close();
  }
}
