// Building a policy version from Rego sources: every rule and package becomes an entrypoint (so any
// data path can be asked), the bundle is byte-deterministic, and its sha256 is the version's identity.
// `writ audit explain` rebuilds a recorded revision through buildPolicy, so keep it deterministic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { compile, formatDiagnostics, type SourceFile } from '../../opa/index.ts';
import type { Module } from '../../opa/syntax/ast.ts';
import { parseModule } from '../../opa/syntax/parser.ts';
import { writeBundle, sha256Hex } from '../bundle/bundle.ts';
import { loadPolicyTree, type PolicyTree } from '../files.ts';

export interface BuiltPolicy {
  ok: true;
  revision: string;
  wasm: Uint8Array;
  bundle: Buffer;
  bundle_sha256: string;
  entrypoints: string[];
  data: unknown;
  /** Compiled (and to be loaded) with strict builtin errors; recorded in the manifest's metadata. */
  strict: boolean;
}

export interface BuildOptions {
  /** OPA's --strict-builtin-errors (policies.strict_builtin_errors). */
  strictBuiltinErrors?: boolean;
}

/** The manifest metadata key a strict build carries (absent otherwise, so default bundles keep their bytes). */
export const strictMetadataKey = 'writ_strict_builtin_errors';

/** Whether a bundle manifest says its wasm was compiled with strict builtin errors. */
export function manifestIsStrict(metadata: Record<string, unknown> | undefined): boolean {
  return metadata?.[strictMetadataKey] === true;
}

export interface FailedBuild {
  ok: false;
  /** `file:line:col: code: message` lines, as `writ check` prints them. */
  diagnostics: string;
}

/** Test files stay out of the served bundle: they are run before a push is accepted, not served. */
export function servedSources(rego: SourceFile[]): SourceFile[] {
  return rego.filter((f) => !f.file.endsWith('_test.rego'));
}

/** Every package prefix and every (non-function) rule path of the checked modules, as `a/b/c`. */
export function allEntrypoints(modules: Module[]): string[] {
  const eps = new Set<string>();
  for (const m of modules) {
    for (let i = 1; i <= m.package.length; i++) eps.add(m.package.slice(0, i).join('/'));
    for (const r of m.rules) {
      if (r.kind === 'function') continue;
      const path = [...m.package];
      for (const t of r.ref) {
        if (t.type !== 'string') break;
        path.push(t.value);
      }
      eps.add(path.join('/'));
    }
  }
  return [...eps].sort();
}

/** Compile sources (test files excluded) into a bundle whose manifest records `revision`. */
export function buildPolicy(tree: PolicyTree, revision: string, opts: BuildOptions = {}): BuiltPolicy | FailedBuild {
  const strict = opts.strictBuiltinErrors === true;
  const rego = servedSources(tree.rego).slice().sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  if (rego.length === 0) return { ok: false, diagnostics: 'policy: rego_compile_error: the policy has no .rego files' };
  // Parsing alone names the packages and rules; the full compile below reports any error.
  const modules = rego.map((f) => parseModule(f.file, f.text).module).filter((m): m is Module => m !== undefined);
  const eps = allEntrypoints(modules);
  const r = compile(rego, { entrypoints: eps, strictBuiltinErrors: strict });
  if (!r.ok || !r.wasm) return { ok: false, diagnostics: formatDiagnostics(r) };
  const bundle = writeBundle({
    manifest: { revision, roots: [''], wasm: r.entrypoints.map((e) => ({ entrypoint: e, module: '/policy.wasm' })), rego_version: 1, ...(strict ? { metadata: { [strictMetadataKey]: true } } : {}) },
    wasm: r.wasm,
    data: tree.data,
    rego,
  });
  return { ok: true, revision, wasm: r.wasm, bundle, bundle_sha256: sha256Hex(bundle), entrypoints: r.entrypoints, data: tree.data, strict };
}

/** Read a policy tree from a directory with file names relative to it (as they appear in Git). */
export function loadTreeRelative(dir: string): PolicyTree {
  const tree = loadPolicyTree([dir]);
  return { rego: tree.rego.map((f) => ({ file: relative(dir, f.file).split('\\').join('/'), text: f.text })), data: tree.data };
}

/** The policy tree of a commit in a (bare) Git repository. */
export function loadTreeAtRevision(repo: string, revision: string): PolicyTree {
  const dir = mkdtempSync(join(tmpdir(), 'writ-rev-'));
  try {
    const tar = execFileSync('git', ['--git-dir', repo, 'archive', '--format=tar', revision], { maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    execFileSync('tar', ['-x', '-C', dir], { input: tar, stdio: ['pipe', 'ignore', 'pipe'] });
    return loadTreeRelative(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rebuild the bundle of a recorded Git revision (what `writ audit explain` checks the hash of). */
export function buildRevision(repo: string, revision: string, opts: BuildOptions = {}): BuiltPolicy | FailedBuild {
  return buildPolicy(loadTreeAtRevision(repo, revision), revision, opts);
}
