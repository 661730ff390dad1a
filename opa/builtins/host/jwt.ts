// JWT builtins: io.jwt.decode, io.jwt.verify_{hs,rs,ps,es}{256,384,512} and verify_eddsa,
// io.jwt.decode_verify, io.jwt.encode_sign and encode_sign_raw, on node:crypto.
// Keys: PEM certificates, PEM public keys, JWK or JWK sets (verification); JWK (signing).
import {
  createHmac, createPublicKey, createPrivateKey, createSecretKey, X509Certificate, verify as cryptoVerify,
  sign as cryptoSign, timingSafeEqual, constants, type KeyObject, type JsonWebKey,
} from 'node:crypto';
import type { HostBuiltin } from './index.ts';
import { S, B, OBJ, SOBJ, tuple, decl } from './types.ts';
import { fail, isObject, str, obj } from './errors.ts';
import { toJsonText } from './values.ts';
import { nowNs } from './clock.ts';

interface Token { headerText: string; payloadText: string; header: Record<string, unknown>; signature: Buffer; signingInput: string }

function b64urlDecode(name: string, s: string): Buffer {
  const t = s.replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(t) || t.length % 4 === 1) fail(name, 'illegal base64url data');
  return Buffer.from(t, 'base64url');
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

function decodeToken(name: string, jwt: string): Token {
  const parts = jwt.split('.');
  if (parts.length !== 3) fail(name, `encoded JWT must have 3 sections, found ${parts.length}`);
  const headerText = b64urlDecode(name, parts[0]!).toString('utf8');
  let header: unknown;
  try { header = JSON.parse(headerText); } catch { fail(name, 'JWT header had invalid encoding'); }
  if (!isObject(header)) fail(name, 'JWT header must be an object');
  return {
    headerText, header,
    payloadText: b64urlDecode(name, parts[1]!).toString('utf8'),
    signature: b64urlDecode(name, parts[2]!),
    signingInput: `${parts[0]}.${parts[1]}`,
  };
}

/** The decoded payload; a nested token (cty "JWT") is unwrapped. */
function decodePayload(name: string, t: Token): Record<string, unknown> {
  if (t.header.cty === 'JWT') return decodePayload(name, decodeToken(name, t.payloadText));
  let p: unknown;
  try { p = JSON.parse(t.payloadText); } catch { fail(name, 'JWT payload had invalid encoding'); }
  if (!isObject(p)) fail(name, 'JWT payload must be an object');
  return p;
}

type Family = 'HS' | 'RS' | 'PS' | 'ES' | 'EdDSA';
const ALGS: Record<string, { family: Family; hash: string | null }> = {
  HS256: { family: 'HS', hash: 'sha256' }, HS384: { family: 'HS', hash: 'sha384' }, HS512: { family: 'HS', hash: 'sha512' },
  RS256: { family: 'RS', hash: 'sha256' }, RS384: { family: 'RS', hash: 'sha384' }, RS512: { family: 'RS', hash: 'sha512' },
  PS256: { family: 'PS', hash: 'sha256' }, PS384: { family: 'PS', hash: 'sha384' }, PS512: { family: 'PS', hash: 'sha512' },
  ES256: { family: 'ES', hash: 'sha256' }, ES384: { family: 'ES', hash: 'sha384' }, ES512: { family: 'ES', hash: 'sha512' },
  EdDSA: { family: 'EdDSA', hash: null },
};

/** Public keys from a PEM certificate / public key, a JWK, or a JWK set (unusable entries are skipped). */
function publicKeys(name: string, text: string): KeyObject[] {
  const t = text.trim();
  if (t.startsWith('{')) {
    let j: unknown;
    try { j = JSON.parse(t); } catch { fail(name, 'failed to parse a JWK key (set)'); }
    const list = isObject(j) && Array.isArray(j.keys) ? j.keys : [j];
    const out: KeyObject[] = [];
    for (const k of list) {
      try { out.push(createPublicKey({ key: k as JsonWebKey, format: 'jwk' })); } catch { /* unusable JWK */ }
    }
    if (out.length === 0) fail(name, 'failed to parse a JWK key (set)');
    return out;
  }
  try {
    if (t.includes('BEGIN CERTIFICATE')) return [new X509Certificate(t).publicKey];
    return [createPublicKey(t)];
  } catch {
    return fail(name, 'failed to parse a PEM certificate or key');
  }
}

