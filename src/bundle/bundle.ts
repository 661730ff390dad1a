// OPA bundles: a gzipped tar with /.manifest, /policy.wasm and /data.json (and the Rego sources).
import { gzipSync, gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { readTar, writeTar, type TarEntry } from './tar.ts';

export interface Manifest {
  revision: string;
  roots: string[];
  wasm: Array<{ entrypoint: string; module: string }>;
  rego_version: number;
  metadata?: Record<string, unknown>;
}

export interface Bundle {
  manifest: Manifest;
  wasm: Uint8Array;
  data: unknown;
  /** Rego sources by path, kept so a bundle can be rebuilt and explained. */
  rego: Array<{ file: string; text: string }>;
}

export function writeBundle(b: Bundle): Buffer {
  const entries: TarEntry[] = [
    { name: '/.manifest', data: Buffer.from(JSON.stringify(b.manifest)) },
    { name: '/data.json', data: Buffer.from(JSON.stringify(b.data)) },
    { name: '/policy.wasm', data: b.wasm },
    ...b.rego.map((r) => ({ name: '/' + r.file.replace(/^\/+/, ''), data: Buffer.from(r.text) })),
  ];
  // mtime 0 and a fixed OS byte keep builds byte-identical.
  const gz = gzipSync(writeTar(entries), { level: 9 });
  gz[9] = 0xff;
  return gz;
}

export class BundleError extends Error {}

export function readBundle(buf: Buffer): Bundle {
  let tar: Buffer;
  try {
    tar = gunzipSync(buf, { maxOutputLength: 512 * 1024 * 1024 });
  } catch (e) {
    throw new BundleError(`not a gzip file: ${(e as Error).message}`);
  }
  const entries = readTar(tar);
  const get = (n: string) => entries.find((e) => e.name.replace(/^\/+/, '') === n)?.data;
  const m = get('.manifest');
  const w = get('policy.wasm');
  if (!m) throw new BundleError('bundle has no /.manifest');
  if (!w) throw new BundleError('bundle has no /policy.wasm');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(Buffer.from(m).toString('utf8'));
  } catch (e) {
    throw new BundleError(`/.manifest is not JSON: ${(e as Error).message}`);
  }
  const d = get('data.json');
  return {
    manifest,
    wasm: w,
    data: d ? JSON.parse(Buffer.from(d).toString('utf8')) : {},
    rego: entries
      .filter((e) => e.name.endsWith('.rego'))
      .map((e) => ({ file: e.name.replace(/^\/+/, ''), text: Buffer.from(e.data).toString('utf8') })),
  };
}

export function sha256Hex(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}
