// Running one OPA conformance case the way OPA's own wasm harness does: compile modules + query,
// evaluate through @open-policy-agent/opa-wasm, compare the result rows as a set.
import { compile, formatDiagnostics, loadCompiledSync } from '../../opa/index.ts';
import type { ConformanceCase } from './cases.ts';

export type Status = 'pass' | 'fail' | 'skip';

export interface CaseOutcome {
  id: string;
  note: string;
  status: Status;
  /** Why it failed or was skipped; empty on pass. */
  reason: string;
  /** Coarse bucket for the summary: compile stage, not-implemented feature, wrong result, ... */
  category: string;
  ms: number;
}

/** JSON text with BigInt kept exact (the YAML loader reads big integers as BigInt). */
export function toJsonText(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(toJsonText).join(',') + ']';
  return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + toJsonText(x)).join(',') + '}';
}

function arrayBufferOf(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function canonical(v: unknown, sortArrays: boolean): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x, sortArrays));
    if (sortArrays) items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
    return items;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k], sortArrays);
    return out;
  }
  if (typeof v === 'number' && Object.is(v, -0)) return 0;
  return v;
}

/** Both sides go through the same JSON number conversion the SDK applies to results. */
function normalise(rows: unknown, sortArrays: boolean): string[] {
  const parsed = JSON.parse(toJsonText(rows)) as unknown[];
  return parsed.map((r) => JSON.stringify(canonical(r, sortArrays))).sort();
}

function sameRows(want: unknown[], got: unknown[], sortArrays: boolean): boolean {
  const a = [...new Set(normalise(want, sortArrays))];
  const b = [...new Set(normalise(got, sortArrays))];
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function short(s: string, n = 300): string {
  return s.length > n ? s.slice(0, n) + '...' : s;
}

export interface RunOptions {
  /**
   * OPA's --strict-builtin-errors, applied as OPA's own case runner does: cases marked `strict_error`
   * compile strictly and, when they name an error, must fail with it (even next to a `want_result`,
   * which is the default-mode answer); other cases keep their default-mode expectations and compilation.
   */
  strict?: boolean;
}

/** A `strict_error` case that names the error strict mode raises (the others expect a result in both modes). */
export function expectsStrictError(c: ConformanceCase): boolean {
  return c.strictError && (c.wantErrorCode !== undefined || c.wantError !== undefined);
}

export function runCase(c: ConformanceCase, opts: RunOptions = {}): CaseOutcome {
  const strict = opts.strict === true && c.strictError;
  const wantStrictError = strict && expectsStrictError(c);
  const t0 = performance.now();
  const done = (status: Status, category: string, reason = ''): CaseOutcome => ({
    id: c.id,
    note: c.note,
    status,
    reason,
    category,
    ms: performance.now() - t0,
  });
  const files = c.modules.map((text, i) => ({ file: `module-${i}.rego`, text }));
  let r;
  try {
    r = compile(files, { query: c.query, strictBuiltinErrors: strict });
  } catch (e) {
    return done('fail', 'compiler crash', short(`internal error: ${(e as Error)?.stack ?? e}`));
  }
  const wantCompileError = c.wantResult === undefined && !c.strictError && c.wantErrorCode?.startsWith('rego_');
  if (!r.ok || !r.wasm) {
    const text = formatDiagnostics(r);
    if (wantCompileError) {
      const codeOk = r.diagnostics.some((d) => d.code === c.wantErrorCode);
      const msgOk = c.wantError === undefined || text.includes(c.wantError);
      if (codeOk && msgOk) return done('pass', 'compile error as expected');
      return done('fail', 'wrong compile error', short(`want ${c.wantErrorCode}${c.wantError ? ` "${c.wantError}"` : ''}, got: ${text}`));
    }
    const ni = /not implemented: ([^\n]*)/.exec(text);
    if (ni) return done('fail', `not implemented: ${ni[1].split(/[:(]/)[0].trim()}`, short(text));
    const code = r.diagnostics[0]?.code ?? 'no diagnostics';
    return done('fail', `unexpected ${code}`, short(text));
  }
  if (wantCompileError) return done('fail', 'missing compile error', `want ${c.wantErrorCode}${c.wantError ? ` "${c.wantError}"` : ''}, compiled fine`);

  let rows: unknown[];
  try {
    const policy = loadCompiledSync(r.wasm, {}, { strictBuiltinErrors: strict });
    policy.setData(arrayBufferOf(toJsonText(c.data ?? {})));
    const input =
      c.inputTerm !== undefined ? arrayBufferOf(c.inputTerm) : c.input !== undefined ? arrayBufferOf(toJsonText(c.input)) : undefined;
    const ep = r.entrypoints.indexOf('eval');
    rows = policy.evaluate(input, ep) as unknown[];
  } catch (e) {
    const msg = typeof e === 'string' ? e : String((e as Error)?.message ?? e);
    if (c.wantResult === undefined && !c.strictError && c.wantErrorCode === 'eval_conflict_error') {
      if (/var assignment conflict|object insert conflict/.test(msg)) return done('pass', 'conflict as expected');
      return done('fail', 'wrong runtime error', short(`want a conflict, got: ${msg}`));
    }
    if (wantStrictError) {
      const codeOk = c.wantErrorCode === undefined || msg.includes(`: ${c.wantErrorCode}: `);
      const msgOk = !c.wantError || msg.includes(c.wantError);
      if (codeOk && msgOk) return done('pass', 'strict builtin error as expected');
      return done('fail', 'wrong strict builtin error', short(`want ${c.wantErrorCode ?? ''}${c.wantError ? ` "${c.wantError}"` : ''}, got: ${msg}`));
    }
    if (/not implemented: built-in function/.test(msg)) {
      return done('fail', `host builtin missing: ${msg.split(': ').pop()}`, short(msg));
    }
    return done('fail', 'runtime error', short(msg));
  }
  if (wantStrictError) {
    return done('fail', 'missing strict builtin error', short(`want ${c.wantErrorCode ?? ''}${c.wantError ? ` "${c.wantError}"` : ''}, got ${JSON.stringify(rows)}`));
  }
  if (c.wantResult !== undefined) {
    if (sameRows(c.wantResult, rows, c.sortBindings)) return done('pass', 'result');
    return done('fail', 'wrong result', short(`want ${toJsonText(c.wantResult)}, got ${JSON.stringify(rows)}`));
  }
  if (c.strictError) {
    // Non-strict mode (OPA's default, and OPA's own wasm harness): OPA's harness expects an undefined (empty) result instead.
    if (rows.length === 0) return done('pass', 'undefined (non-strict builtin error)');
    return done('fail', 'wrong result', short(`want [] (builtin error is undefined without strict mode), got ${JSON.stringify(rows)}`));
  }
  if (c.wantErrorCode !== undefined || c.wantError !== undefined) {
    return done('fail', 'missing runtime error', short(`want ${c.wantErrorCode ?? ''} ${c.wantError ?? ''}, got ${JSON.stringify(rows)}`));
  }
  return done('pass', 'ran');
}
