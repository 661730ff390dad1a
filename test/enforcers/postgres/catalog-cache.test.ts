// CatalogResolver.cached: the synchronous answer the relay uses when every column is known, and only then.
import { describe, expect, it } from 'vitest';
import { CatalogResolver } from '../../../enforcers/postgres/catalog.ts';

describe('CatalogResolver.cached', () => {
  it('answers only when every table column is cached and fresh, as names() would', async () => {
    let now = 1_000_000;
    const c = new CatalogResolver({ host: '127.0.0.1', port: 1, user: 'x', database: 'x' }, () => now);
    const cache = (c as unknown as { cache: Map<string, { name: string; at: number }> }).cache;
    // Not table columns: nothing to look up.
    expect(c.cached([{ tableOid: 0, attnum: 1 }, { tableOid: 5, attnum: 0 }])).toEqual(new Map());
    expect(c.cached([{ tableOid: 16384, attnum: 2 }])).toBeUndefined();
    cache.set('16384:2', { name: 'email', at: now });
    cache.set('16384:3', { name: 'card', at: now - 70_000 });
    expect(c.cached([{ tableOid: 16384, attnum: 2 }, { tableOid: 0, attnum: 1 }])).toEqual(new Map([['16384:2', 'email']]));
    expect(await c.names([{ tableOid: 16384, attnum: 2 }])).toEqual(new Map([['16384:2', 'email']]));
    // A stale entry is looked up again.
    expect(c.cached([{ tableOid: 16384, attnum: 2 }, { tableOid: 16384, attnum: 3 }])).toBeUndefined();
    now += 60_000;
    expect(c.cached([{ tableOid: 16384, attnum: 2 }])).toBeUndefined();
  });
});
