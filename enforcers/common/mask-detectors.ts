// Sensitive-data detectors for masking: each finds [start, end) spans in a string, with checksums
// where the format has one (Luhn for cards, mod-97 for IBANs). Candidate patterns never start inside
// a token (look-behind), so scanning stays linear even on megabyte strings.

export type Span = [start: number, end: number];

export interface Detector {
  name: string;
  /** Off unless a mask rule names it (false positives are costly: SSN-shaped numbers are everywhere). */
  optIn?: boolean;
  find(s: string): Span[];
}

function scan(re: RegExp, s: string, accept: (m: RegExpExecArray) => Span | undefined): Span[] {
  const out: Span[] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    const span = accept(m);
    if (span) out.push(span);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

// ---- email ----
// RFC 5322 allows more (! # $ ' = ...), but quotes and = around addresses are far more common than inside them.
const LOCAL = /[\p{L}\p{N}._%+-]/u;
const DOMAIN = /[\p{L}\p{N}.-]/u;

/** Expands around each "@" (at most 64 characters left, 255 right) instead of a regex that could backtrack. */
function findEmails(s: string): Span[] {
  const out: Span[] = [];
  let from = 0;
  let lastEnd = 0;
  for (let at = s.indexOf('@', from); at >= 0; at = s.indexOf('@', from)) {
    from = at + 1;
    let a = at;
    while (a > lastEnd && at - a < 64 && LOCAL.test(s[a - 1])) a--;
    while (a < at && s[a] === '.') a++;
    let b = at + 1;
    while (b < s.length && b - at <= 255 && DOMAIN.test(s[b])) b++;
    while (b > at + 1 && (s[b - 1] === '.' || s[b - 1] === '-')) b--;
    if (a === at || b === at + 1) continue;
    const domain = s.slice(at + 1, b);
    const labels = domain.split('.');
    if (labels.length < 2 || labels.some((l) => l === '' || l.startsWith('-') || l.endsWith('-'))) continue;
    if (!/^\p{L}{2,}$/u.test(labels[labels.length - 1])) continue;
    out.push([a, b]);
    lastEnd = b;
    from = b;
  }
  return out;
}

// ---- payment cards ----
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// A run of digits with single spaces or dashes between them, not glued to other word characters.
const DIGIT_RUN = /(?<![\p{L}\p{N}_])\d(?:[ -]?\d)*(?![\p{L}\p{N}_])/gu;

function findCards(s: string): Span[] {
  // Shorter than the 13 digits a card needs: nothing to find (a length check costs less than the scan).
  if (s.length < 13) return [];
  return scan(DIGIT_RUN, s, (m) => {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) return undefined;
    // One kind of separator: "4111-1111 1111-1111" is not how cards are written.
    if (/ /.test(m[0]) && /-/.test(m[0])) return undefined;
    if (/^0/.test(digits) || !luhnValid(digits)) return undefined;
    return [m.index, m.index + m[0].length];
  });
}

// ---- IBAN ----
/** Lengths by country (ISO 13616 registry, the common ones); other countries need 15..34. */
const IBAN_LENGTH: Record<string, number> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27, GB: 22, GR: 27,
  HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25,
  RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, TR: 26, UA: 29, AE: 23, SA: 24, IL: 23, QA: 29, BR: 29,
};

export function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const want = IBAN_LENGTH[iban.slice(0, 2)];
  if (want !== undefined && iban.length !== want) return false;
  const r = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of r) {
    const v = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,34}(?![A-Za-z0-9])/g;

function findIbans(s: string): Span[] {
  // A candidate is at least 15 characters (country, check digits, 11 more).
  if (s.length < 15) return [];
  return scan(IBAN_CANDIDATE, s, (m) => {
    // Uppercase words after the IBAN may have been swallowed: drop space-separated groups from the end.
    let text = m[0];
    for (;;) {
      if (ibanValid(text.replace(/ /g, ''))) return [m.index, m.index + text.length];
      const sp = text.lastIndexOf(' ');
      if (sp < 0) return undefined;
      text = text.slice(0, sp);
    }
  });
}

// ---- phone numbers ----
// "+" international or national digits with spaces, dots, dashes and one pair of parentheses.
const PHONE_CANDIDATE = /(?<![\p{L}\p{N}_+.\-/])(?:\+|\b|(?=\())\(?\d[\d ().-]{4,22}\d(?![\p{L}\p{N}_\-/]|\.\d)/gu;
const US_NATIONAL = /^(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\)|[2-9]\d{2})[ .-]?\d{3}[ .-]\d{4}$/;

function findPhones(s: string): Span[] {
  // A candidate is at least 6 characters (a digit, 4 more, a digit).
  if (s.length < 6) return [];
  return scan(PHONE_CANDIDATE, s, (m) => {
    const t = m[0];
    if (/[ .-]{2}/.test(t) || /\(\s*\)/.test(t)) return undefined;
    const opens = (t.match(/\(/g) ?? []).length;
    const closes = (t.match(/\)/g) ?? []).length;
    if (opens !== closes || opens > 1 || (opens === 1 && t.indexOf('(') > t.indexOf(')'))) return undefined;
    const digits = t.replace(/\D/g, '');
    // Dates and times are digit groups with separators too.
    if (/^\d{4}[-./]\d{1,2}[-./]\d{1,2}$/.test(t) || /^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/.test(t)) return undefined;
    // Dotted quads are addresses, not phones.
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(t)) return undefined;
    if (t.startsWith('+')) {
      // E.164: country code 1-9, at most 15 digits; at least 8 to rule out short codes.
      if (digits.length < 8 || digits.length > 15 || digits[0] === '0') return undefined;
      return [m.index, m.index + t.length];
    }
    if (US_NATIONAL.test(t)) return [m.index, m.index + t.length];
    // Other national formats start with the trunk prefix 0 (UK, FR, DE, ...) and need separators or 10-11 digits.
    if (digits[0] === '0' && digits.length >= 10 && digits.length <= 11 && !digits.startsWith('00')) return [m.index, m.index + t.length];
    return undefined;
  });
}

