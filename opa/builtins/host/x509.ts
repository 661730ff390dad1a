// crypto.x509.parse_certificates and crypto.x509.parse_certificate_request: a subset of Go's
// x509.Certificate / x509.CertificateRequest JSON (Raw, Version, SerialNumber, Issuer, Subject,
// NotBefore, NotAfter, DNSNames, EmailAddresses, IPAddresses, URIStrings, IsCA for certificates;
// Raw, Version, Subject for requests). Other Go fields are not produced.
import { X509Certificate } from 'node:crypto';
import type { HostBuiltin } from './index.ts';
import { S, B, SOBJ, arrayOf, tuple, objOf, ANY, decl } from './types.ts';
import { nowNs } from './clock.ts';
import { fail, str } from './errors.ts';
import { DerError, readTlv, children, splitDer, pkixName } from './der.ts';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** DER blocks from PEM text, base64 PEM, or base64 DER (OPA accepts all three). */
function derBlocks(name: string, input: string, pemType: string): Uint8Array[] {
  let text = input;
  if (!text.includes('-----BEGIN')) {
    const t = text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) fail(name, 'illegal base64 data');
    const raw = Buffer.from(t, 'base64');
    if (!raw.toString('latin1').includes('-----BEGIN')) return [raw];
    text = raw.toString('utf8');
  }
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (m[1] === pemType) out.push(Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'));
  }
  if (out.length === 0) fail(name, 'failed to find any PEM data');
  return out;
}

const fit = (n: bigint): number | bigint => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);

function goTime(s: string): string {
  return new Date(s).toISOString().replace(/\.000Z$/, 'Z');
}

function certificate(name: string, der: Uint8Array): Record<string, unknown> {
  let c: X509Certificate;
  try { c = new X509Certificate(Buffer.from(der)); } catch { return fail(name, 'x509: malformed certificate'); }
  // tbsCertificate: [0] version?, serial, sigAlg, issuer, validity, subject, ...
  const tbs = children(children(readTlv(der, 0))[0]!);
  const hasVersion = tbs[0]!.tag === 0xa0;
  const version = hasVersion ? der[children(tbs[0]!)[0]!.start]! + 1 : 1;
  const [issuer, , subject] = tbs.slice(hasVersion ? 3 : 2);
  const san = (c.subjectAltName ?? '').split(', ').filter((x) => x !== '');
  const pick = (prefix: string): string[] | null => {
    const xs = san.filter((x) => x.startsWith(prefix)).map((x) => x.slice(prefix.length));
    return xs.length ? xs : null; // Go marshals empty slices of a parsed cert as null
  };
  return {
    Raw: Buffer.from(der).toString('base64'),
    Version: version,
    SerialNumber: fit(BigInt('0x' + c.serialNumber)),
    Issuer: pkixName(issuer!),
    Subject: pkixName(subject!),
    NotBefore: goTime(c.validFrom),
    NotAfter: goTime(c.validTo),
    IsCA: c.ca,
    DNSNames: pick('DNS:'),
    EmailAddresses: pick('email:'),
    IPAddresses: pick('IP Address:'),
    URIStrings: pick('URI:'),
  };
}

/**
 * Go's x509 chain verification, simplified to the given order: the first certificate is the trusted
 * root, the last the leaf, the rest intermediates; each must be signed by the one before it, be valid
 * at `atMs`, and every issuer but the root must be a CA. Returns the chain leaf first, as OPA.
 */
function verifyChain(name: string, input: string, atMs: number, dnsName?: string): unknown[] {
  let ders: Uint8Array[];
  try {
    ders = derBlocks(name, input, 'CERTIFICATE').flatMap((d) => splitDer(d));
  } catch (e) {
    if (e instanceof DerError) return [false, []];
    throw e;
  }
  if (ders.length < 2) return [false, []];
  let certs: X509Certificate[];
  try { certs = ders.map((d) => new X509Certificate(Buffer.from(d))); } catch { return [false, []]; }
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i]!;
    if (atMs < Date.parse(c.validFrom) || atMs > Date.parse(c.validTo)) return [false, []];
    if (i === 0) continue;
    const issuer = certs[i - 1]!;
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) return [false, []];
    if (i > 1 && !issuer.ca) return [false, []];
  }
  if (dnsName !== undefined && certs[certs.length - 1]!.checkHost(dnsName) === undefined) return [false, []];
  return [true, ders.map((d) => certificate(name, d)).reverse()];
}

export const x509Builtins: HostBuiltin[] = [
  {
    name: 'crypto.x509.parse_and_verify_certificates', impl: 'host', decl: decl([S], tuple(B, arrayOf(SOBJ))),
    fn: (s) => {
      const name = 'crypto.x509.parse_and_verify_certificates';
      return verifyChain(name, str(name, s, 1), Number(nowNs() / 1_000_000n));
    },
  },
  {
    name: 'crypto.x509.parse_and_verify_certificates_with_options', impl: 'host',
    decl: decl([S, objOf(S, ANY)], tuple(B, arrayOf(SOBJ))),
    fn: (s, opts) => {
      const name = 'crypto.x509.parse_and_verify_certificates_with_options';
      const o = opts !== null && typeof opts === 'object' && !Array.isArray(opts) ? opts as Record<string, unknown> : fail(name, 'operand 2 must be object');
      let at = Number(nowNs() / 1_000_000n), dns: string | undefined;
      for (const [k, v] of Object.entries(o)) {
        if (k === 'DNSName') dns = typeof v === 'string' ? v : fail(name, 'DNSName must be a string');
        else if (k === 'CurrentTime') at = typeof v === 'number' || typeof v === 'bigint' ? Number(v) / 1e6 : fail(name, 'CurrentTime must be a number');
        // Not modelled: refusing them beats verifying something weaker than asked.
        else fail(name, `option ${k} is not supported`);
      }
      return verifyChain(name, str(name, s, 1), at, dns);
    },
  },
  {
    name: 'crypto.x509.parse_certificates', impl: 'host', decl: decl([S], arrayOf(SOBJ)),
    fn: (s) => {
      const name = 'crypto.x509.parse_certificates';
      try {
        const ders = derBlocks(name, str(name, s, 1), 'CERTIFICATE').flatMap((d) => splitDer(d));
        return ders.map((d) => certificate(name, d));
      } catch (e) {
        // Go's x509.ParseCertificates reports any broken outer DER structure as a malformed certificate.
        if (e instanceof DerError) fail(name, 'x509: malformed certificate');
        throw e;
      }
    },
  },
  {
    name: 'crypto.x509.parse_certificate_request', impl: 'host', decl: decl([S], SOBJ),
    fn: (s) => {
      const name = 'crypto.x509.parse_certificate_request';
      try {
        const [der] = derBlocks(name, str(name, s, 1), 'CERTIFICATE REQUEST');
        const outer = readTlv(der!, 0);
        if (outer.tag !== 0x30 || outer.next !== der!.length) throw new DerError('asn1: structure error');
        const info = children(children(outer)[0]!);
        if (info.length < 3 || info[0]!.tag !== 0x02 || info[1]!.tag !== 0x30) throw new DerError('asn1: structure error');
        return { Raw: Buffer.from(der!).toString('base64'), Version: der![info[0]!.start]!, Subject: pkixName(info[1]!) };
      } catch (e) {
        if (e instanceof DerError) fail(name, e.message);
        throw e;
      }
    },
  },
];
