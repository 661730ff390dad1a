// Masking: each detector with true positives and near misses, each strategy, rows, nested JSON,
// unicode, and megabyte strings in bounded time.
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { Masker, MaskConfigError, totalMasked, type MaskCounts } from '../../../enforcers/common/masker.ts';
import { DETECTORS, detector, ibanValid, luhnValid } from '../../../enforcers/common/mask-detectors.ts';
import { partial } from '../../../enforcers/common/mask-strategies.ts';
import { loadOrCreateHashKey } from '../../../enforcers/common/mask-key.ts';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonPath } from '../../../enforcers/common/mask-json-path.ts';

const found = (name: string, s: string) => detector(name)!.find(s).map(([a, b]) => s.slice(a, b));
const key = Buffer.alloc(32, 7);
const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('detectors', () => {
  it('email', () => {
    expect(found('email', 'mail alice@example.com, or bob.smith+ci@mail.corp.example.co.uk.')).toEqual(['alice@example.com', 'bob.smith+ci@mail.corp.example.co.uk']);
    expect(found('email', 'Zoë <zoë.müller@exämple.de>')).toEqual(['zoë.müller@exämple.de']);
    for (const s of ['user@localhost', '@handle', 'a@b.c', 'foo@bar', 'x@-bad.com', 'x@bad-.com', 'email me at', 'a@@b.com', 'x@1.23']) expect(found('email', s), s).toEqual([]);
  });

  it('payment cards, Luhn-checked, 13-19 digits, spaces or dashes', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    const s = 'visa 4111 1111 1111 1111 mc 5500-0000-0000-0004 amex 378282246310005 disc 6011111111111117 v13 4222222222222';
    expect(found('card', s)).toEqual(['4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005', '6011111111111117', '4222222222222']);
    for (const s of [
      '4111 1111 1111 1112', // Luhn-invalid
      '4111111111111121',
      '411111111111', // 12 digits
      '41111111111111111113', // 20 digits
      '4111-1111 1111-1111', // mixed separators
      'id4111111111111111', // glued to a word (an identifier, not a card)
      '4111111111111111abc',
      '4111  1111  1111  1111', // double spaces
      '2024-01-15',
    ])
      expect(found('card', s), s).toEqual([]);
  });

  it('IBAN, mod-97 checked', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    const s = 'pay DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432, FR14 2004 1010 0505 0001 3M02 606 THANKS';
    expect(found('iban', s)).toEqual(['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'FR14 2004 1010 0505 0001 3M02 606']);
    for (const s of ['DE89 3704 0044 0532 0130 01', 'GB82WEST12345698765433', 'DE8937040044053201300', 'XX00 0000 0000 0000', 'de89370400440532013000', 'NO9386011117947'.replace('3', '4')]) expect(found('iban', s), s).toEqual([]);
    expect(found('iban', 'NO9386011117947')).toEqual(['NO9386011117947']);
  });

  it('phone numbers: E.164 and national formats', () => {
    const s = 'call +44 20 7946 0958 or +14155552671, (415) 555-2671, 415-555-2671, 415.555.2671, 020 7946 0958, 01 23 45 67 89, +1 (415) 555-2671.';
    expect(found('phone', s)).toEqual(['+44 20 7946 0958', '+14155552671', '(415) 555-2671', '415-555-2671', '415.555.2671', '020 7946 0958', '01 23 45 67 89', '+1 (415) 555-2671']);
    for (const s of ['2024-01-15', '15/01/2024', '192.168.1.1', '10.100.200.1', '12345', 'v1.2.3', 'INV-1234567890', 'order 100200300', '+123', '3.14159265', 'port 5432', '(415 555-2671', '115-555-2671', '1,234,567.89'])
      expect(found('phone', s), s).toEqual([]);
  });

  it('US SSN is opt-in and rejects impossible numbers', () => {
    expect(found('ssn', 'ssn 123-45-6789 or 123 45 6789')).toEqual(['123-45-6789', '123 45 6789']);
    for (const s of ['000-12-3456', '666-12-3456', '900-12-3456', '123-00-6789', '123-45-0000', '123-45 6789', '1123-45-6789', '123456789']) expect(found('ssn', s), s).toEqual([]);
    const all = new Masker([{ detector: '*', strategy: 'redact' }]);
    expect(all.maskString('ssn 123-45-6789')).toBe('ssn 123-45-6789');
    expect(new Masker([{ detector: 'ssn', strategy: 'redact' }]).maskString('ssn 123-45-6789')).toBe('ssn [REDACTED]');
  });

  it('JWTs: three base64url parts whose header is JSON with alg', () => {
    const jwt = `${b64u({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64u({ sub: 'ci', aud: 'writ' })}.c2lnbmF0dXJl_-x`;
    const unsigned = `${b64u({ alg: 'none' })}.${b64u({ sub: 'x' })}.`;
    expect(found('jwt', `Authorization: Bearer ${jwt} end`)).toEqual([jwt]);
    expect(found('jwt', `t=${unsigned}`)).toEqual([unsigned]);
    for (const s of ['archive.tar.gz', 'foo.bar.baz', `${b64u({ typ: 'JWT' })}.${b64u({ a: 1 })}.sig`, 'www.example.com', `${b64u({ alg: 1 })}.e30.x`, 'eyJhbGciOiJIUzI1NiJ9.x.y.z'])
      expect(found('jwt', s), s).toEqual([]);
  });

  it('AWS access key ids and secret-looking keys next to them', () => {
    const s = 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n';
    expect(found('aws_key', s).sort()).toEqual(['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'].sort());
    expect(found('aws_key', 'ASIAY34FZKBOKMUTVV7A')).toEqual(['ASIAY34FZKBOKMUTVV7A']);
    // A 40-character secret far from any key id and unlabelled is not claimed; neither is a git sha.
    expect(found('aws_key', 'commit 0123456789abcdef0123456789abcdef01234567 next to AKIAIOSFODNN7EXAMPLE')).toEqual(['AKIAIOSFODNN7EXAMPLE']);
    expect(found('aws_key', 'token wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY alone')).toEqual([]);
    for (const s of ['AKIAIOSFODNN7EXAMPL', 'AKIAIOSFODNN7EXAMPLE1', 'akiaiosfodnn7example', 'XAKIAIOSFODNN7EXAMPLE', 'AKIDIOSFODNN7EXAMPLE']) expect(found('aws_key', s), s).toEqual([]);
  });

  it('PEM private keys, including a truncated one; public keys and certificates are left', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    const pub = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const s = `key:\n${pem}and\n${sec1}pub:\n${pub}`;
    expect(found('private_key', s)).toEqual([pem.trimEnd(), sec1.trimEnd()]);
    expect(found('private_key', pub)).toEqual([]);
    expect(found('private_key', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toEqual([]);
    const cut = `x ${pem.slice(0, 60)}`;
    expect(found('private_key', cut)).toEqual([pem.slice(0, 60)]);
    expect(new Masker([{ detector: 'private_key', strategy: 'redact' }]).maskString(s)).toBe(`key:\n[REDACTED]\nand\n[REDACTED]\npub:\n${pub}`);
  });
});

describe('strategies', () => {
  it('redact with the default or a configured token', () => {
    expect(new Masker([{ detector: 'email', strategy: 'redact' }]).maskString('to a@example.com!')).toBe('to [REDACTED]!');
    expect(new Masker([{ detector: 'email', strategy: 'redact' }], { redactToken: '***' }).maskString('to a@example.com!')).toBe('to ***!');
  });

  it('partial keeps the last N (default 4) and the separators', () => {
    expect(partial('4111 1111 1111 1111')).toBe('**** **** **** 1111');
    expect(partial('4111-1111-1111-1111', 2)).toBe('****-****-****-**11');
    expect(partial('alice@example.com')).toBe('*****@******e.com');
    expect(partial('1234')).toBe('**34'); // never more than half of a short value
    expect(partial('ab', 0)).toBe('**');
    expect(partial('Zoë Müller')).toBe('*** **ller');
    expect(partial('😀😀😀😀x1')).toBe('😀😀😀😀*1'); // emoji are separators; code points, not UTF-16 units
    const m = new Masker([{ detector: 'card', strategy: 'partial', keep: 6 }]);
    expect(m.maskString('card 4111 1111 1111 1111.')).toBe('card **** **** **11 1111.');
  });

  it('hash is keyed, truncated, prefixed and stable (joinable)', () => {
    const m = new Masker([{ column: 'email', strategy: 'hash' }], { hashKey: key });
    const a = m.maskRow(['email'], ['alice@example.com'])[0]!;
    expect(a).toMatch(/^h:[0-9a-f]{24}$/);
    expect(m.maskRow(['email'], ['alice@example.com'])[0]).toBe(a);
    expect(m.maskRow(['email'], ['bob@example.com'])[0]).not.toBe(a);
    const other = new Masker([{ column: 'email', strategy: 'hash' }], { hashKey: Buffer.alloc(32, 8) });
    expect(other.maskRow(['email'], ['alice@example.com'])[0]).not.toBe(a);
    expect(() => new Masker([{ column: 'email', strategy: 'hash' }])).toThrow(MaskConfigError);
  });

  it('the deployment hash key file is created once, private, and reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-mk-'));
    const p = join(dir, 'keys', 'mask.key');
    const k1 = loadOrCreateHashKey(p);
    expect(k1.length).toBe(32);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(loadOrCreateHashKey(p).equals(k1)).toBe(true);
    writeFileSync(join(dir, 'short.key'), 'c2hvcnQ=\n');
    expect(() => loadOrCreateHashKey(join(dir, 'short.key'))).toThrow(/at least 32 bytes/);
  });

  it('refuses rules it cannot apply exactly', () => {
    expect(() => new Masker([{ detector: 'dna', strategy: 'redact' }])).toThrow(/unknown mask detector/);
    expect(() => new Masker([{ json_path: '$..a', strategy: 'redact' }])).toThrow(/json_path/);
    expect(() => new Masker([{ column: 'a', strategy: 'blur' as 'redact' }])).toThrow(/strategy/);
  });
});

