// The log's Ed25519 signing key: generated once in the data directory; auditors keep the public key.
import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
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
