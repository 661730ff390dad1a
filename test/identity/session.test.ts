// A session carries its token's expiry: commands after it are refused with a re-authenticate message.
import { describe, expect, it } from 'vitest';
import { sessionExpired } from '../../src/identity/index.ts';

describe('sessionExpired', () => {
  it('is undefined before the expiry and a re-authenticate refusal from it on', () => {
    const exp = '2026-11-29T02:00:00Z';
    expect(sessionExpired(exp, Date.parse('2026-11-29T01:59:59Z'))).toBeUndefined();
    const e = sessionExpired(exp, new Date('2026-11-29T02:00:00Z'))!;
    expect(e.code).toBe('WRIT_TOKEN_EXPIRED');
    expect(e.message).toBe('the token this session was opened with expired at 2026-11-29T02:00:00Z: re-authenticate (get a new token) and reconnect');
    expect(sessionExpired('soon', 0)!.code).toBe('WRIT_TOKEN_CLAIMS_INVALID');
  });
});
