// Fuzzing: thousands of mutations of valid modules must never make the parser throw or stall.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseModule, parseQuery, parseTerm } from '../../../opa/syntax/parser.ts';

const dir = join(import.meta.dirname, '../../../fixtures/syntax');
const fixtureSeeds = readdirSync(dir).filter((f) => f.endsWith('.rego')).sort().map((f) => readFileSync(join(dir, f), 'utf8'));

/** More seeds: every 7th module of OPA's conformance cases, when that folder is on this machine (read at run time). */
function conformanceSeeds(): string[] {
  const root = '/work/shared/opa-conformance/v1';
  if (!existsSync(root)) return [];
  const out: string[] = [];
  let n = 0;
  for (const topic of readdirSync(root).sort()) {
    for (const f of readdirSync(join(root, topic)).filter((x) => x.endsWith('.yaml')).sort()) {
      const doc = parseYaml(readFileSync(join(root, topic, f), 'utf8')) as { cases?: Array<{ modules?: string[] }> };
      for (const c of doc.cases ?? []) for (const m of c.modules ?? []) if (n++ % 7 === 0) out.push(m);
    }
  }
  return out;
}
const seeds = [...fixtureSeeds, ...conformanceSeeds()];

/** Fragments that tend to reach unusual parser states when spliced in anywhere. */
const fragments = [
  '{', '}', '[', ']', '(', ')', '|', ':', ',', ';', '\n', ':=', '=', '==', '.', '-', '"', '`', '$"{', '\\u', '\\ud800',
  'if', 'else', 'contains', 'some', 'every', 'in', 'not', 'with', 'as', 'default', 'import', 'package', 'set()',
  '# METADATA\n# title: [\n', '# METADATA\n# scope: rule\n', '\0', '\ud800', 'é', '1e', '0.5', '-1', 'x[_]', 'f(x)',
];

type Mutation = { at: number; kind: number; len: number; frag: number; ch: number };
const mutation = fc.record({
  at: fc.nat(),
  kind: fc.integer({ min: 0, max: 4 }),
  len: fc.integer({ min: 1, max: 40 }),
  frag: fc.nat(fragments.length - 1),
  ch: fc.integer({ min: 0, max: 0xffff }),
});

function mutate(src: string, ms: Mutation[]): string {
  let s = src;
  for (const m of ms) {
    const at = s.length ? m.at % (s.length + 1) : 0;
    switch (m.kind) {
      case 0: s = s.slice(0, at) + s.slice(at + m.len); break; // delete a range
      case 1: s = s.slice(0, at) + fragments[m.frag] + s.slice(at); break; // insert a fragment
      case 2: s = s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at); break; // duplicate a range
      case 3: s = s.slice(0, at) + String.fromCharCode(m.ch) + s.slice(at + 1); break; // replace a char
      case 4: s = s.slice(0, at) + s.slice(at, at + m.len).split('').reverse().join('') + s.slice(at + m.len); break;
    }
  }
  return s;
}

/** Every `loc` in a parsed tree lies inside the source and is well ordered. */
function locsOk(node: unknown, size: number): boolean {
  if (Array.isArray(node)) return node.every((n) => locsOk(n, size));
  if (node === null || typeof node !== 'object') return true;
  const o = node as Record<string, unknown>;
  const loc = o.loc as { start: number; end: number } | undefined;
  if (loc && !(loc.start >= 0 && loc.start <= loc.end && loc.end <= size)) return false;
  return Object.entries(o).every(([k, v]) => k === 'loc' || k === 'opLoc' || k === 'headLoc' || k === 'packageLoc' || locsOk(v, size));
}

describe('fuzz', () => {
  it('fixture seeds parse cleanly except the error fixture', () => {
    const clean = fixtureSeeds.filter((s) => parseModule('m.rego', s).module);
    expect(clean.length).toBe(fixtureSeeds.length - 1);
  });

  it('mutated modules never throw and parse in bounded time', () => {
    let worst = 0;
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 8 }), (i, ms) => {
        const src = mutate(seeds[i], ms);
        const t0 = performance.now();
        const r = parseModule('m.rego', src);
        const ms2 = performance.now() - t0;
        worst = Math.max(worst, ms2);
        // Every outcome is either a module or at least one well-formed diagnostic, never both missing.
        if (!r.module && r.diagnostics.length === 0) return false;
        if (r.module && !locsOk(r.module, Buffer.byteLength(src))) return false;
        for (const d of r.diagnostics) {
          if (d.code !== 'rego_parse_error' || !(d.loc.start >= 0) || d.loc.end < d.loc.start) return false;
        }
        return r.diagnostics.length <= 10 && ms2 < 1000;
      }),
      { numRuns: 5000, seed: 42 },
    );
    expect(worst).toBeLessThan(1000);
  });

  it('random strings as queries and terms never throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (s) => {
        const q = parseQuery('q.rego', s);
        const t = parseTerm('t.rego', s);
        return (q.body !== undefined || q.diagnostics.length > 0) && (t.term !== undefined || t.diagnostics.length > 0);
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
});
