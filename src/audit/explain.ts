// `writ audit explain`: find the bundle a decision was made with and replay the recorded input with the
// recorded nondeterministic results, showing the result and the rules of the entrypoint's package that
// held. The bundle comes from the data directory's store (<data-dir>/bundles/<sha256>.tar.gz, kept for
// every activated version) or the auditor's --bundle file, checked against the recorded sha256: it is
// the very artefact that evaluated the decision. The Git revision is also rebuilt and compared; a
// rebuild that differs (a newer compiler emits other bytes) is a warning when the stored bundle is
// there, and the explanation fails only when neither a stored bundle nor a rebuild has the recorded hash.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { loadCompiled } from '../../opa/index.ts';
import { replayingHostBuiltins, type RecordedCall } from '../../opa/builtins/host/index.ts';
import { parseModule } from '../../opa/syntax/parser.ts';
import type { Module } from '../../opa/syntax/ast.ts';
import { readBundle, sha256Hex } from '../bundle/bundle.ts';
import { buildPolicy, loadTreeAtRevision, manifestIsStrict, servedSources, type BuildOptions, type BuiltPolicy, type FailedBuild } from '../policy/build.ts';
import type { PolicyTree } from '../files.ts';
import { normaliseDecision } from '../service/normalise.ts';
import { canonicalJson } from './canonical.ts';
import { parseExact } from './json.ts';
import { inputDigest, unsealInput, type DecisionEntry } from './record.ts';

