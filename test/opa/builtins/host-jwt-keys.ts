// Table rows for the asymmetric JWT verifiers, with keys generated at test time and tokens signed
// here directly with node:crypto (independently of the implementation under test).
import { generateKeyPairSync, sign, constants, type KeyObject } from 'node:crypto';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

function token(alg: string, hash: string | null, key: KeyObject, opts: Record<string, unknown> = {}): string {
  const input = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify({ iss: 'me' }))}`;
  const sig = sign(hash, Buffer.from(input), { key, ...opts } as any);
  return `${input}.${b64(sig)}`;
}

export function asymmetricRows(): Array<[string, unknown[], unknown]> {
  const rows: Array<[string, unknown[], unknown]> = [];
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec: Record<string, ReturnType<typeof generateKeyPairSync>> = {
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    ES512: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  };
  const ed = generateKeyPairSync('ed25519');
  const pem = (k: KeyObject): string => k.export({ type: 'spki', format: 'pem' }) as string;
  const jwk = (k: KeyObject): string => JSON.stringify(k.export({ format: 'jwk' }));
  const jwks = (...ks: KeyObject[]): string => JSON.stringify({ keys: ks.map((k) => k.export({ format: 'jwk' })) });
  for (const bits of ['256', '384', '512']) {
    const hash = `sha${bits}`;
    const rs = token(`RS${bits}`, hash, rsa.privateKey);
    rows.push([`io.jwt.verify_rs${bits}`, [rs, pem(rsa.publicKey)], true]);
    rows.push([`io.jwt.verify_rs${bits}`, [rs, jwks(rsa2.publicKey, rsa.publicKey)], true]);
    rows.push([`io.jwt.verify_rs${bits}`, [rs, pem(rsa2.publicKey)], false]);
    rows.push([`io.jwt.verify_rs${bits}`, [rs, 'not a key'], undefined]);
    const ps = token(`PS${bits}`, hash, rsa.privateKey, { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 });
    rows.push([`io.jwt.verify_ps${bits}`, [ps, pem(rsa.publicKey)], true]);
    rows.push([`io.jwt.verify_ps${bits}`, [ps, jwk(rsa.publicKey)], true]);
    rows.push([`io.jwt.verify_ps${bits}`, [rs, pem(rsa.publicKey)], false]);
    rows.push([`io.jwt.verify_ps${bits}`, ['a.b', pem(rsa.publicKey)], undefined]);
    const e = ec[`ES${bits}`]!;
    const es = token(`ES${bits}`, hash, e.privateKey as KeyObject, { dsaEncoding: 'ieee-p1363' });
    rows.push([`io.jwt.verify_es${bits}`, [es, pem(e.publicKey as KeyObject)], true]);
    rows.push([`io.jwt.verify_es${bits}`, [es, jwk(e.publicKey as KeyObject)], true]);
    rows.push([`io.jwt.verify_es${bits}`, [es, pem(rsa.publicKey)], false]);
    rows.push([`io.jwt.verify_es${bits}`, [es, 42], undefined]);
  }
  const eds = token('EdDSA', null, ed.privateKey);
  rows.push(['io.jwt.verify_eddsa', [eds, pem(ed.publicKey)], true]);
  rows.push(['io.jwt.verify_eddsa', [eds, jwk(ed.publicKey)], true]);
  rows.push(['io.jwt.verify_eddsa', [eds, pem(generateKeyPairSync('ed25519').publicKey)], false]);
  rows.push(['io.jwt.verify_eddsa', ['x', pem(ed.publicKey)], undefined]);
  // decode_verify with a certificate-less JWK constraint and an alg check.
  rows.push(['io.jwt.decode_verify', [eds, { cert: jwk(ed.publicKey), alg: 'EdDSA' }], [true, { alg: 'EdDSA', typ: 'JWT' }, { iss: 'me' }]]);
  // Private-key parsing, checked against node's own JWK export of the generated keys.
  const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const pkcs8ec = (ec.ES256!.privateKey as KeyObject).export({ type: 'pkcs8', format: 'pem' }) as string;
  const rsaJwk = rsa.privateKey.export({ format: 'jwk' });
  const ecJwk = (ec.ES256!.privateKey as KeyObject).export({ format: 'jwk' });
  rows.push(['crypto.x509.parse_rsa_private_key', [pkcs1], rsaJwk]);
  rows.push(['crypto.x509.parse_rsa_private_key', [Buffer.from(pkcs1).toString('base64')], rsaJwk]);
  rows.push(['crypto.x509.parse_rsa_private_key', [pkcs8ec], undefined]);
  rows.push(['crypto.x509.parse_rsa_private_key', ['invalid'], undefined]);
  rows.push(['crypto.parse_private_keys', [pkcs1 + '\n' + pkcs8ec], [rsaJwk, ecJwk]]);
  rows.push(['crypto.parse_private_keys', ['nope'], []]);
  rows.push(['crypto.parse_private_keys', [''], null]);
  rows.push(['crypto.parse_private_keys', [7], undefined]);
  return rows;
}
