// Parses a compact JWS before any key is touched: size limits first, then strict base64url and JSON.
import { IdentityError } from './errors.ts';

/** A header beyond this is refused before it is decoded: headers are attacker-sized input. */
export const maxHeaderBytes = 16 * 1024;
/** Entra tokens with many groups reach ~10 KiB; 64 KiB leaves room and bounds the work. */
export const maxTokenBytes = 64 * 1024;

export interface ParsedJws {
  /** The token as verified (whitespace and a `Bearer ` prefix removed). */
  compact: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  alg: string;
  kid?: string;
  typ?: string;
}

const b64url = /^[A-Za-z0-9_-]*$/;

function decodeSegment(seg: string, what: string): Record<string, unknown> {
  if (!b64url.test(seg)) throw new IdentityError('WRIT_TOKEN_MALFORMED', `${what} is not base64url (characters outside A-Z a-z 0-9 - _)`);
  if (seg.length % 4 === 1) throw new IdentityError('WRIT_TOKEN_MALFORMED', `${what} is not base64url (impossible length ${seg.length}; truncated?)`);
  const text = Buffer.from(seg, 'base64url').toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new IdentityError('WRIT_TOKEN_MALFORMED', `${what} is not JSON (truncated or corrupted token?)`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new IdentityError('WRIT_TOKEN_MALFORMED', `${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

export function parseCompact(token: string): ParsedJws {
  if (typeof token !== 'string' || token.length === 0) throw new IdentityError('WRIT_TOKEN_MALFORMED', 'no token given');
  token = token.trim();
  if (/^bearer\s/i.test(token)) token = token.replace(/^bearer\s+/i, '');
  if (token.length > maxTokenBytes) throw new IdentityError('WRIT_TOKEN_TOO_LARGE', `token is ${token.length} bytes; at most ${maxTokenBytes} are accepted`);
  const first = token.indexOf('.');
  const headerSeg = first < 0 ? token : token.slice(0, first);
  // Decoded size from the encoded length, so a huge header costs nothing to refuse.
  if (Math.floor((headerSeg.length * 3) / 4) > maxHeaderBytes) {
    throw new IdentityError('WRIT_TOKEN_TOO_LARGE', `token header is about ${Math.floor((headerSeg.length * 3) / 4)} bytes; at most ${maxHeaderBytes} are accepted (refused before parsing)`);
  }
  const parts = token.split('.');
  if (parts.length === 5) throw new IdentityError('WRIT_TOKEN_MALFORMED', 'token is encrypted (JWE, 5 segments); writ accepts signed JWTs (3 segments)');
  if (parts.length !== 3) throw new IdentityError('WRIT_TOKEN_MALFORMED', `token has ${parts.length} segment${parts.length === 1 ? '' : 's'}; a signed JWT has 3 (header.payload.signature): truncated?`);
  const header = decodeSegment(parts[0], 'token header');
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') throw new IdentityError('WRIT_TOKEN_MALFORMED', 'token header has no "alg"');
  if (alg.toLowerCase() === 'none') throw new IdentityError('WRIT_TOKEN_ALG_NONE', 'token is unsigned (alg "none"); unsigned tokens are never accepted');
  if (/^HS\d+$/i.test(alg)) {
    throw new IdentityError('WRIT_TOKEN_ALG_SYMMETRIC', `token uses ${alg} (HMAC); writ's issuers sign with public-key algorithms, and an HMAC over their public key is the key-confusion attack`);
  }
  // Unencoded payloads (b64) and critical extensions would make what jose verifies differ from what we read.
  if (header.b64 !== undefined || header.crit !== undefined) throw new IdentityError('WRIT_TOKEN_MALFORMED', 'token header uses "crit"/"b64" extensions, which writ does not accept');
  if (parts[2] === '') throw new IdentityError('WRIT_TOKEN_MALFORMED', 'token has an empty signature');
  if (!b64url.test(parts[2]) || parts[2].length % 4 === 1) throw new IdentityError('WRIT_TOKEN_MALFORMED', 'token signature is not base64url');
  const payload = decodeSegment(parts[1], 'token payload');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new IdentityError('WRIT_TOKEN_MALFORMED', 'token header "kid" is not a string');
  if (header.typ !== undefined && typeof header.typ !== 'string') throw new IdentityError('WRIT_TOKEN_MALFORMED', 'token header "typ" is not a string');
  return { compact: token, header, payload, alg, kid: header.kid as string | undefined, typ: header.typ as string | undefined };
}
