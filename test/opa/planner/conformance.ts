// Runs OPA's conformance cases through parse -> check -> plan -> IR interpreter (test tool).
// Usage: npx tsx test/opa/planner/conformance.ts [topic-filter] [-v]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseModule, parseQuery, parseTerm } from '../../../opa/syntax/parser.ts';
import { SourceSet } from '../../../opa/syntax/diagnostics.ts';
import { builtins as registryBuiltins, type BuiltinDef } from '../../../opa/builtins/registry.ts';
import { plan } from '../../../opa/planner/index.ts';
import { check } from '../../../opa/check/index.ts';
import type { Module, Term } from '../../../opa/syntax/ast.ts';
import { Interp, ConflictError } from './interp.ts';
import { validatePolicy } from './validate.ts';
import { RObject, RSet, canon, fromJSON, toJSON, type V } from './values.ts';

export const CONFORMANCE_DIR = '/work/shared/opa-conformance/v1';

/**
 * The registry, plus internal.template_string (the target of `$"..."` strings) if the registry
 * does not list it, so the planning of template strings is exercised by the interpreter either way.
 * (plan() refuses template strings while the builtin is unregistered.)
 */
const builtins: ReadonlyMap<string, BuiltinDef> = registryBuiltins.has('internal.template_string')
  ? registryBuiltins
  : new Map([
      ...registryBuiltins,
      ['internal.template_string', { name: 'internal.template_string', impl: 'native', decl: { type: 'function', args: [{ type: 'array', dynamic: { type: 'any' } }], result: { type: 'string' } } }],
    ]);

export interface CaseResult { topic: string; note: string; ok: boolean; reason?: string }




export function termValue(t: Term): V {
  switch (t.type) {
    case 'null': return null;
    case 'boolean': return t.value;
    case 'number': return Number(t.text);
    case 'string': return t.value;
    case 'array': return t.items.map(termValue);
    case 'set': { const s = new RSet(); t.items.forEach((x) => s.add(termValue(x))); return s; }
    case 'object': { const o = new RObject(); t.items.forEach(([k, v]) => o.set(termValue(k), termValue(v))); return o; }
    default: throw new Error('input_term: not a constant');
  }
}

function normRow(row: unknown, sort: boolean): string {
  const norm = (v: unknown): unknown => {
    if (sort && Array.isArray(v)) return v.map((x) => norm(x)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    return v;
  };
  const o = row as Record<string, unknown>;
  const fixed: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) fixed[k] = norm(o[k]);
  return canon(fromJSON(fixed));
}

export async function runConformance(filter?: string): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const topic of readdirSync(CONFORMANCE_DIR).sort()) {
    if (filter && !topic.includes(filter)) continue;
    const dir = join(CONFORMANCE_DIR, topic);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
      const doc = parseYaml(readFileSync(join(dir, file), 'utf8')) as { cases: Array<Record<string, any>> };
      for (const c of doc.cases) out.push({ topic, note: c.note, ...runCase(c) });
    }
  }
  return out;
}

function runCase(c: Record<string, any>): { ok: boolean; reason?: string } {
  try {
    const sources = new SourceSet();
    const modules: Module[] = [];
    for (const [i, text] of ((c.modules ?? []) as string[]).entries()) {
      const file = `module-${i}.rego`;
      sources.add(file, text);
      const r = parseModule(file, text);
      if (!r.module || r.diagnostics.length) return { ok: false, reason: 'parse: ' + r.diagnostics[0]?.message };
      modules.push(r.module);
    }
    sources.add('query.rego', c.query);
    const q = parseQuery('query.rego', c.query);
    if (!q.body || q.diagnostics.length) return { ok: false, reason: 'parse query: ' + q.diagnostics[0]?.message };
    const norm = check({ modules, query: q.body, builtins });
    if (norm.diagnostics.length) {
      const wantErr = c.want_error_code && !c.want_result && !c.strict_error;
      return wantErr && !String(c.want_error_code).startsWith('eval_') ? { ok: true } : { ok: false, reason: 'check: ' + norm.diagnostics[0].message };
    }
    const planned = plan({ modules: norm.modules, entrypoints: [], query: { body: norm.query!, vars: norm.queryVars }, builtins, sources });
    if (!planned.policy) return { ok: false, reason: 'plan: ' + planned.diagnostics[0]?.message };
    const invalid = validatePolicy(planned.policy);
    if (invalid.length) return { ok: false, reason: 'invalid IR: ' + invalid[0] };
    let input: V | undefined;
    if (c.input_term !== undefined) {
      const t = parseTerm('input.rego', c.input_term);
      if (!t.term) return { ok: false, reason: 'input_term parse' };
      input = termValue(t.term);
    } else if (c.input !== undefined) input = fromJSON(c.input);
    const data = fromJSON(c.data ?? {});
    let rows: V[];
    try {
      rows = new Interp(planned.policy).evalPlan('eval', input, data);
    } catch (e) {
      if (e instanceof ConflictError) {
        if (c.want_error_code === 'eval_conflict_error' && !c.want_result) return { ok: true };
        return { ok: false, reason: 'conflict: ' + e.message };
      }
      throw e;
    }
    if (c.want_result !== undefined) {
      const want = new Set((c.want_result as unknown[]).map((r) => normRow(r, !!c.sort_bindings)));
      const got = new Set(rows.map((r) => normRow(toJSON(r), !!c.sort_bindings)));
      const same = want.size === got.size && [...want].every((w) => got.has(w));
      return same ? { ok: true } : { ok: false, reason: `wrong result: got ${JSON.stringify(rows.map(toJSON)).slice(0, 200)}` };
    }
    if (c.strict_error) return rows.length === 0 ? { ok: true } : { ok: false, reason: 'expected undefined (strict error)' };
    if (c.want_error_code) return { ok: false, reason: `expected error ${c.want_error_code}` };
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: 'exception: ' + (e as Error).message.split('\n')[0] };
  }
}

if (process.argv[1]?.endsWith('conformance.ts')) {
  const args = process.argv.slice(2);
  const verbose = args.includes('-v');
  const filter = args.find((a) => !a.startsWith('-'));
  const res = await runConformance(filter);
  const byTopic = new Map<string, { pass: number; total: number }>();
  const reasons = new Map<string, number>();
  for (const r of res) {
    const t = byTopic.get(r.topic) ?? { pass: 0, total: 0 };
    t.total++;
    if (r.ok) t.pass++;
    byTopic.set(r.topic, t);
    if (!r.ok) {
      const key = (r.reason ?? '').replace(/got .*/, 'got ...').replace(/var \S+/, 'var X').slice(0, 90);
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
      if (verbose) console.log(`FAIL ${r.note}: ${r.reason}`);
    }
  }
  for (const [t, s] of byTopic) if (verbose || s.pass < s.total) console.log(`${t}: ${s.pass}/${s.total}`);
  console.log('--- failure reasons');
  for (const [k, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${n}\t${k}`);
  console.log(`TOTAL ${res.filter((r) => r.ok).length}/${res.length}`);
}
