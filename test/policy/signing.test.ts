// Signed bundles: OPA's /.signatures.json written by signBundle (and `writ build --signing-key`),
// checked by verifyBundle; a service requiring signatures activates only what verifies.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { signBundle, verifyBundle, fileHash, type SigningAlg } from '../../src/bundle/signing.ts';
import { readTar, writeTar } from '../../src/bundle/tar.ts';
import { buildPolicy, loadTreeRelative } from '../../src/policy/build.ts';
import { open, auth, policyDir, tempDir, pgInput, run } from '../service/helpers.ts';
import type { Service } from '../../src/service/service.ts';

const pem = (alg: SigningAlg) => {
  const kp =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return { priv: kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, pub: kp.publicKey.export({ type: 'spki', format: 'pem' }) as string };
};

const policy = (reason: string) => ({ 'pg.rego': `package writ.postgres\n\ndecision := {"allow": true, "reasons": ["${reason}"]}\n` });
function unsignedBundle(reason = 'signed'): Buffer {
  const b = buildPolicy(loadTreeRelative(policyDir(policy(reason))), `rev-${reason}`);
  if (!b.ok) throw new Error(b.diagnostics);
  return b.bundle;
}

/** Rewrite the files of a bundle (keeping .signatures.json as is). */
function edit(bundle: Buffer, f: (entries: Array<{ name: string; data: Uint8Array }>) => Array<{ name: string; data: Uint8Array }>): Buffer {
  return gzipSync(writeTar(f(readTar(gunzipSync(bundle)))));
}

const keys = { RS256: pem('RS256'), ES256: pem('ES256'), EdDSA: pem('EdDSA') };
const other = pem('RS256');

describe('bundle signatures (OPA format)', () => {
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    it(`${alg}: the JWT lists every file with its SHA-256 and verifies`, async () => {
      const signed = await signBundle(unsignedBundle(), keys[alg].priv, alg);
      const entries = readTar(gunzipSync(signed));
      const sig = JSON.parse(Buffer.from(entries.find((e) => e.name === '/.signatures.json')!.data).toString());
      expect(decodeProtectedHeader(sig.signatures[0]).alg).toBe(alg);
      const files = decodeJwt(sig.signatures[0]).files as Array<{ name: string; hash: string; algorithm: string }>;
      expect(files.map((f) => f.name).sort()).toEqual(['.manifest', 'data.json', 'pg.rego', 'policy.wasm']);
      for (const f of files) {
        expect(f.algorithm).toBe('SHA-256');
        const e = entries.find((x) => x.name === '/' + f.name)!;
        expect(f.hash).toBe(fileHash(f.name, e.data));
      }
      expect(await verifyBundle(signed, keys[alg].pub)).toMatchObject({ ok: true });
    });
  }

  const refusals: Array<[string, () => Promise<Buffer>, RegExp]> = [
    ['unsigned', async () => unsignedBundle(), /unsigned bundle/],
    ['signed with another key', async () => signBundle(unsignedBundle(), other.priv, 'RS256'), /bad signature/],
    [
      'a tampered file',
      async () => edit(await signBundle(unsignedBundle(), keys.RS256.priv), (es) => es.map((e) => (e.name === '/pg.rego' ? { ...e, data: Buffer.from('package evil\n') } : e))),
      /tampered file: pg\.rego/,
    ],
    ['an extra file', async () => edit(await signBundle(unsignedBundle(), keys.RS256.priv), (es) => [...es, { name: '/evil.rego', data: Buffer.from('package evil\n') }]), /extra file .*evil\.rego/],
    ['a missing file', async () => edit(await signBundle(unsignedBundle(), keys.RS256.priv), (es) => es.filter((e) => e.name !== '/data.json')), /missing file .*data\.json/],
    [
      'a reformatted JSON file (same value) still verifies',
      async () => edit(await signBundle(unsignedBundle(), keys.RS256.priv), (es) => es.map((e) => (e.name === '/data.json' ? { ...e, data: Buffer.from('{ }') } : e))),
      /^$/,
    ],
  ];
  for (const [note, make, reason] of refusals) {
    it(`${note}`, async () => {
      const r = await verifyBundle(await make(), keys.RS256.pub);
      if (reason.source === '^$') expect(r.ok).toBe(true);
      else {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.reason).toMatch(reason);
      }
    });
  }
});

