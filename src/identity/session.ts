// A session opened with a token lives only as long as the token: later commands are refused with a re-authenticate message.
import { IdentityError } from './errors.ts';

/** undefined while the session's token is valid; afterwards the refusal to log and show the client. */
export function sessionExpired(expiresAt: string, now: Date | number = Date.now()): IdentityError | undefined {
  const t = typeof now === 'number' ? now : now.getTime();
  const exp = Date.parse(expiresAt);
  if (Number.isNaN(exp)) return new IdentityError('WRIT_TOKEN_CLAIMS_INVALID', `session expiry ${JSON.stringify(expiresAt)} is not a time; re-authenticate`);
  if (t < exp) return undefined;
  return new IdentityError('WRIT_TOKEN_EXPIRED', `the token this session was opened with expired at ${expiresAt}: re-authenticate (get a new token) and reconnect`);
}
