// uuid.rfc4122 (random v4, stable per key within one evaluation) and uuid.parse (google/uuid's
// accepted forms and the fields OPA reports for version 1 and 2 UUIDs).
import { randomUUID } from 'node:crypto';
import type { HostBuiltin } from './index.ts';
import { S, SOBJ, decl } from './types.ts';
import { fail, str } from './errors.ts';
import { evalScoped } from './eval-scope.ts';

// Offset between the UUID epoch (1582-10-15) and the Unix epoch, in 100 ns units.
const GREGORIAN_OFFSET = 122192928000000000n;

function uuidBytes(s: string): Uint8Array | undefined {
  let body: string;
  if (s.length === 36) body = s;
  else if (s.length === 45) {
    if (s.slice(0, 9).toLowerCase() !== 'urn:uuid:') return undefined;
    body = s.slice(9);
  } else if (s.length === 38) body = s.slice(1, 37); // "{...}" form: the outer characters are not examined
  else if (s.length === 32) return hexBytes(s);
  else return undefined;
  if (body[8] !== '-' || body[13] !== '-' || body[18] !== '-' || body[23] !== '-') return undefined;
  return hexBytes(body.slice(0, 8) + body.slice(9, 13) + body.slice(14, 18) + body.slice(19, 23) + body.slice(24));
}

function hexBytes(h: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{32}$/.test(h)) return undefined;
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122';
  if ((b & 0xe0) === 0xc0) return 'Microsoft';
  if ((b & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

function parseUuid(s: string): Record<string, unknown> | undefined {
  const u = uuidBytes(s);
  if (!u) return undefined;
  const version = u[6]! >> 4;
  const out: Record<string, unknown> = { version, variant: variant(u[8]!) };
  if (version === 1 || version === 2) {
    const dv = new DataView(u.buffer, u.byteOffset, 16);
    const ticks = BigInt(dv.getUint32(0)) | (BigInt(dv.getUint16(4)) << 32n) | (BigInt(dv.getUint16(6) & 0x0fff) << 48n);
    const ns = (ticks - GREGORIAN_OFFSET) * 100n;
    out.time = ns >= BigInt(Number.MIN_SAFE_INTEGER) && ns <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ns) : ns;
    out.clocksequence = dv.getUint16(8) & 0x3fff;
    const node = u.slice(10, 16);
    out.nodeid = [...node].map((b) => b.toString(16).padStart(2, '0')).join('-');
    out.macvariables = `${node[0]! & 0x02 ? 'local' : 'global'}:${node[0]! & 0x01 ? 'multicast' : 'unicast'}`;
    if (version === 2) {
      out.id = dv.getUint32(0);
      const d = u[9]!;
      out.domain = d === 0 ? 'Person' : d === 1 ? 'Group' : d === 2 ? 'Org' : `Domain${d}`;
    }
  }
  return out;
}

export const uuidBuiltins: HostBuiltin[] = [
  {
    name: 'uuid.rfc4122', impl: 'host', nondeterministic: true, decl: decl([S], S),
    // OPA returns the same UUID for the same key throughout one query evaluation.
    fn: (k) => evalScoped('uuid.rfc4122:' + str('uuid.rfc4122', k, 1), () => randomUUID()),
  },
  {
    name: 'uuid.parse', impl: 'host', decl: decl([S], SOBJ),
    fn: (s) => parseUuid(str('uuid.parse', s, 1)) ?? fail('uuid.parse', 'invalid UUID'),
  },
];