// ---- US SSN (opt-in) ----
const SSN = /(?<![\p{L}\p{N}_-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\p{L}\p{N}_-])/gu;

function findSsns(s: string): Span[] {
  // ddd-dd-dddd: 11 characters.
  if (s.length < 11) return [];
  return scan(SSN, s, (m) => {
    const [area, group, serial] = [m[1], m[3], m[4]];
    if (area === '000' || area === '666' || area[0] === '9' || group === '00' || serial === '0000') return undefined;
    return [m.index, m.index + m[0].length];
  });
}

// ---- JWTs ----
const JWT = /(?<![A-Za-z0-9_\-.])([A-Za-z0-9_-]{4,})\.([A-Za-z0-9_-]{2,})\.([A-Za-z0-9_-]*)(?![A-Za-z0-9_\-.])/g;

function findJwts(s: string): Span[] {
  // Three dot-separated parts, at least 8 characters.
  if (s.length < 8 || s.indexOf('.') < 0) return [];
  return scan(JWT, s, (m) => {
    if (m[1].length > 4096) return undefined;
    try {
      const header = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
      if (typeof header !== 'object' || header === null || typeof header.alg !== 'string') return undefined;
    } catch {
      return undefined;
    }
    return [m.index, m.index + m[0].length];
  });
}

// ---- AWS keys ----
const AWS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
const AWS_SECRET = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const AWS_SECRET_LABELLED = /aws_?secret_?(?:access_?)?key\W{1,5}([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
/** How far from a key id a 40-character secret counts as "next to it". */
const AWS_NEAR = 200;

function secretLooking(t: string): boolean {
  // Mixed classes: a 40-character run of one letter or only digits is not a secret key.
  return /[a-z]/.test(t) && /[A-Z]/.test(t) && /[0-9/+]/.test(t);
}

function findAwsKeys(s: string): Span[] {
  // A key id is 20 characters, a labelled secret more than 40.
  if (s.length < 20) return [];
  const ids = scan(AWS_KEY_ID, s, (m) => [m.index, m.index + m[0].length]);
  const out: Span[] = [...ids];
  for (const [a, b] of ids) {
    const lo = Math.max(0, a - AWS_NEAR);
    const win = s.slice(lo, Math.min(s.length, b + AWS_NEAR));
    for (const [x, y] of scan(AWS_SECRET, win, (m) => (secretLooking(m[0]) ? [m.index, m.index + 40] : undefined))) out.push([lo + x, lo + y]);
  }
  for (const sp of scan(AWS_SECRET_LABELLED, s, (m) => {
    const at = m.index + m[0].length - 40;
    return [at, at + 40];
  }))
    out.push(sp);
  // The labelled and the nearby scans can find the same secret.
  const seen = new Set<string>();
  return out.filter(([a, b]) => !seen.has(`${a}:${b}`) && !!seen.add(`${a}:${b}`));
}

// ---- PEM private keys ----
/** BEGIN ... PRIVATE KEY to its END line; a block with no END (truncated) is masked to the end of the string. */
function findPrivateKeys(s: string): Span[] {
  const out: Span[] = [];
  let from = 0;
  for (let a = s.indexOf('-----BEGIN ', from); a >= 0; a = s.indexOf('-----BEGIN ', from)) {
    const close = s.indexOf('-----', a + 11);
    if (close < 0) break;
    const label = s.slice(a + 11, close);
    from = close + 5;
    if (!/^(?:[A-Z0-9]+ )*PRIVATE KEY$/.test(label)) continue;
    const endMarker = `-----END ${label}-----`;
    const e = s.indexOf(endMarker, from);
    const end = e < 0 ? s.length : e + endMarker.length;
    out.push([a, end]);
    from = end;
  }
  return out;
}

export const DETECTORS: readonly Detector[] = [
  { name: 'email', find: findEmails },
  { name: 'card', find: findCards },
  { name: 'iban', find: findIbans },
  { name: 'phone', find: findPhones },
  { name: 'ssn', optIn: true, find: findSsns },
  { name: 'jwt', find: findJwts },
  { name: 'aws_key', find: findAwsKeys },
  { name: 'private_key', find: findPrivateKeys },
];

export const DETECTOR_NAMES: readonly string[] = DETECTORS.map((d) => d.name);

export function detector(name: string): Detector | undefined {
  return DETECTORS.find((d) => d.name === name);
}