function verifySignature(alg: string, keys: KeyObject[] | Buffer, t: Token): boolean {
  const a = ALGS[alg];
  if (!a) return false;
  const data = Buffer.from(t.signingInput, 'utf8');
  if (a.family === 'HS') {
    if (!Buffer.isBuffer(keys)) return false;
    const mac = createHmac(a.hash!, keys).update(data).digest();
    return mac.length === t.signature.length && timingSafeEqual(mac, t.signature);
  }
  if (Buffer.isBuffer(keys)) return false;
  return keys.some((key) => {
    try {
      switch (a.family) {
        case 'RS': return key.asymmetricKeyType === 'rsa' && cryptoVerify(a.hash, data, key, t.signature);
        case 'PS': return (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') &&
          cryptoVerify(a.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, t.signature);
        case 'ES': return key.asymmetricKeyType === 'ec' && cryptoVerify(a.hash, data, { key, dsaEncoding: 'ieee-p1363' }, t.signature);
        case 'EdDSA': return (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') && cryptoVerify(null, data, key, t.signature);
      }
    } catch { /* wrong key type or size: not verified */ }
    return false;
  });
}

function verifier(alg: string): HostBuiltin {
  const name = `io.jwt.verify_${alg.toLowerCase()}`;
  return {
    name, impl: 'host', decl: decl([S, S], B),
    fn: (jwt, key) => {
      const t = decodeToken(name, str(name, jwt, 1));
      const k = str(name, key, 2);
      return verifySignature(alg, ALGS[alg]!.family === 'HS' ? Buffer.from(k, 'utf8') : publicKeys(name, k), t);
    },
  };
}

const UNVERIFIED = [false, {}, {}];

function decodeVerify(jwt: unknown, constraints: unknown): unknown {
  const name = 'io.jwt.decode_verify';
  const token = str(name, jwt, 1);
  const c = obj(name, constraints, 2);
  let keys: KeyObject[] | Buffer | undefined;
  let alg: string | undefined, iss: string | undefined, aud: string | undefined;
  let time: number | undefined;
  for (const [k, v] of Object.entries(c)) {
    switch (k) {
      case 'cert': keys = publicKeys(name, str(name, v, 2)); break;
      case 'secret': keys = Buffer.from(str(name, v, 2), 'utf8'); break;
      case 'alg': alg = str(name, v, 2); break;
      case 'iss': iss = str(name, v, 2); break;
      case 'aud': aud = str(name, v, 2); break;
      case 'time':
        if (typeof v !== 'number' && typeof v !== 'bigint') fail(name, 'time constraint must be a number');
        time = Number(v);
        break;
      default: fail(name, `unknown token validation constraint: ${k}`);
    }
  }
  if ('cert' in c && 'secret' in c) fail(name, 'duplicate key constraints');
  if (keys === undefined) fail(name, 'no key constraints');
  let t = decodeToken(name, token);
  let header: Record<string, unknown>;
  for (;;) {
    header = t.header;
    const halg = header.alg;
    if (typeof halg !== 'string') return UNVERIFIED;
    if (alg !== undefined && alg !== halg) return UNVERIFIED;
    // An unknown "crit" extension cannot be honoured (RFC 7515 4.1.11).
    if (header.crit !== undefined) return UNVERIFIED;
    if (!verifySignature(halg, keys, t)) return UNVERIFIED;
    if (header.cty !== 'JWT') break;
    t = decodeToken(name, t.payloadText);
  }
  const payload = decodePayload(name, t);
  if (iss !== undefined && payload.iss !== iss) return UNVERIFIED;
  if (aud === undefined) {
    if (payload.aud !== undefined) return UNVERIFIED;
  } else {
    const pa = payload.aud;
    if (!(pa === aud || (Array.isArray(pa) && pa.includes(aud)))) return UNVERIFIED;
  }
  const nowSec = (time ?? Number(nowNs())) / 1e9;
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== 'number') fail(name, 'exp value must be a number');
    if (nowSec >= payload.exp) return UNVERIFIED;
  }
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') fail(name, 'nbf value must be a number');
    if (nowSec < payload.nbf) return UNVERIFIED;
  }
  return [true, header, payload];
}

