// Randomized parser checks: mutated JSON never traps, and the runtime accepts exactly what
// JSON.parse accepts (for valid UTF-8 without lone surrogates), with the same value.
import { describe, expect, it } from 'vitest';
import { loadRuntime } from './harness.ts';

// Deterministic PRNG so failures reproduce.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ATOMS = ['null', 'true', 'false', '0', '-1', '1.5', '1e10', '-0.25E-3', '12345678901234567890123', '""', '"a"',
  '"\\u00e9"', '"\\ud83d\\ude00"', '"\\n\\t"', '"é"'];
const NOISE = ['{', '}', '[', ']', ',', ':', '"', '\\', '-', '.', 'e', '0', '1', ' ', '\n', 'u', 'x', '\u0001', 'é', '\u0000'];

function randomJson(r: () => number, depth: number): string {
  const k = r();
  if (depth > 3 || k < 0.4) return ATOMS[Math.floor(r() * ATOMS.length)];
  const n = Math.floor(r() * 4);
  if (k < 0.7) return `[${Array.from({ length: n }, () => randomJson(r, depth + 1)).join(',')}]`;
  return `{${Array.from({ length: n }, () => `${ATOMS[10 + Math.floor(r() * 5)]}:${randomJson(r, depth + 1)}`).join(',')}}`;
}

function mutate(r: () => number, s: string): string {
  let out = s;
  const edits = 1 + Math.floor(r() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (out.length + 1));
    const op = r();
    const noise = NOISE[Math.floor(r() * NOISE.length)];
    if (op < 0.33) out = out.slice(0, at) + noise + out.slice(at);
    else if (op < 0.66) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + noise + out.slice(at + 1);
  }
  return out;
}

// Canonical text for comparing values: sorted keys, JSON.stringify numbers.
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const hasLoneSurrogate = (s: string): boolean => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('parser fuzz', () => {
  it('agrees with JSON.parse on 5000 random and mutated documents, never trapping', () => {
    const rt = loadRuntime();
    const r = rng(20261129);
    const base = rt.x.opa_heap_ptr_get();
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      rt.x.opa_heap_ptr_set(base);
      const doc = randomJson(r, 0);
      const text = i % 5 === 0 ? doc : mutate(r, doc);
      let expected: unknown;
      let ok = true;
      try {
        expected = JSON.parse(text);
      } catch {
        ok = false;
      }
      const v = rt.parse(text);
      if (ok && hasLoneSurrogate(text.replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))))) continue;
      if (!ok) {
        expect(v, text).toBe(0);
        rejected++;
        continue;
      }
      expect(v, text).not.toBe(0);
      expect(canon(JSON.parse(rt.json(v))), text).toBe(canon(expected));
      const asRego = rt.parse(text, true); // the Rego-literal parser accepts all JSON alike
      expect(asRego, text).not.toBe(0);
      expect(rt.json(asRego), text).toBe(rt.json(v));
      accepted++;
    }
    expect(accepted).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(500);
  });

  it('random bytes never trap either parser', () => {
    const rt = loadRuntime();
    const r = rng(7);
    const base = rt.x.opa_heap_ptr_get();
    for (let i = 0; i < 3000; i++) {
      rt.x.opa_heap_ptr_set(base);
      const bytes = Uint8Array.from({ length: Math.floor(r() * 40) }, () =>
        r() < 0.7 ? '{}[]",:0123456789-.eE tfnulsr()\\'.charCodeAt(Math.floor(r() * 33)) : Math.floor(r() * 256),
      );
      const v1 = rt.parse(bytes);
      const v2 = rt.parse(bytes, true);
      if (v1 !== 0) expect(() => JSON.parse(rt.json(v1))).not.toThrow();
      if (v2 !== 0) rt.rego(v2);
    }
  });
});
