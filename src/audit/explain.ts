// `writ audit explain`: rebuild the policy a decision was made with from the Git revision it
// records, prove it is the same bundle (sha256), replay the recorded input with the recorded
// nondeterministic results, and show the result and the rules of the entrypoint's package that held.
import { readFileSync } from 'node:fs';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { loadCompiled } from '../../opa/index.ts';
import { replayingHostBuiltins, type RecordedCall } from '../../opa/builtins/host/index.ts';
import { parseModule } from '../../opa/syntax/parser.ts';
import type { Module } from '../../opa/syntax/ast.ts';
import { buildPolicy, loadTreeAtRevision, servedSources } from '../policy/build.ts';
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

export interface Explanation {
  decision_id: string;
  entrypoint: string;
  api: string;
  revision: string;
  bundle_sha256: string;
  input_source: 'sealed' | 'file';
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
  /** Bare Git repository of the policies. */
  repo: string;
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

export async function explainDecision(rec: DecisionEntry, opts: ExplainOptions): Promise<Explanation> {
  const revision = rec.policy?.revision;
  if (typeof revision !== 'string' || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(revision)) {
    throw new ExplainError(
      `decision ${rec.decision_id} records policy revision ${JSON.stringify(revision)}, which is not a Git commit ` +
        '(decisions made from a watched directory cannot be rebuilt from the repository)',
    );
  }
  let tree;
  try {
    tree = loadTreeAtRevision(opts.repo, revision);
  } catch (e) {
    const msg = ((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim();
    throw new ExplainError(`cannot read revision ${revision} from ${opts.repo}: ${msg}`);
  }
  // The service may compile with policies.strict_builtin_errors; a strict build's manifest records it, so
  // the two modes give different bundle hashes and the recorded hash says which mode made the decision.
  let built = buildPolicy(tree, revision);
  if (built.ok && built.bundle_sha256 !== rec.policy.bundle_sha256) {
    const strictBuild = buildPolicy(tree, revision, { strictBuiltinErrors: true });
    if (strictBuild.ok && strictBuild.bundle_sha256 === rec.policy.bundle_sha256) built = strictBuild;
  }
  if (!built.ok) throw new ExplainError(`revision ${revision} does not compile any more:\n${built.diagnostics}`);
  if (built.bundle_sha256 !== rec.policy.bundle_sha256) {
    throw new ExplainError(
      `bundle hash mismatch: revision ${revision} rebuilds to sha256 ${built.bundle_sha256}, but the record says ` +
        `${rec.policy.bundle_sha256}: the repository does not hold the policy that made this decision`,
    );
  }

  let input: unknown;
  let source: Explanation['input_source'];
  if (opts.inputText !== undefined) {
    try {
      input = parseExact(opts.inputText);
    } catch (e) {
      throw new ExplainError(`--input is not JSON: ${(e as Error).message}`, 2);
    }
    source = 'file';
  } else if (rec.input_sealed) {
    if (!opts.replayKey) throw new ExplainError('the record keeps its input sealed: give the replay key (--replay-key) or the input (--input)', 2);
    input = unsealInput(rec.input_sealed, opts.replayKey, rec.decision_id);
    source = 'sealed';
  } else {
    throw new ExplainError('the record keeps no sealed input: give the unmasked input with --input', 2);
  }
  const digest = inputDigest(input);
  if (digest !== rec.input_digest) {
    throw new ExplainError(`input digest mismatch: the ${source === 'file' ? '--input file' : 'sealed input'} hashes to ${digest}, the record says ${rec.input_digest}`);
  }

  const calls = (rec.nondeterministic ?? []) as RecordedCall[];
  const policy = await loadReplaying(built.wasm, calls, built.strict);
  policy.policy.setData((built.data ?? {}) as object);
  // As the service does: a path that is no entrypoint of the bundle is undefined.
  const ev = built.entrypoints.includes(rec.entrypoint) ? evaluate(policy, input, rec.entrypoint) : { defined: false };
  if ('error' in ev && ev.error && /replay: /.test(ev.error)) throw new ExplainError(`replay diverged from the recording: ${ev.error}`);
  const replayed = serviceResult(rec.api, rec.entrypoint, ev);
  const same = canonicalJson(replayed ?? null) === canonicalJson(rec.result ?? null);

  const modules = servedSources(tree.rego)
    .map((f) => parseModule(f.file, f.text).module)
    .filter((m): m is Module => m !== undefined);
  const { pkg, rules } = packageRules(modules, rec.entrypoint);
  const ruleValues: RuleValue[] = [];
  for (const name of rules) {
    const path = pkg ? `${pkg}/${name}` : name;
    if (!built.entrypoints.includes(path)) continue;
    const r = evaluate(policy, input, path);
    ruleValues.push({ path, defined: r.defined, ...(r.defined ? { value: r.value } : {}), ...(r.error ? { error: r.error } : {}) });
  }
  return {
    decision_id: rec.decision_id,
    entrypoint: rec.entrypoint,
    api: rec.api,
    revision,
    bundle_sha256: built.bundle_sha256,
    input_source: source,
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