export class ExplainError extends Error {
  constructor(
    message: string,
    /** Exit status for the CLI: 1 = the evidence does not hold, 2 = cannot be checked as asked. */
    readonly status: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export interface RuleValue {
  /** `a/b/rule` */
  path: string;
  defined: boolean;
  value?: unknown;
  error?: string;
}

/** Where the replayed bundle came from. */
export type PolicySource = 'stored-bundle' | 'bundle-file' | 'rebuild';

export interface RebuildOutcome {
  /** match: the rebuild has the recorded sha256; mismatch: it builds to other bytes; failed: it does not
   *  compile; unavailable: the revision cannot be read (not a Git commit, no repository, unknown commit). */
  status: 'match' | 'mismatch' | 'failed' | 'unavailable';
  /** The compiler that rebuilt it (`writ <version>`). */
  compiler: string;
  bundle_sha256?: string;
  message?: string;
}

export interface Explanation {
  decision_id: string;
  entrypoint: string;
  api: string;
  revision: string;
  /** The sha256 of the bundle replayed: always the recorded one. */
  bundle_sha256: string;
  policy_source: PolicySource;
  /** The bundle file replayed (stored-bundle, bundle-file). */
  bundle_path?: string;
  rebuild: RebuildOutcome;
  /** What the auditor should know although the explanation holds (a rebuild that differs, a refused stored bundle). */
  warnings: string[];
  input_source: 'sealed' | 'record' | 'file';
  /** The entrypoint's replayed value (undefined when the entrypoint was undefined). */
  value: unknown;
  defined: boolean;
  /** What the service answers for that value (v1/decisions: the normalised decision). */
  replayed_result: unknown;
  recorded_result: unknown;
  same_result: boolean;
  rules: RuleValue[];
}

export interface ExplainOptions {
  /** Bare Git repository of the policies (absent: no rebuild is attempted). */
  repo?: string;
  /** The data directory's bundle store (<data-dir>/bundles): <recorded sha256>.tar.gz is replayed if present. */
  bundleDir?: string;
  /** The auditor's copy of the bundle; must hash to the recorded sha256 (takes the place of bundleDir). */
  bundleFile?: string;
  /** How a revision is rebuilt; tests inject a different compiler here. Default: buildPolicy. */
  build?: (tree: PolicyTree, revision: string, opts: BuildOptions) => BuiltPolicy | FailedBuild;
  /** The auditor's copy of the unmasked input (JSON text); otherwise the sealed input is opened. */
  inputText?: string;
  replayKey?: Buffer;
}

/** A policy whose nondeterministic builtins replay a recording; each evaluation starts the replay anew. */
async function loadReplaying(wasm: Uint8Array, calls: RecordedCall[], strict: boolean): Promise<{ policy: LoadedPolicy; reset(): void }> {
  let current = replayingHostBuiltins(calls);
  const forward: Record<string, (...args: unknown[]) => unknown> = {};
  for (const name of Object.keys(current)) forward[name] = (...args) => current[name](...args);
  const policy = await loadCompiled(wasm, forward, { strictBuiltinErrors: strict });
  return { policy, reset: () => (current = replayingHostBuiltins(calls)) };
}

function evaluate(p: { policy: LoadedPolicy; reset(): void }, input: unknown, ep: string): { defined: boolean; value?: unknown; error?: string } {
  p.reset();
  try {
    const rows = p.policy.evaluate(input, ep) as Array<{ result: unknown }>;
    if (!Array.isArray(rows) || rows.length === 0) return { defined: false };
    return { defined: true, value: rows[0].result };
  } catch (e) {
    return { defined: false, error: typeof e === 'string' ? e : ((e as Error).message ?? String(e)) };
  }
}

/** The package the entrypoint lies in (the longest package path it starts with) and its rule names. */
function packageRules(modules: Module[], ep: string): { pkg: string; rules: string[] } {
  const parts = ep.split('/');
  let best: string[] = [];
  for (const m of modules) {
    const p = m.package;
    if (p.length > best.length && p.length <= parts.length && p.every((s, i) => s === parts[i])) best = p;
  }
  const names = new Set<string>();
  for (const m of modules) {
    if (m.package.join('/') !== best.join('/')) continue;
    for (const r of m.rules) {
      const first = r.ref[0];
      if (r.kind === 'function' || !first || first.type !== 'string') continue;
      names.add(first.value);
    }
  }
  return { pkg: best.join('/'), rules: [...names].sort() };
}

/** The result the service records for an evaluation (src/service/app.ts): v1/decisions normalises it. */
function serviceResult(api: string, entrypoint: string, ev: { defined: boolean; value?: unknown; error?: string }): unknown {
  if (api === 'v1/decisions') return normaliseDecision(entrypoint, { defined: ev.defined, result: ev.value, error: ev.error, nondeterministic: [] });
  if (ev.error) return { error: ev.error };
  return ev.defined ? ev.value : undefined;
}

/** The compiler this process rebuilds with, as warnings name it. */
export const compilerName = (() => {
  try {
    return `writ ${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;
  } catch {
    return 'writ (unknown version)';
  }
})();

/** A bundle ready to replay: its bytes hash to the recorded sha256. */
interface ReplayBundle {
  wasm: Uint8Array;
  data: unknown;
  entrypoints: string[];
  strict: boolean;
  /** Served Rego sources (the bundle's own copy), for the rules listing. */
  rego: Array<{ file: string; text: string }>;
  /** The manifest's revision. */
  revision?: string;
}

function fromBundleBytes(bytes: Buffer, what: string): ReplayBundle {
  let b;
  try {
    b = readBundle(bytes);
  } catch (e) {
    throw new ExplainError(`${what} has the recorded sha256 but cannot be read: ${(e as Error).message}`);
  }
  return {
    wasm: b.wasm,
    data: b.data,
    entrypoints: (b.manifest.wasm ?? []).map((w) => w.entrypoint),
    strict: manifestIsStrict(b.manifest.metadata),
    rego: servedSources(b.rego),
    revision: b.manifest.revision || undefined,
  };
}

/**
 * The bundle the decision names: --bundle (refused unless it has the recorded hash), else the data
 * directory's stored copy. A stored copy with other bytes is refused with a warning, never replayed.
 */
function storedBundle(recorded: string, opts: ExplainOptions, warnings: string[]): { bundle: ReplayBundle; path: string; source: PolicySource } | undefined {
  if (opts.bundleFile !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(opts.bundleFile);
    } catch (e) {
      throw new ExplainError(`--bundle ${opts.bundleFile}: ${(e as Error).message}`, 2);
    }
    const sha = sha256Hex(bytes);
    if (sha !== recorded) throw new ExplainError(`--bundle ${opts.bundleFile} has sha256 ${sha}, but the record says ${recorded}: it is not the bundle that made this decision`);
    return { bundle: fromBundleBytes(bytes, `--bundle ${opts.bundleFile}`), path: opts.bundleFile, source: 'bundle-file' };
  }
  if (!opts.bundleDir) return undefined;
  const path = join(opts.bundleDir, `${recorded}.tar.gz`);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const sha = sha256Hex(bytes);
  if (sha !== recorded) {
    warnings.push(`stored bundle ${path} refused: its bytes hash to ${sha}, not the recorded ${recorded} (the file was altered or damaged)`);
    return undefined;
  }
  return { bundle: fromBundleBytes(bytes, `stored bundle ${path}`), path, source: 'stored-bundle' };
}

const isCommit = (revision: string) => /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(revision);

/** Rebuild the recorded revision from Git in the mode the record names (strict builds hash differently). */
function rebuild(revision: string, recorded: string, opts: ExplainOptions, strictHint: boolean | undefined): { outcome: RebuildOutcome; built?: BuiltPolicy } {
  const compiler = compilerName;
  if (!isCommit(revision)) {
    return { outcome: { status: 'unavailable', compiler, message: `revision ${JSON.stringify(revision)} is not a Git commit (decisions made from a watched directory cannot be rebuilt from the repository)` } };
  }
  if (!opts.repo) return { outcome: { status: 'unavailable', compiler, message: 'no policy repository to rebuild from' } };
  let tree: PolicyTree;
  try {
    tree = loadTreeAtRevision(opts.repo, revision);
  } catch (e) {
    const msg = ((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim();
    return { outcome: { status: 'unavailable', compiler, message: `cannot read revision ${revision} from ${opts.repo}: ${msg}` } };
  }
  const build = opts.build ?? buildPolicy;
  // A strict build's manifest records the mode; without a stored bundle to say which, try both.
  const modes = strictHint === undefined ? [false, true] : [strictHint];
  let first: BuiltPolicy | FailedBuild | undefined;
  for (const strict of modes) {
    const b = build(tree, revision, { strictBuiltinErrors: strict });
    first ??= b;
    if (b.ok && b.bundle_sha256 === recorded) return { outcome: { status: 'match', compiler, bundle_sha256: b.bundle_sha256 }, built: b };
  }
  if (!first!.ok) return { outcome: { status: 'failed', compiler, message: `revision ${revision} does not compile any more:\n${first!.diagnostics}` } };
  return {
    outcome: { status: 'mismatch', compiler, bundle_sha256: first!.bundle_sha256, message: `revision ${revision} rebuilds to sha256 ${first!.bundle_sha256}, but the record says ${recorded}` },
  };
}

export async function explainDecision(rec: DecisionEntry, opts: ExplainOptions): Promise<Explanation> {
  const revision = rec.policy?.revision;
  const recorded = rec.policy?.bundle_sha256;
  if (typeof revision !== 'string' || typeof recorded !== 'string' || !/^[0-9a-f]{64}$/.test(recorded)) {
    throw new ExplainError(`decision ${rec.decision_id} records no usable policy provenance: ${JSON.stringify(rec.policy ?? null)}`);
  }
  const warnings: string[] = [];
  const stored = storedBundle(recorded, opts, warnings);
  const rb = rebuild(revision, recorded, opts, stored?.bundle.strict);
  let chosen: ReplayBundle;
  let source: PolicySource;
  if (stored) {
    chosen = stored.bundle;
    source = stored.source;
    // The hash binds the bytes to the record; a manifest naming another revision is still worth saying.
    if (chosen.revision !== undefined && chosen.revision !== revision) warnings.push(`the bundle's manifest names revision ${chosen.revision}, the record ${revision}`);
    if (rb.outcome.status === 'mismatch') {
      warnings.push(`rebuilt with compiler ${rb.outcome.compiler} gives a different hash (${rb.outcome.bundle_sha256}); the stored bundle was used`);
    } else if (rb.outcome.status === 'failed' || (rb.outcome.status === 'unavailable' && isCommit(revision))) {
      // A watched directory's revision is never rebuildable (the rebuild line says so); a commit should be.
      warnings.push(`not rebuilt (${rb.outcome.message!.split('\n')[0]}); the stored bundle was used`);
    }
  } else if (rb.built) {
    chosen = { wasm: rb.built.wasm, data: rb.built.data, entrypoints: rb.built.entrypoints, strict: rb.built.strict, rego: servedSources(readBundle(rb.built.bundle).rego) };
    source = 'rebuild';
  } else {
    // Neither the bundle store nor the repository holds the policy that made this decision.
    const where = opts.bundleDir ? `; no stored bundle ${join(opts.bundleDir, `${recorded}.tar.gz`)} with that hash` : '';
    const refused = warnings.length ? `; ${warnings.join('; ')}` : '';
    if (rb.outcome.status === 'mismatch') {
      throw new ExplainError(`bundle hash mismatch: ${rb.outcome.message}: the repository does not hold the policy that made this decision${where}${refused}`);
    }
    throw new ExplainError(`${rb.outcome.message}${where}${refused}`);
  }

  let input: unknown;
  let inputSource: Explanation['input_source'];
  if (opts.inputText !== undefined) {
    try {
      input = parseExact(opts.inputText);
    } catch (e) {
      throw new ExplainError(`--input is not JSON: ${(e as Error).message}`, 2);
    }
    inputSource = 'file';
  } else if (rec.input_sealed) {
    if (!opts.replayKey) throw new ExplainError('the record keeps its input sealed: give the replay key (--replay-key) or the input (--input)', 2);
    input = unsealInput(rec.input_sealed, opts.replayKey, rec.decision_id);
    inputSource = 'sealed';
  } else {
    // Nothing was masked: the record's input is the whole input (the digest check below proves it).
    input = rec.input;
    inputSource = 'record';
  }
  const digest = inputDigest(input);
  if (digest !== rec.input_digest) {
    if (inputSource === 'record') throw new ExplainError('the record keeps no sealed input and its logged input was masked: give the unmasked input with --input', 2);
    throw new ExplainError(`input digest mismatch: the ${inputSource === 'file' ? '--input file' : 'sealed input'} hashes to ${digest}, the record says ${rec.input_digest}`);
  }

  const calls = (rec.nondeterministic ?? []) as RecordedCall[];
  const policy = await loadReplaying(chosen.wasm, calls, chosen.strict);
  policy.policy.setData((chosen.data ?? {}) as object);
  // As the service does: a path that is no entrypoint of the bundle is undefined.
  const ev = chosen.entrypoints.includes(rec.entrypoint) ? evaluate(policy, input, rec.entrypoint) : { defined: false };
  if ('error' in ev && ev.error && /replay: /.test(ev.error)) throw new ExplainError(`replay diverged from the recording: ${ev.error}`);
  const replayed = serviceResult(rec.api, rec.entrypoint, ev);
  const same = canonicalJson(replayed ?? null) === canonicalJson(rec.result ?? null);

  const modules = chosen.rego
    .map((f) => parseModule(f.file, f.text).module)
    .filter((m): m is Module => m !== undefined);
  const { pkg, rules } = packageRules(modules, rec.entrypoint);
  const ruleValues: RuleValue[] = [];
  for (const name of rules) {
    const path = pkg ? `${pkg}/${name}` : name;
    if (!chosen.entrypoints.includes(path)) continue;
    const r = evaluate(policy, input, path);
    ruleValues.push({ path, defined: r.defined, ...(r.defined ? { value: r.value } : {}), ...(r.error ? { error: r.error } : {}) });
  }
  return {
    decision_id: rec.decision_id,
    entrypoint: rec.entrypoint,
    api: rec.api,
    revision,
    bundle_sha256: recorded,
    policy_source: source,
    ...(stored ? { bundle_path: stored.path } : {}),
    rebuild: rb.outcome,
    warnings,
    input_source: inputSource,
    value: ev.value,
    defined: ev.defined,
    replayed_result: replayed,
    recorded_result: rec.result,
    same_result: same,
    rules: ruleValues,
  };
}

export function readInputFile(path: string): string {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}
