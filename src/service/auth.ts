// Bearer credentials: each caller has a role; tokens are compared as sha256 hashes in constant time,
// against every configured caller so the time does not depend on which one matched.
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import type { CallerConfig, Role } from './config.ts';

export interface Caller {
  name: string;
  role: Role;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class CallerTable {
  private readonly entries: Array<{ hash: Buffer; caller: Caller }>;

  constructor(callers: CallerConfig[]) {
    this.entries = callers.map((c) => ({ hash: Buffer.from(c.token_sha256, 'hex'), caller: { name: c.name, role: c.role } }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The caller whose token this is, or undefined. */
  identify(token: string): Caller | undefined {
    const h = hash('sha256', token, 'buffer');
    let found: Caller | undefined;
    for (const e of this.entries) if (timingSafeEqual(h, e.hash) && !found) found = e.caller;
    return found;
  }
}

/** `Authorization: Bearer <token>` -> token. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** `Authorization: Basic base64(user:password)` -> password (git sends the pusher token as the password). */
export function basicPassword(header: string | undefined): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? undefined : text.slice(i + 1);
}

export interface GeneratedTokens {
  callers: Array<{ name: string; role: Role; token: string }>;
}

/**
 * With no callers configured, the service still requires credentials: one token per role is
 * generated into <data_dir>/tokens.json (mode 0600) on first start and reused afterwards.
 */
export function loadOrCreateTokens(path: string): { callers: CallerConfig[]; created: boolean } {
  let file: GeneratedTokens;
  let created = false;
  if (existsSync(path)) {
    file = JSON.parse(readFileSync(path, 'utf8')) as GeneratedTokens;
  } else {
    const roles: Role[] = ['admin', 'enforcer', 'pusher'];
    file = { callers: roles.map((role) => ({ name: `default-${role}`, role, token: `writ_${role}_${randomBytes(24).toString('base64url')}` })) };
    writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    created = true;
  }
  chmodSync(path, 0o600);
  return { callers: file.callers.map((c) => ({ name: c.name, role: c.role, token_sha256: tokenHash(c.token) })), created };
}
