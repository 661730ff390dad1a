// The service's cache of verified end-client tokens: bounded by the token's exp, by the TTL, and in size.
import { describe, it, expect } from 'vitest';
import { VerifiedTokenCache } from '../../src/service/token-cache.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const verified = (expMs: number) => ({ ok: true as const, principal: { id: 'p', type: 'managed_identity' } as never, expires_at: new Date(expMs).toISOString(), issuer: 'i' });

describe('VerifiedTokenCache', () => {
  it('keeps an entry until the TTL when the token lives longer', () => {
    const c = new VerifiedTokenCache(60_000);
    c.set('a', verified(t0 + 3_600_000), t0);
    expect(c.get('a', t0 + 59_999)).toBeDefined();
    expect(c.get('a', t0 + 60_000)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('keeps an entry only until the token expires when that comes first', () => {
    const c = new VerifiedTokenCache(60_000);
    c.set('a', verified(t0 + 5_000), t0);
    expect(c.get('a', t0 + 4_999)).toBeDefined();
    expect(c.get('a', t0 + 5_000)).toBeUndefined();
  });

  it('keeps nothing with a TTL of 0, or for a token already expired', () => {
    const off = new VerifiedTokenCache(0);
    off.set('a', verified(t0 + 3_600_000), t0);
    expect(off.get('a', t0)).toBeUndefined();
    const c = new VerifiedTokenCache(60_000);
    c.set('b', verified(t0 - 1), t0);
    expect(c.get('b', t0)).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const c = new VerifiedTokenCache(60_000, 2);
    c.set('a', verified(t0 + 3_600_000), t0);
    c.set('b', verified(t0 + 3_600_000), t0);
    c.set('c', verified(t0 + 3_600_000), t0);
    expect(c.size).toBe(2);
    expect(c.get('a', t0)).toBeUndefined();
    expect(c.get('c', t0)).toBeDefined();
  });
});
