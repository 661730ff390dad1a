// chainWithText against the chain's definition: the stored text is the canonical JSON of the record
// with its hash, and hash = sha256(prev_hash || canonical JSON of the record without it).
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chainWithText, type LogEntry } from '../../src/audit/chain.ts';
import { canonicalJson } from '../../src/audit/canonical.ts';

// A small deterministic generator (no dependency): keys that sort around "hash", nested values, undefined.
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}
const KEYS = ['a', 'ha', 'has', 'hasg', 'hash_', 'hasi', 'h', 'i', 'prev', 'seqx', 'z', 'É', '10', '9', 'input', 'result'];
function value(r: () => number, depth: number): unknown {
  const x = r();
  if (depth > 2 || x < 0.3) return [null, true, false, 0, -1.5, 1e21, 'str', 'q"uote', '\u2028', 2n ** 70n][Math.floor(r() * 10)];
  if (x < 0.5) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 5); i > 0; i--) o[KEYS[Math.floor(r() * KEYS.length)]] = r() < 0.1 ? undefined : value(r, depth + 1);
  return o;
}

describe('chainWithText', () => {
  it('matches the definition on 2,000 generated entries (keys around "hash", stray chain fields, undefined members)', () => {
    const r = rng(7);
    for (let n = 0; n < 2000; n++) {
      const e: Record<string, unknown> = { kind: 'decision', decision_id: `id-${n}`, time: '2026-01-01T00:00:00.000Z' };
      for (let i = Math.floor(r() * 6); i > 0; i--) e[KEYS[Math.floor(r() * KEYS.length)]] = r() < 0.1 ? undefined : value(r, 0);
      if (r() < 0.2) Object.assign(e, { hash: 'stale', seq: 99, prev_hash: 'old' });
      const prev = createHash('sha256').update(String(n)).digest('hex');
      const memo = r() < 0.5 ? new Map<object, string>() : undefined;
      const { record, text } = chainWithText(e as LogEntry, n + 1, prev, memo);
      expect(record.seq).toBe(n + 1);
      expect(record.prev_hash).toBe(prev);
      expect(text).toBe(canonicalJson(record));
      const { hash, ...body } = record;
      expect(hash).toBe(createHash('sha256').update(prev + canonicalJson(body)).digest('hex'));
    }
  });
});

describe('canonical JSON strings', () => {
  it('prints every string exactly as JSON.stringify does (plain ones without calling it)', async () => {
    const fc = (await import('fast-check')).default;
    const { jsonString } = await import('../../src/audit/canonical.ts');
    const edge = ['', 'plain', 'a"b', 'a\\b', '\u007f', '\u0000', '\n', 'é', '\ud800', '😀', 'x'.repeat(300), '~ }{', ' '];
    for (const s of edge) expect(jsonString(s)).toBe(JSON.stringify(s));
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), (s) => jsonString(s) === JSON.stringify(s)), { numRuns: 5000 });
    // Keys go through it too: a record with every kind of key and value serialises as sorted JSON.stringify would.
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.boolean())), (o) => {
        const sorted = Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
        return canonicalJson(o) === JSON.stringify(sorted);
      }),
      { numRuns: 2000 },
    );
  });
});
