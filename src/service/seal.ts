// Sealing the unmasked input of a decision (AES-256-GCM) so an auditor holding the data directory's
// replay key can replay it; the record keeps only the masked input in clear.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** 32 random bytes, created on first start (mode 0600). */
export function loadOrCreateReplayKey(path: string): Buffer {
  if (existsSync(path)) {
    const k = readFileSync(path);
    if (k.length !== 32) throw new Error(`${path}: a replay key must be 32 bytes (found ${k.length})`);
    return k;
  }
  mkdirSync(dirname(path), { recursive: true });
  const k = randomBytes(32);
  writeFileSync(path, k, { mode: 0o600, flag: 'wx' });
  return k;
}

/** base64(iv[12] || tag[16] || ciphertext) of the JSON text. */
export function seal(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(JSON.stringify(value ?? null), 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
}

export function unseal(key: Buffer, sealed: string): unknown {
  const b = Buffer.from(sealed, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
  d.setAuthTag(b.subarray(12, 28));
  return JSON.parse(Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8'));
}
