// Hash and HMAC builtins (crypto.md5/sha1/sha256, crypto.hmac.*) on node:crypto.
// Inputs are the UTF-8 bytes of the strings; results are lowercase hex like OPA's.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { HostBuiltin } from './index.ts';
import { S, B, decl } from './types.ts';
import { str } from './errors.ts';

function hash(name: string, algo: string): HostBuiltin {
  return {
    name, impl: 'host', decl: decl([S], S),
    fn: (x) => createHash(algo).update(str(name, x, 1), 'utf8').digest('hex'),
  };
}

function hmac(name: string, algo: string): HostBuiltin {
  return {
    name, impl: 'host', decl: decl([S, S], S),
    fn: (x, key) => createHmac(algo, Buffer.from(str(name, key, 2), 'utf8')).update(str(name, x, 1), 'utf8').digest('hex'),
  };
}

export const cryptoBuiltins: HostBuiltin[] = [
  hash('crypto.md5', 'md5'),
  hash('crypto.sha1', 'sha1'),
  hash('crypto.sha256', 'sha256'),
  hmac('crypto.hmac.md5', 'md5'),
  hmac('crypto.hmac.sha1', 'sha1'),
  hmac('crypto.hmac.sha256', 'sha256'),
  hmac('crypto.hmac.sha512', 'sha512'),
  {
    name: 'crypto.hmac.equal', impl: 'host', decl: decl([S, S], B),
    fn: (a, b) => {
      // Go's hmac.Equal: constant time over equal-length inputs.
      const x = Buffer.from(str('crypto.hmac.equal', a, 1), 'utf8');
      const y = Buffer.from(str('crypto.hmac.equal', b, 2), 'utf8');
      return x.length === y.length && timingSafeEqual(x, y);
    },
  },
];
