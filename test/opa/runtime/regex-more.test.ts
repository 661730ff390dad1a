// regex.split, regex.find_n, regex.replace, regex.template_match (native, regex_more.c) and
// regex.globs_match (regex_globs.c) end to end through compiled Rego. Expectations are Go's answers
// (RE2; OPA's glob-intersection walk), including where JavaScript's RegExp would answer
// differently (lookarounds refused, \z, (?i), (?U), \p{..}, \s, POSIX classes, $ templates).
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, loadCompiled } from '../../../opa/index.ts';

type Policy = Awaited<ReturnType<typeof loadCompiled>>;

const SRC = `package t

split := x if { x := regex.split(input.a, input.b) }
find_n := x if { x := regex.find_n(input.a, input.b, input.c) }
replace := x if { x := regex.replace(input.a, input.b, input.c) }
tmatch := x if { x := regex.template_match(input.a, input.b, input.c, input.d) }
globs := x if { x := regex.globs_match(input.a, input.b) }
const_split := regex.split("[,;]\\\\s*", "a, b;c")
`;
const EPS = ['t/split', 't/find_n', 't/replace', 't/tmatch', 't/globs', 't/const_split'];

let policy: Policy;
let strict: Policy;

beforeAll(async () => {
  const r = compile([{ file: 't.rego', text: SRC }], { entrypoints: EPS });
  expect(r.diagnostics).toEqual([]);
  policy = await loadCompiled(r.wasm!);
  const s = compile([{ file: 't.rego', text: SRC }], { entrypoints: EPS, strictBuiltinErrors: true });
  expect(s.diagnostics).toEqual([]);
  strict = await loadCompiled(s.wasm!, {}, { strictBuiltinErrors: true });
}, 60_000);

function run(ep: string, args: unknown[]): unknown {
  const input = Object.fromEntries(args.map((v, i) => ['abcd'[i]!, v]));
  return policy.evaluate(input, ep)[0]?.result;
}

type Case = [unknown[], unknown];

function table(ep: string, cases: Case[]): void {
  for (const [args, want] of cases) {
    it(`${JSON.stringify(args)} -> ${JSON.stringify(want)}`, () => {
      expect(run(ep, args)).toEqual(want);
    });
  }
}

describe('regex.split (Go Regexp.Split(s, -1))', () => {
  table('t/split', [
    [[',', 'a,b,c'], ['a', 'b', 'c']],
    [['a', 'banana'], ['b', 'n', 'n', '']],
    [['z+', 'pizza'], ['pi', 'a']],
    [['a*', 'abaabaccadaaae'], ['', 'b', 'b', 'c', 'c', 'd', 'e']],
    [['x*', 'axbxxc'], ['a', 'b', 'c']],
    [['', 'abc'], ['a', 'b', 'c']],
    [['', 'héllo'], ['h', 'é', 'l', 'l', 'o']],
    [['', ''], []],
    [['a', ''], ['']],
    [['^', 'abc'], ['abc']],
    [['$', 'abc'], ['abc']],
    [['\\d', 'a1b22c'], ['a', 'b', '', 'c']],
    [['.', 'a\nb'], ['', '\n', '']],
    [['\\s+', 'a  b\tc\n'], ['a', 'b', 'c', '']],
    [['\\p{Greek}', 'aαbβc'], ['a', 'b', 'c']],
    [['(?i)x', 'aXbxc'], ['a', 'b', 'c']],
    [['a|ab', 'xaby'], ['x', 'by']],
    // RE2 refuses lookarounds, backreferences and possessive quantifiers: undefined.
    [['a(?=b)', 'ab'], undefined],
    [['(a)\\1', 'aa'], undefined],
    [['a++', 'aa'], undefined],
    [['(', 'x'], undefined],
    [[1, 'x'], undefined],
    [['a', ['a']], undefined],
  ]);
  it('runs natively with constant arguments (the SDK does not intercept it)', () => {
    expect(policy.evaluate({}, 't/const_split')[0]?.result).toEqual(['a', 'b', 'c']);
  });
});

