// check() over every OPA conformance case (modules + query; cases the parser refuses are skipped).
// Cases expecting a rego_* error must produce that code; every other case must come through clean,
// except for refusals that are writ's by design: builtins writ does not implement (OPA's exact
// "undefined function" error), integer literals beyond 64 bits, features refused by name.
// Counts are printed.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseModule, parseQuery } from '../../../opa/syntax/parser.ts';
import { check } from '../../../opa/check/index.ts';
import { builtins } from '../../../opa/builtins/registry.ts';
import type { Body, Module, Term } from '../../../opa/syntax/ast.ts';
import { visitBody, visitRule, visitTerm } from '../../../opa/check/walk.ts';

const ROOT = join(import.meta.dirname, '../../../../shared/opa-conformance/v1');

interface Case { note: string; query: string; modules?: string[]; want_error_code?: string }

function* cases(): Generator<{ where: string; c: Case }> {
  for (const topic of readdirSync(ROOT).sort()) {
    const dir = join(ROOT, topic);
    if (!existsSync(dir) || !readdirSync(dir, { withFileTypes: true }).length) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
      const doc = parse(readFileSync(join(dir, f), 'utf8'), { intAsBigInt: true }) as { cases?: Case[] };
      for (const [i, c] of (doc.cases ?? []).entries()) yield { where: `${topic}/${f}#${i} ${c.note}`, c };
    }
  }
}

/** Refusals that are writ's on purpose, not check bugs. */
function expectedRefusal(message: string): boolean {
  const m = /^undefined function (\S+)( \(refused: [^)]*\))?$/.exec(message);
  if (m) return !m[1].startsWith('data.') && !builtins.has(m[1]);
  return message.startsWith('integer literal out of range') || message.startsWith('not implemented: ');
}

/** Spot checks of the normal form: resolved calls, no bare input/data vars, no imports left. */
function normalFormViolations(modules: Module[], query?: Body): string[] {
  const out: string[] = [];
  const onTerm = (t: Term): boolean | void => {
    if (t.type === 'call' && t.op[0] !== 'data' && !builtins.has(t.op.join('.'))) out.push(`call ${t.op.join('.')}`);
    if (t.type === 'var' && (t.name === 'input' || t.name === 'data')) out.push(`bare ${t.name}`);
    if (t.type === 'ref') { for (const p of t.path) visitTerm(p, onTerm); return false; }
  };
  for (const m of modules) {
    if (m.imports.length > 0) out.push('imports left');
    for (const r of m.rules) visitRule(r, onTerm);
  }
  if (query) visitBody(query, onTerm);
  return out;
}

describe.runIf(existsSync(ROOT))('conformance cases through check()', () => {
  it('accepts what OPA accepts and rejects what OPA rejects', () => {
    const counts = { cases: 0, parseSkipped: 0, clean: 0, refusedByDesign: 0, wantedErrorOk: 0 };
    const problems: string[] = [];
    for (const { where, c } of cases()) {
      counts.cases++;
      const parsed = (c.modules ?? []).map((t, i) => parseModule(`module-${i}.rego`, t));
      const q = parseQuery('query.rego', c.query);
      if (parsed.some((p) => !p.module || p.diagnostics.length > 0) || !q.body || q.diagnostics.length > 0) { counts.parseSkipped++; continue; }
      const r = check({ modules: parsed.map((p) => p.module!), query: q.body, builtins });
      const want = c.want_error_code ?? '';
      if (want.startsWith('rego_')) {
        if (r.diagnostics.some((d) => d.code === want)) counts.wantedErrorOk++;
        else problems.push(`${where}: want ${want}, got ${r.diagnostics.map((d) => d.message).join('; ') || 'nothing'}`);
        continue;
      }
      if (r.diagnostics.length === 0) {
        counts.clean++;
        const bad = normalFormViolations(r.modules, r.query);
        if (bad.length > 0) problems.push(`${where}: not in normal form: ${bad.join('; ')}`);
        continue;
      }
      if (r.diagnostics.every((d) => expectedRefusal(d.message))) { counts.refusedByDesign++; continue; }
      problems.push(`${where}: ${r.diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ')}`);
    }
    console.log('check() over conformance cases:', JSON.stringify(counts));
    expect(problems).toEqual([]);
    // Progress can only go forward: this many cases came through clean when the suite was written.
    expect(counts.clean).toBeGreaterThanOrEqual(1375);
  });
});
