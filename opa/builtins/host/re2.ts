// RE2 (Go regexp) patterns on JavaScript RegExp: translates the syntax differences that matter
// (leading flag groups, (?P<name>), \A, \z, \Q..\E, POSIX classes) and implements Go's
// FindAll iteration and $-template expansion. Known gaps: RE2's \s excludes \v and Unicode spaces,
// '.' matches UTF-16 units, (?U) and flag groups after the start are refused (call is undefined).

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

const cache = new Map<string, RegExp | null>();

/** A global JS RegExp equivalent to the RE2 pattern, or undefined if it is invalid/unsupported. */
export function compileRe2(pattern: string): RegExp | undefined {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit ?? undefined;
  let re: RegExp | null = null;
  try {
    const t = translate(pattern);
    if (t) re = new RegExp(t.source, 'g' + t.flags);
  } catch {
    re = null;
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re ?? undefined;
}

function translate(p: string): { source: string; flags: string } | undefined {
  let flags = '';
  let i = 0;
  const lead = /^\(\?([imsU]+)\)/.exec(p);
  if (lead) {
    if (lead[1]!.includes('U')) return undefined;
    flags = [...new Set(lead[1]!)].join('');
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  for (; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) return undefined;
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = end < 0 ? p.slice(i + 2) : p.slice(i + 2, end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? p.length : end + 1;
        continue;
      }
      if (!inClass && n === 'A') { out += '(?<![\\s\\S])'; i++; continue; }
      if (!inClass && n === 'z') { out += '(?![\\s\\S])'; i++; continue; }
      if (n === 'C' || n === 'Z') return undefined;
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        const end = p.indexOf(':]', i + 2);
        const name = end < 0 ? '' : p.slice(i + 2, end);
        const neg = name.startsWith('^');
        const cls = POSIX[neg ? name.slice(1) : name];
        if (!cls || neg) return undefined;
        out += cls;
        i = end + 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (p[i + 1] === '^') { out += '^'; i++; }
      if (p[i + 1] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      if (p[i + 2] === 'P' && p[i + 3] === '<') { out += '(?<'; i += 3; continue; }
      if (p[i + 2] === ':' ) { out += '(?:'; i += 2; continue; }
      if (p[i + 2] === '<' && /[A-Za-z_]/.test(p[i + 3] ?? '')) { out += '(?<'; i += 2; continue; }
      return undefined; // lookarounds and inner flag groups are not RE2 / not supported
    }
    out += c;
  }
  if (inClass) return undefined;
  return { source: out, flags };
}

/** Go's FindAll: successive non-overlapping matches; an empty match abutting the previous one is skipped. */
export function findAll(re: RegExp, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  let pos = 0, prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index, end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      const cp = s.codePointAt(start);
      pos = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(m);
  }
  return out;
}

/** Go's Regexp.Expand of a $-template for one match. */
export function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$') { out += c; continue; }
    if (template[i + 1] === '$') { out += '$'; i++; continue; }
    let name: string | undefined, len = 0;
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(template.slice(i + 1));
    const bare = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
    if (braced) { name = braced[1]; len = braced[0].length; }
    else if (bare) { name = bare[0]; len = bare[0].length; }
    if (name === undefined) { out += '$'; continue; }
    i += len;
    if (/^\d+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
  }
  return out;
}
