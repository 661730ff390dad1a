// OPA bundle signatures: /.signatures.json holds {"signatures": [JWT]} whose payload lists every
// other file of the bundle as {name, hash, algorithm: "SHA-256"} (JSON files hashed in canonical form,
// as OPA does). Verification refuses unsigned, tampered, wrong-key, extra-file and missing-file bundles.
import { createHash, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { SignJWT, jwtVerify } from 'jose';
import { readTar, writeTar, type TarEntry } from './tar.ts';
import { canonicalJson } from '../audit/canonical.ts';

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';
export const signingAlgs: SigningAlg[] = ['RS256', 'ES256', 'EdDSA'];
export const SIGNATURES_FILE = '.signatures.json';

export interface SignedFile {
  name: string;
  hash: string;
  algorithm: 'SHA-256';
}

function entryName(e: TarEntry): string {
  return e.name.replace(/^\/+/, '');
}

/** OPA hashes JSON documents in canonical form so formatting does not matter; other files byte for byte. */
export function fileHash(name: string, data: Uint8Array): string {
  const h = createHash('sha256');
  if (name.endsWith('.json') || name === '.manifest') {
    let v: unknown;
    try {
      v = JSON.parse(Buffer.from(data).toString('utf8'));
    } catch {
      return h.update(data).digest('hex');
    }
    return h.update(canonicalJson(v)).digest('hex');
  }
  return h.update(data).digest('hex');
}

function entriesOf(bundle: Buffer): TarEntry[] {
  return readTar(gunzipSync(bundle, { maxOutputLength: 512 * 1024 * 1024 }));
}

function gzip(entries: TarEntry[]): Buffer {
  const gz = gzipSync(writeTar(entries), { level: 9 });
  gz[9] = 0xff; // same fixed OS byte as writeBundle: deterministic output
  return gz;
}

/** Add (or replace) /.signatures.json, signing every other file of the bundle. */
export async function signBundle(bundle: Buffer, privateKeyPem: string | Buffer, alg: SigningAlg = 'RS256', keyid?: string): Promise<Buffer> {
  const entries = entriesOf(bundle).filter((e) => entryName(e) !== SIGNATURES_FILE);
  const files: SignedFile[] = entries.map((e) => ({ name: entryName(e), hash: fileHash(entryName(e), e.data), algorithm: 'SHA-256' }));
  const key = createPrivateKey(privateKeyPem);
  const jwt = await new SignJWT({ files, ...(keyid ? { keyid } : {}) })
    .setProtectedHeader({ alg, ...(keyid ? { kid: keyid } : {}) })
    .setIssuedAt()
    .setIssuer('writ')
    .sign(key);
  const sig: TarEntry = { name: '/' + SIGNATURES_FILE, data: Buffer.from(JSON.stringify({ signatures: [jwt] })) };
  return gzip([sig, ...entries]);
}

export type VerifyResult = { ok: true; files: string[] } | { ok: false; reason: string };

/** Check a bundle's signature against a public key (PEM); every file must be listed with its hash. */
export async function verifyBundle(bundle: Buffer, publicKey: string | Buffer | KeyObject, algs: SigningAlg[] = signingAlgs): Promise<VerifyResult> {
  let entries: TarEntry[];
  try {
    entries = entriesOf(bundle);
  } catch (e) {
    return { ok: false, reason: `not a bundle: ${(e as Error).message}` };
  }
  const sigEntry = entries.find((e) => entryName(e) === SIGNATURES_FILE);
  if (!sigEntry) return { ok: false, reason: 'unsigned bundle: no /.signatures.json' };
  let jwts: unknown;
  try {
    jwts = (JSON.parse(Buffer.from(sigEntry.data).toString('utf8')) as { signatures?: unknown }).signatures;
  } catch {
    return { ok: false, reason: '/.signatures.json is not JSON' };
  }
  if (!Array.isArray(jwts) || jwts.length !== 1 || typeof jwts[0] !== 'string') {
    return { ok: false, reason: '/.signatures.json must hold exactly one signature' };
  }
  let payload: { files?: unknown };
  try {
    const key = publicKey instanceof KeyObject ? publicKey : createPublicKey(publicKey);
    payload = (await jwtVerify(jwts[0], key, { algorithms: algs })).payload as { files?: unknown };
  } catch (e) {
    return { ok: false, reason: `bad signature: ${(e as Error).message}` };
  }
  if (!Array.isArray(payload.files)) return { ok: false, reason: 'signature payload has no "files" list' };
  const listed = new Map<string, SignedFile>();
  for (const f of payload.files as SignedFile[]) {
    if (!f || typeof f.name !== 'string' || typeof f.hash !== 'string') return { ok: false, reason: 'malformed "files" entry in the signature' };
    if (f.algorithm !== 'SHA-256') return { ok: false, reason: `${f.name}: unsupported hash algorithm ${String(f.algorithm)}` };
    listed.set(f.name.replace(/^\/+/, ''), f);
  }
  const present = entries.filter((e) => entryName(e) !== SIGNATURES_FILE);
  for (const e of present) {
    const name = entryName(e);
    const f = listed.get(name);
    if (!f) return { ok: false, reason: `extra file not covered by the signature: ${name}` };
    if (f.hash !== fileHash(name, e.data)) return { ok: false, reason: `tampered file: ${name} does not match its signed hash` };
    listed.delete(name);
  }
  if (listed.size > 0) return { ok: false, reason: `missing file listed in the signature: ${[...listed.keys()][0]}` };
  return { ok: true, files: present.map(entryName) };
}
