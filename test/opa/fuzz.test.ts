// Bad input never crashes the compiler: thousands of mutated policies, each must come back as
// diagnostics or a module, never an exception, and quickly.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from '../../opa/index.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const seeds = [
  ...readdirSync(`${repo}/policies`).filter((f) => f.endsWith('.rego')).map((f) => readFileSync(`${repo}/policies/${f}`, 'utf8')),
  readFileSync(`${repo}/policies/lib/principals.rego`, 'utf8'),
  'package t\n\np contains x if { some x in input.xs; x > 1 }\nq[k] := v if { some k, v in input.o }\nf(x) := y if { y := x * 2 } else := 0\nr := [y | some x in input.xs; y := f(x)]\n',
  'package t\n\nimport rego.v1\n\ndefault allow := false\nallow if { every x in input.xs { x < 10 }; not deny }\ndeny if input.user == "mallory"\ns := {k: v | some k, v in {"a": 1}}\nw := y if { y := input with input as {"a": 1} }\n',
];

const fragments = ['{', '}', '[', ']', '(', ')', ':=', '=', '==', 'if', 'contains', 'some', 'in', 'every', 'not', 'with', 'as', 'else', 'default', '"', '`', '#', '\n', ';', ',', '.', 'input', 'data', '_', 'x', '1e999', '99999999999999999999', '-', '|', '&', '\\u', '\u0000', '\u00e9', 'package', 'import', ' '];

// Deterministic generator so a failure is reproducible from its index.
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function mutate(src: string, r: () => number): string {
  let s = src;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.35) s = s.slice(0, pos) + s.slice(pos + 1 + Math.floor(r() * 8));
    else if (op < 0.7) s = s.slice(0, pos) + fragments[Math.floor(r() * fragments.length)] + s.slice(pos);
    else if (op < 0.85) {
      const from = Math.floor(r() * s.length);
      s = s.slice(0, pos) + s.slice(from, from + Math.floor(r() * 40)) + s.slice(pos);
    } else s = s.slice(0, pos) + String.fromCharCode(Math.floor(r() * 256)) + s.slice(pos);
  }
  return s;
}

describe('compiler fuzz', () => {
  it('3,000 mutated policies: no exception, no hang', () => {
    const r = rng(0x5eed);
    let compiled = 0;
    let slowest = 0;
    for (let i = 0; i < 3000; i++) {
      const seed = seeds[i % seeds.length];
      const text = mutate(seed, r);
      const t0 = performance.now();
      let res;
      try {
        res = compile([{ file: 'fuzz.rego', text }], { entrypoints: [] });
      } catch (e) {
        throw new Error(`case ${i} crashed the compiler: ${(e as Error).stack}\n--- input ---\n${text}`);
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      if (ms > 2000) throw new Error(`case ${i} took ${ms.toFixed(0)} ms\n--- input ---\n${text}`);
      if (res.ok) compiled++;
      else expect(res.diagnostics.length).toBeGreaterThan(0);
    }
    console.log(`fuzz: ${compiled}/3000 mutants compiled, the rest were refused with diagnostics; slowest ${slowest.toFixed(1)} ms`);
  }, 300_000);
});
