// Private-key builtins on node:crypto: crypto.x509.parse_rsa_private_key (RSA JWK),
// crypto.parse_private_keys (JWKs of every PEM private key), crypto.x509.parse_keypair (the
// certificate chain as base64 DER, like Go's tls.Certificate.Certificate; other fields not modelled).
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { HostBuiltin } from './index.ts';
import { S, SOBJ, arrayOf, decl } from './types.ts';
import { fail, str } from './errors.ts';

/** PEM text given directly or base64-encoded (OPA accepts both). */
function pemText(name: string, s: string): string {
  if (s.includes('-----BEGIN')) return s;
  const t = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) fail(name, 'illegal base64 data');
  return Buffer.from(t, 'base64').toString('utf8');
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function jwk(k: KeyObject): Record<string, unknown> {
  return k.export({ format: 'jwk' }) as Record<string, unknown>;
}

export const keyBuiltins: HostBuiltin[] = [
  {
    name: 'crypto.x509.parse_rsa_private_key', impl: 'host', decl: decl([S], SOBJ),
    fn: (s) => {
      const name = 'crypto.x509.parse_rsa_private_key';
      const pem = pemText(name, str(name, s, 1));
      let k: KeyObject;
      try { k = createPrivateKey(pem); } catch { return fail(name, 'failed to parse a PEM private key'); }
      if (k.asymmetricKeyType !== 'rsa') fail(name, 'not an RSA private key');
      return jwk(k);
    },
  },
  {
    name: 'crypto.parse_private_keys', impl: 'host', decl: decl([S], arrayOf(SOBJ)),
    fn: (s) => {
      const name = 'crypto.parse_private_keys';
      const text = str(name, s, 1);
      if (text === '') return null; // OPA answers null for an empty string
      let pem: string;
      try { pem = pemText(name, text); } catch { return []; }
      const out: unknown[] = [];
      for (const m of pem.matchAll(PEM_BLOCK)) {
        if (!m[1]!.includes('PRIVATE KEY')) continue;
        try { out.push(jwk(createPrivateKey(m[0]))); } catch { fail(name, 'failed to parse a PEM private key'); }
      }
      return out;
    },
  },
  {
    name: 'crypto.x509.parse_keypair', impl: 'host', decl: decl([S, S], SOBJ),
    fn: (c, k) => {
      const name = 'crypto.x509.parse_keypair';
      const certPem = pemText(name, str(name, c, 1)), keyPem = pemText(name, str(name, k, 2));
      const chain: string[] = [];
      for (const m of certPem.matchAll(PEM_BLOCK)) {
        if (m[1] !== 'CERTIFICATE') continue;
        try { chain.push(new X509Certificate(m[0]).raw.toString('base64')); } catch { fail(name, 'failed to parse certificate'); }
      }
      if (chain.length === 0) fail(name, 'failed to find any PEM data in certificate input');
      let key: KeyObject;
      try { key = createPrivateKey(keyPem); } catch { return fail(name, 'failed to parse private key'); }
      // The key must belong to the leaf certificate.
      const leaf = new X509Certificate(Buffer.from(chain[0]!, 'base64'));
      if (!leaf.checkPrivateKey(key)) fail(name, 'private key does not match public key');
      return { Certificate: chain };
    },
  },
];
