// semver.is_valid and semver.compare (Semantic Versioning 2.0.0, no leading "v", as OPA).
import type { HostBuiltin } from './index.ts';
import { ANY, S, N, B, decl } from './types.ts';
import { fail, str } from './errors.ts';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

interface Version { core: bigint[]; pre: string[] }

function parse(s: string): Version | undefined {
  const m = SEMVER.exec(s);
  if (!m) return undefined;
  return { core: [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)], pre: m[4] ? m[4].split('.') : [] };
}

function cmp<T>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareIdent(a: string, b: string): number {
  const na = /^\d+$/.test(a), nb = /^\d+$/.test(b);
  if (na && nb) return cmp(BigInt(a), BigInt(b));
  if (na) return -1; // numeric identifiers have lower precedence
  if (nb) return 1;
  return cmp(a, b);
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const c = cmp(a.core[i]!, b.core[i]!);
    if (c !== 0) return c;
  }
  // A release ranks above any of its pre-releases.
  if (a.pre.length === 0 && b.pre.length === 0) return 0;
  if (a.pre.length === 0) return 1;
  if (b.pre.length === 0) return -1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const c = compareIdent(a.pre[i]!, b.pre[i]!);
    if (c !== 0) return c;
  }
  return cmp(a.pre.length, b.pre.length);
}

export const semverBuiltins: HostBuiltin[] = [
  {
    name: 'semver.is_valid', impl: 'host', decl: decl([ANY], B),
    fn: (v) => typeof v === 'string' && parse(v) !== undefined,
  },
  {
    name: 'semver.compare', impl: 'host', decl: decl([S, S], N),
    fn: (a, b) => {
      const x = parse(str('semver.compare', a, 1)) ?? fail('semver.compare', `string ${JSON.stringify(a)} is not a valid SemVer`);
      const y = parse(str('semver.compare', b, 2)) ?? fail('semver.compare', `string ${JSON.stringify(b)} is not a valid SemVer`);
      return compareVersions(x, y);
    },
  },
];
