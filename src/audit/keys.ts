// The log's Ed25519 signing key: generated once in the data directory; auditors keep the public key.
import { generateKeyPairSync, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function loadOrCreateSigningKey(path: string): SigningKey {
  if (existsSync(path)) {
    const privateKey = createPrivateKey(readFileSync(path));
    return { privateKey, publicKey: createPublicKey(privateKey) };
  }
  mkdirSync(dirname(path), { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(path.replace(/\.pem$/, '') + '.pub.pem', publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKey };
}

export function loadPublicKey(path: string): KeyObject {
  return createPublicKey(readFileSync(path));
}

/**
 * Creates a 32-byte random secret as base64 text in `path` (mode 0600) unless the file exists.
 * Several processes may race on first start: the first one wins and the others read its key.
 */
export function createSecretKeyFileIfAbsent(path: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