function signingKey(name: string, family: Family, jwk: Record<string, unknown>): KeyObject {
  try {
    if (family === 'HS') {
      if (typeof jwk.k !== 'string') fail(name, 'JWK of kty "oct" needs "k"');
      return createSecretKey(Buffer.from(jwk.k, 'base64url'));
    }
    return createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (e) {
    if (e instanceof Error && e.name === 'BuiltinError') throw e;
    return fail(name, 'invalid JWK signing key');
  }
}

function sign(name: string, headerText: string, payloadText: string, jwk: Record<string, unknown>): string {
  let header: unknown;
  // OPA's messages (its JWS library's): empty text cannot be parsed; a header without an "alg" string has no alg header.
  if (headerText.trim() === '') fail(name, "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
  try { header = JSON.parse(headerText); } catch {
    // a broken object is unparseable; text that is no object at all simply has no "alg"
    fail(name, headerText.trimStart().startsWith('{') ? "missing or invalid 'alg' header: cannot parse JSON" : `missing or invalid 'alg' header: jwsbb: header "alg" not found`);
  }
  if (!isObject(header) || typeof header.alg !== 'string') fail(name, `missing or invalid 'alg' header: jwsbb: header "alg" not found`);
  const a = ALGS[header.alg] ?? fail(name, `unknown JWS algorithm: ${header.alg}`);
  if (header.typ === 'JWT') {
    try { JSON.parse(payloadText); } catch { fail(name, 'type is JWT but payload is not JSON'); }
  }
  const input = `${b64url(headerText)}.${b64url(payloadText)}`;
  const key = signingKey(name, a.family, jwk);
  const data = Buffer.from(input, 'utf8');
  let sig: Buffer;
  try {
    switch (a.family) {
      case 'HS': sig = createHmac(a.hash!, key).update(data).digest(); break;
      case 'RS': sig = cryptoSign(a.hash, data, key); break;
      case 'PS': sig = cryptoSign(a.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }); break;
      case 'ES': sig = cryptoSign(a.hash, data, { key, dsaEncoding: 'ieee-p1363' }); break;
      case 'EdDSA': sig = cryptoSign(null, data, key); break;
    }
  } catch {
    return fail(name, 'signing failed (key does not fit the algorithm)');
  }
  return `${input}.${b64url(sig)}`;
}

/** Go's json.Marshal of a Rego object: keys sorted, compact. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  if (isObject(v)) return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonicalJson(v[k])).join(',') + '}';
  return toJsonText(v);
}

export const jwtBuiltins: HostBuiltin[] = [
  {
    name: 'io.jwt.decode', impl: 'host', decl: decl([S], tuple(OBJ, OBJ, S)),
    fn: (jwt) => {
      const t = decodeToken('io.jwt.decode', str('io.jwt.decode', jwt, 1));
      return [t.header, decodePayload('io.jwt.decode', t), t.signature.toString('hex')];
    },
  },
  ...['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'].map(verifier),
  {
    name: 'io.jwt.decode_verify', impl: 'host', nondeterministic: true, decl: decl([S, SOBJ], tuple(B, OBJ, OBJ)),
    fn: decodeVerify,
  },
  {
    // Nondeterministic like OPA's: ES and PS signatures are randomised.
    name: 'io.jwt.encode_sign_raw', impl: 'host', nondeterministic: true, decl: decl([S, S, S], S),
    fn: (h, p, k) => {
      const name = 'io.jwt.encode_sign_raw';
      let jwk: unknown;
      try { jwk = JSON.parse(str(name, k, 3)); } catch { fail(name, 'invalid JWK key'); }
      if (!isObject(jwk)) fail(name, 'invalid JWK key');
      return sign(name, str(name, h, 1), str(name, p, 2), jwk);
    },
  },
  {
    name: 'io.jwt.encode_sign', impl: 'host', nondeterministic: true, decl: decl([SOBJ, SOBJ, SOBJ], S),
    fn: (h, p, k) => {
      const name = 'io.jwt.encode_sign';
      return sign(name, canonicalJson(obj(name, h, 1)), canonicalJson(obj(name, p, 2)), obj(name, k, 3));
    },
  },
];


