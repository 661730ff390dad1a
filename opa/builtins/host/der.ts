// A minimal DER reader for the X.509 structures the x509 builtins need (certificate and CSR
// subjects, splitting concatenated DER certificates). Throws DerError on malformed input.
export class DerError extends Error {}

export interface Tlv { tag: number; start: number; end: number; next: number; buf: Uint8Array }

export function readTlv(buf: Uint8Array, off: number): Tlv {
  if (off + 2 > buf.length) throw new DerError('asn1: structure error: truncated');
  const tag = buf[off]!;
  let len = buf[off + 1]!;
  let p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new DerError('asn1: structure error: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new DerError('asn1: structure error: data truncated');
  return { tag, start: p, end: p + len, next: p + len, buf };
}

export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = t.start; off < t.end;) {
    const c = readTlv(t.buf, off);
    out.push(c);
    off = c.next;
  }
  return out;
}

export function oid(t: Tlv): string {
  const b = t.buf.subarray(t.start, t.end);
  if (b.length === 0) throw new DerError('asn1: bad OID');
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

export function str(t: Tlv): string {
  const b = t.buf.subarray(t.start, t.end);
  switch (t.tag) {
    case 0x1e: { // BMPString: UTF-16BE
      let s = '';
      for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return s;
    }
    case 0x14: return Buffer.from(b).toString('latin1'); // T61String, as Go decodes it
    default: return Buffer.from(b).toString('utf8');
  }
}

/** Splits concatenated DER SEQUENCEs (a certificate chain in one buffer). */
export function splitDer(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < buf.length;) {
    const t = readTlv(buf, off);
    if (t.tag !== 0x30) throw new DerError('x509: malformed certificate');
    out.push(buf.subarray(off, t.next));
    off = t.next;
  }
  return out;
}

const NAME_FIELDS: Record<string, string> = {
  '2.5.4.6': 'Country', '2.5.4.10': 'Organization', '2.5.4.11': 'OrganizationalUnit', '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province', '2.5.4.9': 'StreetAddress', '2.5.4.17': 'PostalCode',
};

/** Go's pkix.Name JSON for a DER Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
export function pkixName(name: Tlv): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Country: null, Organization: null, OrganizationalUnit: null, Locality: null, Province: null,
    StreetAddress: null, PostalCode: null, SerialNumber: '', CommonName: '', Names: [], ExtraNames: null,
  };
  const names: unknown[] = [];
  for (const rdn of children(name)) {
    for (const atv of children(rdn)) {
      const [t, v] = children(atv);
      if (!t || !v) throw new DerError('asn1: structure error');
      const o = oid(t), value = str(v);
      names.push({ Type: o.split('.').map(Number), Value: value });
      const f = NAME_FIELDS[o];
      if (f) out[f] = [...((out[f] as string[] | null) ?? []), value];
      else if (o === '2.5.4.3') out.CommonName = value;
      else if (o === '2.5.4.5') out.SerialNumber = value;
    }
  }
  out.Names = names;
  return out;
}