describe('a service that requires signed bundles', () => {
  let svc: Service;
  beforeAll(async () => {
    const keyFile = join(tempDir(), 'pub.pem');
    writeFileSync(keyFile, keys.ES256.pub);
    svc = await open({ policiesDir: policyDir(policy('from git')), raw: { policies: { require_signed_bundles: true, verification_key: keyFile } } });
  });
  afterAll(async () => svc?.close());
  const upload = (body: Buffer) => svc.app.inject({ method: 'POST', url: '/v1/bundles', headers: { ...auth('admin'), 'content-type': 'application/gzip' }, payload: body });

  it('is not ready and answers 503 until a signed bundle arrives', async () => {
    expect((await svc.app.inject('/ready')).statusCode).toBe(503);
    const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input: pgInput() } });
    expect(r.statusCode).toBe(503);
    expect(r.json().code).toBe('WRIT_NO_POLICY');
  });

  it('refuses unsigned, wrong-key, tampered, extra-file and missing-file bundles with 422', async () => {
    const good = await signBundle(unsignedBundle(), keys.ES256.priv, 'ES256');
    const cases: Array<[Buffer, RegExp]> = [
      [unsignedBundle(), /unsigned/],
      [await signBundle(unsignedBundle(), other.priv, 'RS256'), /bad signature/],
      [edit(good, (es) => es.map((e) => (e.name === '/policy.wasm' ? { ...e, data: Buffer.concat([Buffer.from(e.data), Buffer.from([0])]) } : e))), /tampered file: policy\.wasm/],
      [edit(good, (es) => [...es, { name: '/x.rego', data: Buffer.from('package x\n') }]), /extra file/],
      [edit(good, (es) => es.filter((e) => e.name !== '/pg.rego')), /missing file/],
      [Buffer.from('not a bundle'), /not a bundle|bundle refused/],
    ];
    for (const [body, reason] of cases) {
      const r = await upload(body);
      expect(r.statusCode).toBe(422);
      expect(r.json().code).toBe('WRIT_BUNDLE_REFUSED');
      expect(r.json().message).toMatch(reason);
    }
    expect(svc.store.active.current()).toBeUndefined();
  });

  it('activates a correctly signed bundle; decisions carry its revision and bundle hash', async () => {
    const signed = await signBundle(unsignedBundle('signed-1'), keys.ES256.priv, 'ES256');
    const r = await upload(signed);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ revision: 'rev-signed-1', source: 'bundle', pushed_by: 'test-admin' });
    const d = (await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input: pgInput() } })).json();
    expect(d).toMatchObject({ allow: true, reasons: ['signed-1'], provenance: { revision: 'rev-signed-1', bundle_sha256: r.json().bundle_sha256 } });
    // A later bad upload leaves it serving.
    expect((await upload(unsignedBundle())).statusCode).toBe(422);
    expect(svc.store.active.current()!.revision).toBe('rev-signed-1');
  });
});

describe('writ build --signing-key', () => {
  it('writes a bundle with /.signatures.json that verifies with the public key', async () => {
    const dir = tempDir();
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, keys.EdDSA.priv);
    const out = join(dir, 'bundle.tar.gz');
    const src = policyDir(policy('cli'));
    const r = await run(process.execPath, [join(import.meta.dirname, '../../bin/writ.js'), 'build', src, '-e', 'writ/postgres/decision', '-o', out, '--signing-key', keyFile, '--signing-alg', 'EdDSA']);
    expect(r.code, r.stderr).toBe(0);
    const v = await verifyBundle(readFileSync(out), keys.EdDSA.pub);
    expect(v).toMatchObject({ ok: true });
    expect(await verifyBundle(readFileSync(out), keys.RS256.pub)).toMatchObject({ ok: false });
  });
});
