import { describe, expect, it } from 'vitest';
import { Lru } from '../../../enforcers/common/lru.ts';

describe('Lru', () => {
  it('forgets the least recently used entry first; a hit or a new value makes an entry recent', () => {
    const l = new Lru<string, number>(2);
    l.set('a', 1);
    l.set('b', 2);
    expect(l.get('a')).toBe(1); // a is now more recent than b
    l.set('c', 3);
    expect(l.get('b')).toBeUndefined();
    expect([l.get('a'), l.get('c'), l.size]).toEqual([1, 3, 2]);
    l.set('a', 4); // replacing keeps one entry and makes it recent
    l.set('d', 5);
    expect([l.get('c'), l.get('a'), l.get('d'), l.size]).toEqual([undefined, 4, 5, 2]);
  });
});
