// The compiler's front door: Rego sources in, an OPA-ABI wasm module (or diagnostics) out.
// Everything outside opa/ (CLI, service, tests) compiles through this file.
import { createRequire } from 'node:module';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import type { Body, Module } from './syntax/ast.ts';
import { parseModule, parseQuery } from './syntax/parser.ts';
import { SourceSet, formatDiagnostic, type Diagnostic } from './syntax/diagnostics.ts';
import { check } from './check/index.ts';
import { plan } from './planner/index.ts';
import { generateWasm } from './wasm/index.ts';
import type { Policy } from './ir/ir.ts';
import { builtins as allBuiltins, type BuiltinDef } from './builtins/registry.ts';
import { hostBuiltins } from './builtins/host/index.ts';

// The SDK's ESM entry exports only loadPolicy; its CommonJS entry has loadPolicySync too.
const opaWasm = createRequire(import.meta.url)('@open-policy-agent/opa-wasm') as typeof import('@open-policy-agent/opa-wasm');

export type { Diagnostic } from './syntax/diagnostics.ts';
export type { Policy } from './ir/ir.ts';
export { SourceSet, formatDiagnostic } from './syntax/diagnostics.ts';
export { hostBuiltins } from './builtins/host/index.ts';

export interface SourceFile {
  file: string;
  text: string;
}

/** OPA's capabilities file: only `builtins` is read (name + decl). */
export interface Capabilities {
  builtins: Array<{ name: string; decl: BuiltinDef['decl'] }>;
}

export interface CompileOptions {
  /** Entrypoints as OPA writes them: `writ/postgres/decision` (also accepts `data.writ.postgres.decision`). */
  entrypoints?: string[];
  /** A Rego query compiled as an extra plan named `eval` (rows keyed by its variables). */
  query?: string;
  /** Restrict (and extend, with host builtins the caller supplies) the builtins as `opa build --capabilities`. */
  capabilities?: Capabilities;
  /** Stop after the checks (writ check). */
  checkOnly?: boolean;
  /**
   * OPA's --strict-builtin-errors: a failing builtin aborts the evaluation with
   * "<file>:<row>:<col>: eval_type_error|eval_builtin_error: <builtin>: <message>" instead of being
   * undefined. Load such modules with `loadCompiled(wasm, {}, { strictBuiltinErrors: true })`.
   */
  strictBuiltinErrors?: boolean;
}

export interface CompileResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  sources: SourceSet;
  modules: Module[];
  policy?: Policy;
  wasm?: Uint8Array;
  /** Entrypoint names in id order, as the module's entrypoints() reports them. */
  entrypoints: string[];
  queryVars: string[];
  /** Time spent in each stage, in milliseconds. */
  stages: Array<{ name: string; ms: number }>;
}

/** `a/b/c` or `data.a.b.c` -> ["a","b","c"]. */
export function entrypointPath(ep: string): string[] {
  const s = ep.trim();
  if (s.startsWith('data.')) return s.slice(5).split('.');
  if (s === 'data') return [];
  return s.split('/').filter((p) => p.length > 0);
}

/** The builtins a compilation may call: writ's table, narrowed/extended by a capabilities file. */
export function builtinsFor(capabilities?: Capabilities): ReadonlyMap<string, BuiltinDef> {
  if (!capabilities) return allBuiltins;
  const out = new Map<string, BuiltinDef>();
  for (const b of capabilities.builtins ?? []) {
    const known = allBuiltins.get(b.name);
    // A builtin writ does not implement but the capabilities declare is a host call the caller provides.
    out.set(b.name, known ?? { name: b.name, impl: 'host', decl: b.decl });
  }
  return out;
}