describe('regex.find_n (Go FindAllString)', () => {
  table('t/find_n', [
    [['a.', 'paranormal', -1], ['ar', 'an', 'al']],
    [['a.', 'paranormal', 2], ['ar', 'an']],
    [['a.', 'paranormal', 0], []],
    [['a.', 'paranormal', -7], ['ar', 'an', 'al']],
    [['q', 'paranormal', -1], []],
    [['x*', 'ab', -1], ['', '', '']],
    [['a*', 'baaab', -1], ['', 'aaa', '']],
    [['a+?', 'aaa', -1], ['a', 'a', 'a']],
    [['(?U)a+', 'aaa', 2], ['a', 'a']],
    // \z is end of text in RE2 (a literal z in JavaScript); $ without (?m) is end of text only.
    [['\\z', 'zz', -1], ['']],
    [['a\\z', 'a\na', -1], ['a']],
    [['a$', 'a\na', -1], ['a']],
    [['(?m)a$', 'a\na', -1], ['a', 'a']],
    // (?i) uses Unicode simple folding: k, K and the Kelvin sign U+212A are one class.
    [['(?i)k', 'kK\u212a', -1], ['k', 'K', '\u212a']],
    [['\\p{Lu}+', 'abcDEFghÉÈ', -1], ['DEF', 'ÉÈ']],
    [['\\pN+', 'a12b٣', -1], ['12', '٣']],
    [['\\d+', '12٣4', -1], ['12', '4']],
    // RE2's \s is [\t\n\f\r ]: no vertical tab, no no-break space (JavaScript has both).
    [['\\s', 'a\u00a0b\u000bc d', -1], [' ']],
    [['[[:alpha:]]+', 'ab12cd', -1], ['ab', 'cd']],
    [['\\Qa.b\\E', 'a.b axb', -1], ['a.b']],
    [['\\141', 'banana', -1], ['a', 'a', 'a']],
    [['(?<=a)b', 'ab', -1], undefined],
    [['a(?!b)', 'ac', -1], undefined],
    [['a{1001}', 'a', -1], undefined],
    [['a', 'a', 1.5], undefined],
    [['a', 'a', '1'], undefined],
  ]);
});

describe('regex.replace (Go ReplaceAllString)', () => {
  table('t/replace', [
    [['-ab-axxb-', 'a(x*)b', 'T'], '-T-T-'],
    [['-ab-axxb-', 'a(x*)b', '$1'], '--xx-'],
    [['-ab-axxb-', 'a(x*)b', '$1W'], '---'],
    [['-ab-axxb-', 'a(x*)b', '${1}W'], '-W-xxW-'],
    [['-ab-axxb-', 'a(?P<1W>x*)b', '$1W'], '--xx-'],
    [['-ab-axxb-', 'a(?P<1W>x*)b', '${1}W'], '-W-xxW-'],
    [['baaac', 'a*', '-'], '-b-c-'],
    [['abc', '', '-'], '-a-b-c-'],
    [['héllo', '', '|'], '|h|é|l|l|o|'],
    [['John Smith', '(?P<first>\\w+) (?P<last>\\w+)', '${last}, $first'], 'Smith, John'],
    [['2024-05', '(?<y>\\d+)-(?<m>\\d+)', '$m/$y'], '05/2024'],
    // group numbering skips escaped parentheses, classes and non-capturing groups
    [['(x) y', '\\((x)\\) (?i:(?P<w>Y))', '$w$1'], 'yx'],
    [['(ab', '[(\\]](?P<n>a)', '<$n>'], '<a>b'],
    [['ab', '\\Q(\\E?(?P<n>a)', '${n}${2}'], 'ab'],
    [['abc', 'b', '$$'], 'a$c'],
    [['abc', 'b', '<$0>'], 'a<b>c'],
    [['abc', '(b)', '[$01]'], 'a[]c'],
    [['abc', 'b', '[$9]'], 'a[]c'],
    [['ac', 'a(b)?c', '[$1]'], '[]'],
    [['abc', 'b', '${x'], 'a${xc'],
    [['abc', 'b', 'x$'], 'ax$c'],
    // JavaScript's $& (whole match) is not a Go template: the $ stays literal.
    [['abc', 'b', '[$&]'], 'a[$&]c'],
    [['ab', 'b', '[$é]'], 'a[]'],
    [['ab', 'b', '[$-]'], 'a[$-]'],
    [['ÀB', '(?i)à', 'a'], 'aB'],
    [['a\nb', '(?s)a.b', 'x'], 'x'],
    [['unchanged', 'q', 'x'], 'unchanged'],
    [['ab', 'a(?=b)', 'x'], undefined],
    [['foo', '[', 'x'], undefined],
    [['foo', 'o', 1], undefined],
  ]);
});

describe('regex.template_match (ladon-style templates)', () => {
  table('t/tmatch', [
    [['urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'], true],
    [['urn:foo.{[a-z]+}', 'urn:fooXbar', '{', '}'], false],
    [['urn:foo.{[a-z]+}', 'urn:foo.bar', '{', '}'], true],
    [['urn:<[0-9]{2}>:x', 'urn:42:x', '<', '>'], true],
    [['x{[a-z]{3}}', 'xabc', '{', '}'], true],
    [['x{[a-z]{3}}', 'xab', '{', '}'], false],
    [['a{b}', 'xab', '{', '}'], false],
    [['{(?i)abc}', 'ABC', '{', '}'], true],
    [['user:{\\p{L}+}', 'user:Zoë', '{', '}'], true],
    [['a+b{.*}', 'a+bxyz', '{', '}'], true],
    [['a+b{.*}', 'aabxyz', '{', '}'], false],
    [['cost${[0-9]+}', 'cost$12', '{', '}'], true],
    [['{.*}', 'a\nb', '{', '}'], false],
    [['{(?s).*}', 'a\nb', '{', '}'], true],
    [['{a\\z}', 'a', '{', '}'], true],
    [['abc', 'abc', '|', '|'], true],
    [['a|b|', 'ab', '|', '|'], undefined],
    [['urn:{.*', 'urn:x', '{', '}'], undefined],
    [['urn:.*}', 'urn:x', '{', '}'], undefined],
    [['{(}', '(', '{', '}'], undefined],
    [['{a)(b}', 'ab', '{', '}'], undefined],
    [['{(?=a)a}', 'a', '{', '}'], undefined],
    [['a', 'a', '{{', '}'], undefined],
    [['a', 'a', '«', '»'], undefined],
  ]);
});

