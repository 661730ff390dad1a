// The per-deployment key of the `hash` mask strategy: 32 random bytes in a file (base64, mode 0600),
// created on first use. Every enforcer of a deployment must share it, or hashed values stop joining.
import { readFileSync } from 'node:fs';
import { createSecretKeyFileIfAbsent } from '../../src/audit/keys.ts';

export function loadOrCreateHashKey(path: string): Buffer {
  createSecretKeyFileIfAbsent(path);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length < 32) throw new Error(`${path}: the mask hash key must be at least 32 bytes (base64 text)`);
  return key;
}
