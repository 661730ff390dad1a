// uri.parse and uri.is_valid, following Go's net/url.Parse: scheme, authority (userinfo, host,
// port) validation, percent-decoding per component, and Go's RawPath rule for raw_path.
import type { HostBuiltin } from './index.ts';
import { S, B, objOf, decl } from './types.ts';
import { fail, str } from './errors.ts';

type Mode = 'path' | 'host' | 'userinfo' | 'fragment';

export class UrlError extends Error {}

function isUnreserved(c: string): boolean {
  return /[A-Za-z0-9\-_.~]/.test(c);
}

/** Go's shouldEscape for the modes used here. */
function shouldEscape(c: string, mode: Mode): boolean {
  if (isUnreserved(c)) return false;
  if (mode === 'host') return !"!$&'()*+,;=:[]<>\"".includes(c);
  if ('$&+,/:;=?@'.includes(c)) {
    if (mode === 'path') return c === '?';
    if (mode === 'userinfo') return c === '@' || c === '/' || c === '?' || c === ':';
    return false; // fragment
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

function unescape(s: string, mode: Mode): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      // In a host, escapes may only encode non-ASCII bytes (and %25 for zones).
      if (mode === 'host' && parseInt(h[0]!, 16) < 8 && h !== '25') throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(parseInt(h, 16));
      i += 2;
      continue;
    }
    if (mode === 'host' && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) throw new UrlError(`invalid character ${JSON.stringify(c)} in host name`);
    bytes.push(...enc.encode(c));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

export function escapePath(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && !shouldEscape(c, 'path') ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const validPort = (p: string): boolean => p === '' || /^:[0-9]*$/.test(p);

interface Url { scheme: string; hostname: string; port: string; path: string; rawPath: string; rawQuery: string; fragment: string }

export function parseUrl(raw: string): Url {
  const u: Url = { scheme: '', hostname: '', port: '', path: '', rawPath: '', rawQuery: '', fragment: '' };
  let rest = raw;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    u.fragment = unescape(rest.slice(hash + 1), 'fragment');
    rest = rest.slice(0, hash);
  }
  if (/[\x00-\x1f\x7f]/.test(rest)) throw new UrlError('net/url: invalid control character in URL');
  if (rest === '') return u;
  const sm = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (rest.startsWith(':')) throw new UrlError('missing protocol scheme');
  if (sm) {
    u.scheme = sm[1]!.toLowerCase();
    rest = rest.slice(sm[0].length);
  }
  const q = rest.indexOf('?');
  if (q >= 0) {
    u.rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') return u; // opaque
    const colon = rest.indexOf(':'), slash = rest.indexOf('/');
    if (colon >= 0 && (slash < 0 || colon < slash)) throw new UrlError('first path segment in URL cannot contain colon');
  }
  if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = slash >= 0 ? authority.slice(slash) : '';
    if (slash >= 0) authority = authority.slice(0, slash);
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new UrlError('net/url: invalid userinfo');
      unescape(userinfo, 'userinfo');
    }
    let host = authority.slice(at + 1);
    if (host.startsWith('[')) {
      const close = host.lastIndexOf(']');
      if (close < 0) throw new UrlError("missing ']' in host");
      const colonPort = host.slice(close + 1);
      if (!validPort(colonPort)) throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
      u.port = colonPort.slice(1);
      host = host.slice(1, close);
    } else {
      const colon = host.lastIndexOf(':');
      if (colon >= 0) {
        const colonPort = host.slice(colon);
        if (!validPort(colonPort)) throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
        u.port = colonPort.slice(1);
        host = host.slice(0, colon);
      }
    }
    u.hostname = unescape(host, 'host');
  }
  u.path = unescape(rest, 'path');
  u.rawPath = escapePath(u.path) === rest ? '' : rest;
  return u;
}

export const uriBuiltins: HostBuiltin[] = [
  {
    name: 'uri.parse', impl: 'host', decl: decl([S], objOf(S, S)),
    fn: (s) => {
      const text = str('uri.parse', s, 1);
      let u: Url;
      try { u = parseUrl(text); } catch (e) {
        if (e instanceof UrlError) fail('uri.parse', `parse ${JSON.stringify(text)}: ${e.message}`);
        throw e;
      }
      const out: Record<string, string> = {};
      if (u.scheme) out.scheme = u.scheme;
      if (u.hostname) out.hostname = u.hostname;
      if (u.port) out.port = u.port;
      if (u.path) { out.path = u.path; out.raw_path = u.rawPath || u.path; }
      if (u.rawQuery) out.raw_query = u.rawQuery;
      if (u.fragment) out.fragment = u.fragment;
      return out;
    },
  },
  {
    name: 'uri.is_valid', impl: 'host', decl: decl([S], B),
    fn: (s) => {
      const text = str('uri.is_valid', s, 1);
      if (text === '') return false;
      try { parseUrl(text); return true; } catch (e) {
        if (e instanceof UrlError) return false;
        throw e;
      }
    },
  },
];