// OPA answers with the glob-intersection library's greedy walk over tokens (character, '.',
// [set], each optionally + or *): '^' in a set and '?' are plain characters, '(' too.
describe('regex.globs_match (OPA / glob-intersection semantics)', () => {
  table('t/globs', [
    [['a.a.[0-9]+z', '.b.b2359825792*594823z'], true],
    [['[a-z]+', '[0-9]*'], false],
    [['[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]'], true],
    [['[a-z]+\\[[0-9]+\\]', 'foo["bar"]'], false],
    [['b.*', 'bar'], true],
    [['b.*', 'car'], false],
    [['a*', 'aaa'], true],
    [['a*b', 'aab'], true],
    [['a*b', 'acb'], false],
    [['a+', 'a'], true],
    [['a+b', 'b'], false],
    [['a+', 'b*'], false],
    [['a*', 'b*'], false],
    [['a*', ''], false],
    [['', ''], true],
    [['[a-c]', '[c-e]'], true],
    [['[a-c]', '[d-e]'], false],
    [['[z-a]', 'a'], false],
    [['.', '[]'], true],
    [['é+', 'ééé'], true],
    [['a\\*', 'a*'], false],
    [['[^a]', 'a'], true],
    [['ab*c', 'a[^c]?c'], false],
    [['a?', 'a'], false],
    [['a?', 'a?'], true],
    [['(a|b)', 'a'], false],
    [['pqrs]', '[a-b]+'], undefined],
    [['**', 'a'], undefined],
    [['*a', 'a'], undefined],
    [['[a-', 'a'], undefined],
    [['[a', 'a'], undefined],
    [['a\\', 'a'], undefined],
    [['a', 1], undefined],
  ]);
});

describe('strict builtin errors', () => {
  const err = (ep: string, input: Record<string, unknown>): string => {
    try {
      strict.evaluate(input, ep);
    } catch (e) {
      return String(e);
    }
    return 'no error';
  };
  it('reports a refused pattern as eval_builtin_error', () => {
    expect(err('t/split', { a: 'a(?=b)', b: 'ab' })).toMatch(/eval_builtin_error: regex\.split: error parsing regexp/);
    expect(err('t/replace', { a: 'x', b: '(', c: '' })).toMatch(/eval_builtin_error: regex\.replace: error parsing regexp/);
  });
  it('reports a non-integer count and bad delimiters', () => {
    expect(err('t/find_n', { a: 'a', b: 'a', c: 1.5 })).toMatch(/eval_type_error: regex\.find_n: operand 3 must be integer number/);
    expect(err('t/tmatch', { a: 'a', b: 'a', c: '{{', d: '}' })).toMatch(/regex\.template_match: start delimiter has to be exactly one character long but is 2 long/);
    expect(err('t/tmatch', { a: '{a', b: 'a', c: '{', d: '}' })).toMatch(/regex\.template_match: unbalanced braces/);
    // balance is checked before any piece compiles, as OPA does
    expect(err('t/tmatch', { a: '{(}x{', b: 'a', c: '{', d: '}' })).toMatch(/regex\.template_match: unbalanced braces in "\{\(\}x\{"/);
    expect(err('t/tmatch', { a: '{(}x', b: 'a', c: '{', d: '}' })).toMatch(/regex\.template_match: error parsing regexp/);
  });
  it('reports a bad glob in the library\'s words', () => {
    expect(err('t/globs', { a: 'pqrs]', b: '[a-b]+' })).toMatch(
      /eval_builtin_error: regex\.globs_match: input:pqrs\], pos:5, set-close '\]' with no preceding '\[': the input provided is invalid/,
    );
  });
  it('reports operand types', () => {
    expect(err('t/split', { a: 1, b: 'x' })).toMatch(/eval_type_error: regex\.split: operand 1 must be string but got number/);
  });
  it('is silent for results that are merely empty or false', () => {
    expect(strict.evaluate({ a: 'q', b: 'abc', c: -1 }, 't/find_n')[0]?.result).toEqual([]);
    expect(strict.evaluate({ a: 'a', b: 'b', c: '{', d: '}' }, 't/tmatch')[0]?.result).toBe(false);
  });
});
