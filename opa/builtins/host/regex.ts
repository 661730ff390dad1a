// Regex builtins missing from the SDK: regex.replace, regex.find_n, regex.template_match
// (RE2 patterns through re2.ts).
import type { HostBuiltin } from './index.ts';
import { S, N, B, arrayOf, decl } from './types.ts';
import { fail, str, int } from './errors.ts';
import { compileRe2, findAll, expand } from './re2.ts';

function re(name: string, pattern: string): RegExp {
  return compileRe2(pattern) ?? fail(name, `error parsing regexp: ${JSON.stringify(pattern)}`);
}

const quoteMeta = (s: string): string => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

/** ladon-style template: literal text with regexes between balanced delimiters. */
function templatePattern(tpl: string, open: string, close: string): string | undefined {
  let out = '^', level = 0, start = 0, litStart = 0;
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === open) {
      if (level++ === 0) start = i;
    } else if (tpl[i] === close) {
      if (--level === 0) {
        out += quoteMeta(tpl.slice(litStart, start)) + '(' + tpl.slice(start + 1, i) + ')';
        litStart = i + 1;
      } else if (level < 0) return undefined;
    }
  }
  if (level !== 0) return undefined;
  return out + quoteMeta(tpl.slice(litStart)) + '$';
}

export const regexBuiltins: HostBuiltin[] = [
  {
    name: 'regex.replace', impl: 'host', decl: decl([S, S, S], S),
    fn: (s, pattern, value) => {
      const name = 'regex.replace';
      const text = str(name, s, 1), tpl = str(name, value, 3);
      const r = re(name, str(name, pattern, 2));
      let out = '', last = 0;
      for (const m of findAll(r, text, -1)) {
        out += text.slice(last, m.index) + expand(tpl, m);
        last = m.index + m[0].length;
      }
      return out + text.slice(last);
    },
  },
  {
    name: 'regex.find_n', impl: 'host', decl: decl([S, S, N], arrayOf(S)),
    fn: (pattern, value, n) => {
      const name = 'regex.find_n';
      const r = re(name, str(name, pattern, 1));
      return findAll(r, str(name, value, 2), int(name, n, 3)).map((m) => m[0]);
    },
  },
  {
    name: 'regex.template_match', impl: 'host', decl: decl([S, S, S, S], B),
    fn: (template, value, ds, de) => {
      const name = 'regex.template_match';
      const open = str(name, ds, 3), close = str(name, de, 4);
      if ([...open].length !== 1 || [...close].length !== 1) fail(name, 'delimiters must be single characters');
      const p = templatePattern(str(name, template, 1), open, close) ?? fail(name, 'unbalanced braces in template');
      const r = re(name, p);
      r.lastIndex = 0;
      return r.test(str(name, value, 2));
    },
  },
];