describe('selection', () => {
  it('SQL rows by column (case-insensitive), NULL stays NULL, detectors on other columns', () => {
    const m = new Masker([
      { column: 'email', strategy: 'partial' },
      { column: 'card_number', strategy: 'redact' },
      { detector: 'phone', strategy: 'redact' },
    ]);
    const counts: MaskCounts = {};
    const out = m.maskRow(['id', 'EMAIL', 'card_number', 'note'], ['7', 'alice@example.com', null, 'call +44 20 7946 0958 today'], counts);
    expect(out).toEqual(['7', '*****@******e.com', null, 'call [REDACTED] today']);
    expect(counts).toEqual({ 'column:email': 1, 'detector:phone': 1 });
    expect(m.masksColumn('Card_Number')).toBe(true);
    expect(m.masksColumn('id')).toBe(false);
  });

  it('JSON paths, keys at any depth, and detectors on the rest of a nested document; the original is untouched', () => {
    expect(parseJsonPath("$.a['b c'][0][*].d.*")).toEqual([{ key: 'a' }, { key: 'b c' }, { index: 0 }, { any: true }, { key: 'd' }, { any: true }]);
    const doc = {
      users: [
        { name: 'Alice', email: 'alice@example.com', card: { number: '4111111111111111', exp: '12/30' } },
        { name: 'Bob', email: 'bob@example.com', card: { number: '5500000000000004', exp: '01/29' } },
      ],
      meta: { 'api key': 'AKIAIOSFODNN7EXAMPLE', note: 'ping carol@example.org' },
      iban: 'DE89370400440532013000',
      list: ['x', 42, true, null],
    };
    const orig = structuredClone(doc);
    const m = new Masker(
      [
        { json_path: '$.users[*].card.number', strategy: 'partial' },
        { json_path: "$.meta['api key']", strategy: 'redact' },
        { json_path: '$.list[1]', strategy: 'redact' },
        { column: 'iban', strategy: 'hash' },
        { detector: 'email', strategy: 'redact' },
      ],
      { hashKey: key },
    );
    const counts: MaskCounts = {};
    const out = m.maskJson(doc, counts) as typeof doc;
    expect(out.users[0].card.number).toBe('************1111');
    expect(out.users[1].card.number).toBe('************0004');
    expect(out.users[0].email).toBe('[REDACTED]');
    expect(out.users[1].card.exp).toBe('01/29');
    expect(out.meta).toEqual({ 'api key': '[REDACTED]', note: 'ping [REDACTED]' });
    expect(out.iban).toMatch(/^h:[0-9a-f]{24}$/);
    expect(out.list).toEqual(['x', '[REDACTED]', true, null]);
    expect(doc).toEqual(orig);
    expect(counts).toEqual({ 'json_path:$.users[*].card.number': 2, "json_path:$.meta['api key']": 1, 'json_path:$.list[1]': 1, 'column:iban': 1, 'detector:email': 3 });
    expect(totalMasked(counts)).toBe(8);
  });

  it('masks data held in JSON keys, without merging keys', () => {
    const m = new Masker([{ detector: 'email', strategy: 'redact' }]);
    const counts: MaskCounts = {};
    expect(m.maskJson({ 'a@example.com': 1, 'b@example.com': { 'c@example.com': 'x' }, plain: 'd@example.com' }, counts)).toEqual({
      '[REDACTED]': 1,
      '[REDACTED]#2': { '[REDACTED]': 'x' },
      plain: '[REDACTED]',
    });
    expect(counts['detector:email']).toBe(4);
  });

  it('a "__proto__" key is data like any other', () => {
    const m = new Masker([{ column: 'email', strategy: 'redact' }, { detector: 'card', strategy: 'redact' }]);
    const doc = JSON.parse('{"__proto__": {"email": "a@example.com", "n": "4111111111111111"}}');
    expect(JSON.stringify(m.maskJson(doc))).toBe('{"__proto__":{"email":"[REDACTED]","n":"[REDACTED]"}}');
  });

  it('unicode around and inside matches keeps offsets right', () => {
    const m = new Masker([{ detector: '*', strategy: 'redact' }]);
    expect(m.maskString('📧 zoë@exämple.de — 💳 4111 1111 1111 1111 ☎ +44 20 7946 0958 ✓')).toBe('📧 [REDACTED] — 💳 [REDACTED] ☎ [REDACTED] ✓');
    expect(m.maskRow(['名前'], ['電話 +81 3 1234 5678 です'])).toEqual(['電話 [REDACTED] です']);
  });

  it('overlapping matches are masked once with the stricter strategy', () => {
    const m = new Masker([
      { detector: 'card', strategy: 'partial' },
      { detector: '*', strategy: 'redact' },
    ]);
    expect(m.maskString('n 4111 1111 1111 1111 e a@example.com')).toBe('n [REDACTED] e [REDACTED]');
  });

  it('selected structures are never partially revealed', () => {
    const m = new Masker([{ json_path: '$.secret', strategy: 'partial' }]);
    expect(m.maskJson({ secret: { a: 'x', b: [1, 2] } })).toEqual({ secret: '[REDACTED]' });
  });

  it('never writes originals anywhere (no console, no stdout/stderr)', () => {
    const spies = [vi.spyOn(console, 'log'), vi.spyOn(console, 'error'), vi.spyOn(console, 'warn'), vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')];
    const m = new Masker([{ detector: '*', strategy: 'redact' }, { column: 'c', strategy: 'partial' }]);
    m.maskRow(['c', 'd'], ['secret-value-1', 'mail a@example.com']);
    m.maskJson({ a: ['4111111111111111'] });
    for (const s of spies) {
      expect(s).not.toHaveBeenCalled();
      s.mockRestore();
    }
  });
});

describe('properties (fast-check)', () => {
  // Valid cards built from a random prefix plus the Luhn check digit.
  const card = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 18 }).map((ds) => {
    ds[0] = (ds[0] % 9) + 1;
    for (let c = 0; c <= 9; c++) if (luhnValid(ds.join('') + c)) return ds.join('') + c;
    throw new Error('unreachable');
  });
  const filler = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '.', ',', 'é', '-', '\n', '😀', 'Z'), maxLength: 30 });
  const m = new Masker([{ detector: '*', strategy: 'redact' }]);

  it('no valid card survives masking wherever it is placed', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(filler, card)), filler, (parts, tail) => {
        const s = parts.map(([f, c]) => `${f} ${c} `).join('') + tail;
        const out = m.maskString(s);
        for (const [, c] of parts) expect(out.includes(c)).toBe(false);
        expect(detector('card')!.find(out)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('masking is idempotent and detector spans are ordered and inside the string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const once = m.maskString(s);
        expect(m.maskString(once)).toBe(once);
        for (const d of DETECTORS) for (const [a, b] of d.find(s)) expect(0 <= a && a < b && b <= s.length).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('bounded time on huge and hostile strings', () => {
  const all = new Masker([{ detector: '*', strategy: 'redact' }, { detector: 'ssn', strategy: 'redact' }]);
  const MB = 1 << 20;
  const cases: Array<[string, string]> = [
    ['letters', 'a'.repeat(4 * MB)],
    ['digits', '1'.repeat(4 * MB)],
    ['spaced digits', '1 '.repeat(2 * MB)],
    ['dashed digits', '12-'.repeat(MB)],
    ['at signs', '@'.repeat(2 * MB)],
    ['a@ repeated', 'a@'.repeat(2 * MB)],
    ['dots', 'a.'.repeat(2 * MB)],
    ['base64url run', 'eyJ'.repeat(MB)],
    ['BEGIN markers', '-----BEGIN '.repeat(200_000)],
    ['uppercase', 'DE89'.repeat(MB)],
    ['plus digits', '+1 '.repeat(MB)],
    ['AKIA', 'AKIA'.repeat(MB)],
  ];
  for (const [name, s] of cases) {
    it(name, () => {
      const t0 = performance.now();
      all.maskString(s);
      expect(performance.now() - t0).toBeLessThan(8000);
    });
  }

  it('finds a card in the middle of 2 MB of text', () => {
    const s = 'x '.repeat(MB / 2) + '4111 1111 1111 1111' + ' y'.repeat(MB / 2);
    const out = all.maskString(s);
    expect(out.includes('4111')).toBe(false);
    expect(out.length).toBe(s.length - 19 + '[REDACTED]'.length);
  });
});

describe('fast paths answer as the full scan does', () => {
  it('each detector still finds its shortest form (the length checks before a scan never skip a match)', () => {
    const jwt = `${b64u({ alg: '' })}.ab.`;
    const cases: Array<[string, string]> = [
      ['card', '4222222222222'],
      ['iban', 'NO9386011117947'],
      ['ssn', '123-45-6789'],
      ['aws_key', 'AKIAIOSFODNN7EXAMPLE'],
      ['jwt', jwt],
      ['phone', '+12345678'],
      ['email', 'a@b.cd'],
    ];
    for (const [name, s] of cases) {
      expect(found(name, s), name).toEqual([s]);
      expect(found(name, s.slice(1)), `${name} shortened`).toEqual([]);
    }
  });

  it('maskJson without path rules (no copy) answers exactly as with them (copy, then walk)', () => {
    const rules = [
      { column: 'email', strategy: 'partial' },
      { detector: '*', strategy: 'redact' },
    ] as const;
    const direct = new Masker([...rules]);
    // A path that selects nothing sends every document through the copying walk.
    const copying = new Masker([...rules, { json_path: '$.never_present_key', strategy: 'redact' }]);
    const key = fc.constantFrom('email', 'EMAIL', 'note', '__proto__', 'alice@example.com', 'bob@example.org', 'card 4111 1111 1111 1111', 'toString', 'x', '0', '1');
    const leaf = fc.oneof(fc.constantFrom('alice@example.com', 'pay 4111-1111-1111-1111 now', 'plain', '', null, true, 3, -0.5), fc.string({ maxLength: 20 }));
    const doc = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 5 })),
    })).value;
    fc.assert(
      fc.property(doc, (d) => {
        const before = JSON.stringify(d);
        const c1: MaskCounts = {};
        const c2: MaskCounts = {};
        // Twice on the same Masker: the second pass meets remembered keys.
        for (let i = 0; i < 2; i++) {
          const a = direct.maskJson(d, c1);
          const b = copying.maskJson(d, c2);
          expect(a).toStrictEqual(b);
          expect(JSON.stringify(a)).toBe(JSON.stringify(b));
        }
        expect(c1).toEqual(c2);
        expect(JSON.stringify(d)).toBe(before);
      }),
      { numRuns: 400 },
    );
  });

  it('keys with something to mask are masked (and counted) every time, not remembered as clean', () => {
    const m = new Masker([{ detector: 'email', strategy: 'redact' }]);
    for (let i = 0; i < 3; i++) {
      const counts: MaskCounts = {};
      expect(m.maskJson({ 'alice@example.com': 1, plain: 'bob@example.org' }, counts)).toEqual({ '[REDACTED]': 1, plain: '[REDACTED]' });
      expect(counts).toEqual({ 'detector:email': 2 });
    }
  });
});
