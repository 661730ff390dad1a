// The relay's Masker cache: one Masker per distinct rule set and hash key, never shared between rule sets that
// differ (even in ways JSON does not show), and refused rule sets refused every time.
import { describe, expect, it } from 'vitest';
import { cachedMasker } from '../../../enforcers/postgres/relay.ts';
import { MaskConfigError, type MaskRule } from '../../../enforcers/common/index.ts';

const rules = (): MaskRule[] => [
  { column: 'email', strategy: 'partial' },
  { detector: 'card', strategy: 'redact' },
];

describe('cachedMasker', () => {
  it('answers the same Masker for equal rule sets and hash keys, another for different ones', () => {
    const a = cachedMasker(rules(), undefined);
    expect(cachedMasker(rules(), undefined)).toBe(a);
    expect(cachedMasker([{ column: 'email', strategy: 'redact' }, { detector: 'card', strategy: 'redact' }], undefined)).not.toBe(a);
    expect(cachedMasker([{ column: 'email', strategy: 'partial', keep: 2 }, { detector: 'card', strategy: 'redact' }], undefined)).not.toBe(a);
    const k1 = Buffer.alloc(32, 1);
    const h = cachedMasker([{ column: 'email', strategy: 'hash' }], k1);
    expect(cachedMasker([{ column: 'email', strategy: 'hash' }], Buffer.alloc(32, 1))).toBe(h);
    const h2 = cachedMasker([{ column: 'email', strategy: 'hash' }], Buffer.alloc(32, 2));
    expect(h2).not.toBe(h);
    expect(h.maskRow(['email'], ['a@example.com'])).not.toEqual(h2.maskRow(['email'], ['a@example.com']));
  });

  it('masks as a new Masker does', () => {
    const m = cachedMasker(rules(), undefined);
    cachedMasker(rules(), undefined);
    expect(m.maskRow(['email', 'note'], ['alice@example.com', 'card 4111 1111 1111 1111'])).toEqual(['*****@******e.com', 'card [REDACTED]']);
  });

  it('refuses a rule set each time it is asked, and never answers a refused rule set with a cached Masker', () => {
    const valid = cachedMasker([{ column: 'email', strategy: 'partial' }], undefined);
    // JSON would drop the undefined field, so this rule has the valid one's JSON text: it must not share its Masker.
    const withUndefined = [{ column: 'email', strategy: 'partial', extra: undefined }] as unknown as MaskRule[];
    for (let i = 0; i < 2; i++) expect(() => cachedMasker(withUndefined, undefined)).toThrow(MaskConfigError);
    const nanKeep = [{ column: 'email', strategy: 'partial', keep: NaN }] as unknown as MaskRule[];
    for (let i = 0; i < 2; i++) expect(() => cachedMasker(nanKeep, undefined)).toThrow(MaskConfigError);
    for (let i = 0; i < 2; i++) expect(() => cachedMasker([{ column: 'email', strategy: 'hash' }], undefined)).toThrow(MaskConfigError);
    expect(cachedMasker([{ column: 'email', strategy: 'partial' }], undefined)).toBe(valid);
  });

  it('does not share a Masker with a rule whose fields JSON does not show', () => {
    const hidden = { column: 'email', strategy: 'partial' } as MaskRule;
    Object.defineProperty(hidden, 'keep', { value: 1, enumerable: false });
    const plain = cachedMasker([{ column: 'email', strategy: 'partial' }], undefined);
    expect(cachedMasker([hidden], undefined)).not.toBe(plain);
  });
});