export function compile(files: SourceFile[], opts: CompileOptions = {}): CompileResult {
  const sources = new SourceSet();
  const stages: Array<{ name: string; ms: number }> = [];
  const diagnostics: Diagnostic[] = [];
  const result = (extra: Partial<CompileResult>): CompileResult => ({
    ok: diagnostics.length === 0,
    diagnostics,
    sources,
    modules: [],
    entrypoints: [],
    queryVars: [],
    stages,
    ...extra,
  });
  const timed = <T>(name: string, f: () => T): T => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      stages.push({ name, ms: performance.now() - t0 });
    }
  };

  const parsed: Module[] = [];
  let queryBody: Body | undefined;
  timed('parse', () => {
    for (const f of files) {
      sources.add(f.file, f.text);
      const r = parseModule(f.file, f.text);
      diagnostics.push(...r.diagnostics);
      if (r.module) parsed.push(r.module);
    }
    if (opts.query !== undefined) {
      sources.add('query.rego', opts.query);
      const r = parseQuery('query.rego', opts.query);
      diagnostics.push(...r.diagnostics);
      queryBody = r.body;
    }
  });
  if (diagnostics.length > 0) return result({ modules: parsed });

  const builtins = builtinsFor(opts.capabilities);
  const checked = timed('check', () => check({ modules: parsed, query: queryBody, builtins }));
  stages.push(...checked.stages.map((s) => ({ name: `check/${s.name}`, ms: s.ms })));
  diagnostics.push(...checked.diagnostics);
  if (diagnostics.length > 0 || opts.checkOnly) return result({ modules: checked.modules, queryVars: checked.queryVars });

  const eps = (opts.entrypoints ?? []).map(entrypointPath);
  const planned = timed('plan', () =>
    plan({
      modules: checked.modules,
      entrypoints: eps,
      query: checked.query ? { body: checked.query, vars: checked.queryVars } : undefined,
      builtins,
      sources,
    }),
  );
  diagnostics.push(...planned.diagnostics);
  if (diagnostics.length > 0 || !planned.policy) {
    return result({ modules: checked.modules, queryVars: checked.queryVars });
  }
  const policy = planned.policy;
  let wasm: Uint8Array;
  try {
    wasm = timed('wasm', () => generateWasm(policy, { strictBuiltinErrors: opts.strictBuiltinErrors }));
  } catch (e) {
    // A builtin the registry calls native but this runtime build lacks is refused by name.
    const m = /not implemented: (.*)$/m.exec((e as Error).message ?? '');
    if (!m) throw e;
    const loc = checked.modules[0]?.packageLoc ?? { file: files[0]?.file ?? 'query.rego', start: 0, end: 0 };
    diagnostics.push({ code: 'rego_compile_error', message: `not implemented: ${m[1]}`, loc });
    return result({ modules: checked.modules, queryVars: checked.queryVars });
  }
  return result({
    modules: checked.modules,
    policy,
    wasm,
    entrypoints: policy.plans.map((p) => p.name),
    queryVars: checked.queryVars,
  });
}

/** All diagnostics of a result, one per line, as `file:line:col: code: message`. */
export function formatDiagnostics(r: Pick<CompileResult, 'diagnostics' | 'sources'>, opts: { caret?: boolean } = {}): string {
  return r.diagnostics.map((d) => formatDiagnostic(d, r.sources, opts)).join('\n');
}

export interface LoadOptions {
  /** The module was compiled with strictBuiltinErrors: host builtins report errors instead of undefined. */
  strictBuiltinErrors?: boolean;
}

/**
 * The SDK reads abort messages byte by byte as Int8 char codes, so a UTF-8 byte >= 0x80 arrives as
 * U+FF80..U+FFFF (nothing else does): turn such strings back into the UTF-8 text the module wrote.
 */
export function decodeAbortMessage(msg: string): string {
  if (!/[\uff80-\uffff]/.test(msg)) return msg;
  const bytes = Uint8Array.from(msg, (ch) => ch.charCodeAt(0) & 0xff);
  return new TextDecoder().decode(bytes);
}

/** evaluate() rethrows abort messages (strings) decoded; everything else unchanged. */
function withDecodedAborts(p: LoadedPolicy): LoadedPolicy {
  const evaluate = p.evaluate.bind(p);
  p.evaluate = ((...a: Parameters<LoadedPolicy['evaluate']>) => {
    try {
      return evaluate(...a);
    } catch (e) {
      throw typeof e === 'string' ? decodeAbortMessage(e) : e;
    }
  }) as LoadedPolicy['evaluate'];
  return p;
}

/** Load a compiled module in the official SDK with writ's host builtins (plus any extra ones). */
export async function loadCompiled(
  wasm: Uint8Array,
  extraBuiltins: Record<string, (...args: any[]) => unknown> = {},
  opts: LoadOptions = {},
): Promise<LoadedPolicy> {
  const p = await opaWasm.loadPolicy(wasm, undefined, { ...hostBuiltins({ strict: opts.strictBuiltinErrors }), ...extraBuiltins });
  return withDecodedAborts(p);
}

export function loadCompiledSync(
  wasm: Uint8Array,
  extraBuiltins: Record<string, (...args: any[]) => unknown> = {},
  opts: LoadOptions = {},
): LoadedPolicy {
  return withDecodedAborts(opaWasm.loadPolicySync(wasm, undefined, { ...hostBuiltins({ strict: opts.strictBuiltinErrors }), ...extraBuiltins }));
}
