// Go's time layouts ("2006-01-02T15:04:05Z07:00") for formatting and parsing, with named layouts.
// Used by time.format, time.parse_ns and time.parse_rfc3339_ns.

export type Token = { lit: string } | { std: string; frac?: number; sep?: string };

export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

const ZONE_STDS = ['070000', '07:00:00', '0700', '07:00', '07'];

/** Splits a layout into literals and Go's std chunks (same recognition rules as nextStdChunk). */
export function tokenize(layout: string): Token[] {
  const out: Token[] = [];
  let lit = '';
  const push = (t: Token, len: number): number => {
    if (lit) out.push({ lit });
    lit = '';
    out.push(t);
    return len;
  };
  for (let i = 0; i < layout.length;) {
    const rest = layout.slice(i);
    const c = layout[i]!;
    let used = 0;
    switch (c) {
      case 'J':
        if (rest.startsWith('January')) used = push({ std: 'January' }, 7);
        else if (rest.startsWith('Jan')) used = push({ std: 'Jan' }, 3);
        break;
      case 'M':
        if (rest.startsWith('Monday')) used = push({ std: 'Monday' }, 6);
        else if (rest.startsWith('Mon')) used = push({ std: 'Mon' }, 3);
        else if (rest.startsWith('MST')) used = push({ std: 'MST' }, 3);
        break;
      case '0':
        if (rest.length >= 2 && rest[1]! >= '1' && rest[1]! <= '6') used = push({ std: rest.slice(0, 2) }, 2);
        else if (rest.startsWith('002')) used = push({ std: '002' }, 3);
        break;
      case '1':
        used = rest.startsWith('15') ? push({ std: '15' }, 2) : push({ std: '1' }, 1);
        break;
      case '2':
        used = rest.startsWith('2006') ? push({ std: '2006' }, 4) : push({ std: '2' }, 1);
        break;
      case '_':
        if (rest.startsWith('_2') && !rest.startsWith('_2006')) used = push({ std: '_2' }, 2);
        else if (rest.startsWith('__2')) used = push({ std: '__2' }, 3);
        break;
      case '3': case '4': case '5':
        used = push({ std: c }, 1);
        break;
      case 'P':
        if (rest.startsWith('PM')) used = push({ std: 'PM' }, 2);
        break;
      case 'p':
        if (rest.startsWith('pm')) used = push({ std: 'pm' }, 2);
        break;
      case '-': case 'Z':
        for (const z of ZONE_STDS) {
          if (rest.startsWith(c + z)) { used = push({ std: c + z }, 1 + z.length); break; }
        }
        break;
      case '.': case ',': {
        const d = rest[1];
        if (d === '0' || d === '9') {
          let j = 1;
          while (rest[j] === d) j++;
          if (!/[0-9]/.test(rest[j] ?? '')) used = push({ std: d === '0' ? 'frac0' : 'frac9', frac: j - 1, sep: c }, j);
        }
        break;
      }
    }
    if (used === 0) { lit += c; used = 1; }
    i += used;
  }
  if (lit) out.push({ lit });
  return out;
}

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export interface Civil {
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  nsec: number; weekday: number; yday: number; offset: number; zoneName: string;
}

const pad = (n: number, w: number, ch = '0'): string => {
  const s = String(Math.abs(n)).padStart(w, ch);
  return n < 0 ? '-' + s : s;
};

function zone(std: string, offset: number): string {
  if (std.startsWith('Z') && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const hh = pad(Math.floor(a / 3600), 2), mm = pad(Math.floor(a / 60) % 60, 2), ss = pad(a % 60, 2);
  switch (std.slice(1)) {
    case '070000': return sign + hh + mm + ss;
    case '07:00:00': return sign + hh + ':' + mm + ':' + ss;
    case '0700': return sign + hh + mm;
    case '07:00': return sign + hh + ':' + mm;
    default: return sign + hh;
  }
}

export function format(tokens: Token[], t: Civil): string {
  let out = '';
  for (const tok of tokens) {
    if ('lit' in tok) { out += tok.lit; continue; }
    const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
    switch (tok.std) {
      case 'January': out += MONTHS[t.month - 1]; break;
      case 'Jan': out += MONTHS[t.month - 1]!.slice(0, 3); break;
      case 'Monday': out += DAYS[t.weekday]; break;
      case 'Mon': out += DAYS[t.weekday]!.slice(0, 3); break;
      case 'MST': out += t.zoneName || zone('-0700', t.offset); break;
      case '01': out += pad(t.month, 2); break;
      case '1': out += t.month; break;
      case '02': out += pad(t.day, 2); break;
      case '2': out += t.day; break;
      case '_2': out += pad(t.day, 2, ' '); break;
      case '002': out += pad(t.yday, 3); break;
      case '__2': out += pad(t.yday, 3, ' '); break;
      case '03': out += pad(h12, 2); break;
      case '3': out += h12; break;
      case '04': out += pad(t.minute, 2); break;
      case '4': out += t.minute; break;
      case '05': out += pad(t.second, 2); break;
      case '5': out += t.second; break;
      case '06': out += pad(((t.year % 100) + 100) % 100, 2); break;
      case '2006': out += pad(t.year, 4); break;
      case '15': out += pad(t.hour, 2); break;
      case 'PM': out += t.hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += t.hour >= 12 ? 'pm' : 'am'; break;
      case 'frac0': out += tok.sep + String(t.nsec).padStart(9, '0').slice(0, tok.frac); break;
      case 'frac9': {
        const digits = String(t.nsec).padStart(9, '0').slice(0, tok.frac).replace(/0+$/, '');
        if (digits) out += tok.sep + digits;
        break;
      }
      default: out += zone(tok.std, t.offset);
    }
  }
  return out;
}

export interface Parsed {
  year: number; month: number; day: number; hour: number; minute: number; second: number; nsec: number;
  /** Seconds east of UTC, when the value carried a zone. */
  offset?: number;
}

/** Go's time.Parse; undefined when the value does not match the layout. */
export function parse(tokens: Token[], value: string): Parsed | undefined {
  const p: Parsed = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, nsec: 0 };
  let v = value, pm: boolean | undefined, yday = -1;
  const num = (fixed: boolean, max = 2): number | undefined => {
    const m = (fixed ? new RegExp(`^\\d{${max}}`) : new RegExp(`^\\d{1,${max}}`)).exec(v);
    if (!m) return undefined;
    v = v.slice(m[0].length);
    return Number(m[0]);
  };
  const lookup = (names: string[]): number | undefined => {
    for (let i = 0; i < names.length; i++) {
      if (v.slice(0, names[i]!.length).toLowerCase() === names[i]!.toLowerCase()) {
        v = v.slice(names[i]!.length);
        return i;
      }
    }
    return undefined;
  };
  const frac = (digits: string): number => Number(digits.slice(0, 9).padEnd(9, '0'));
  for (let ti = 0; ti < tokens.length; ti++) {
    const tok = tokens[ti]!;
    if ('lit' in tok) {
      // Runs of spaces in the layout match runs of spaces in the value.
      let l = tok.lit;
      while (l.length > 0) {
        if (l[0] === ' ') {
          if (v.length > 0 && v[0] !== ' ') return undefined;
          l = l.replace(/^ +/, '');
          v = v.replace(/^ +/, '');
          continue;
        }
        if (v[0] !== l[0]) return undefined;
        l = l.slice(1);
        v = v.slice(1);
      }
      continue;
    }
    let n: number | undefined;
    switch (tok.std) {
      case '2006': if (!/^\d{4}/.test(v)) return undefined; p.year = Number(v.slice(0, 4)); v = v.slice(4); break;
      case '06': if ((n = num(true)) === undefined) return undefined; p.year = n >= 69 ? 1900 + n : 2000 + n; break;
      case 'January': if ((n = lookup(MONTHS)) === undefined) return undefined; p.month = n + 1; break;
      case 'Jan': if ((n = lookup(MONTHS.map((m) => m.slice(0, 3)))) === undefined) return undefined; p.month = n + 1; break;
      case 'Monday': if (lookup(DAYS) === undefined) return undefined; break;
      case 'Mon': if (lookup(DAYS.map((d) => d.slice(0, 3))) === undefined) return undefined; break;
      case '01': case '1':
        if ((n = num(tok.std === '01')) === undefined || n < 1 || n > 12) return undefined;
        p.month = n;
        break;
      case '_2': if (v[0] === ' ') v = v.slice(1); // fallthrough
      // eslint-disable-next-line no-fallthrough
      case '02': case '2':
        if ((n = num(tok.std === '02')) === undefined) return undefined;
        p.day = n;
        break;
      case '002': case '__2':
        if (tok.std === '__2') v = v.replace(/^ {1,2}/, '');
        if ((n = num(tok.std === '002', 3)) === undefined || n < 1 || n > 366) return undefined;
        yday = n;
        break;
      case '15': if ((n = num(false)) === undefined || n > 23) return undefined; p.hour = n; break;
      case '03': case '3': if ((n = num(tok.std === '03')) === undefined || n > 12) return undefined; p.hour = n; break;
      case '04': case '4': if ((n = num(tok.std === '04')) === undefined || n > 59) return undefined; p.minute = n; break;
      case '05': case '5': {
        if ((n = num(tok.std === '05')) === undefined || n > 59) return undefined;
        p.second = n;
        // A fraction after the seconds is accepted even when the layout has none.
        const next = tokens[ti + 1];
        const m = /^[.,](\d+)/.exec(v);
        if (m && !(next && 'std' in next && next.std.startsWith('frac'))) { p.nsec = frac(m[1]!); v = v.slice(m[0].length); }
        break;
      }
      case 'PM': case 'pm': {
        const s = v.slice(0, 2);
        const want = tok.std === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
        if (s === want[0]) pm = false; else if (s === want[1]) pm = true; else return undefined;
        v = v.slice(2);
        break;
      }
      case 'frac0': {
        const m = new RegExp(`^[.,](\\d{${tok.frac}})`).exec(v);
        if (!m || v[0] !== tok.sep) return undefined;
        p.nsec = frac(m[1]!);
        v = v.slice(m[0].length);
        break;
      }
      case 'frac9': {
        const m = /^[.,](\d+)/.exec(v);
        if (m) { p.nsec = frac(m[1]!); v = v.slice(m[0].length); }
        break;
      }
      case 'MST': {
        // Abbreviations have no defined offset here (Go: a fabricated zone with offset 0), except UTC/GMT+h.
        const m = /^(?:UTC|GMT(?:[+-]\d{1,2})?|[A-Z]{3,5}|ChST|MeST)/.exec(v);
        if (!m) return undefined;
        const g = /^GMT([+-]\d{1,2})$/.exec(m[0]);
        p.offset = g ? Number(g[1]) * 3600 : 0;
        v = v.slice(m[0].length);
        break;
      }
      default: {
        // Numeric zones: -0700, -07:00, -07, -070000, -07:00:00 and the Z forms.
        if (tok.std.startsWith('Z') && v[0] === 'Z') { p.offset = 0; v = v.slice(1); break; }
        const shape = tok.std.slice(1);
        const re = { '070000': /^([+-])(\d{2})(\d{2})(\d{2})/, '07:00:00': /^([+-])(\d{2}):(\d{2}):(\d{2})/, '0700': /^([+-])(\d{2})(\d{2})/, '07:00': /^([+-])(\d{2}):(\d{2})/, '07': /^([+-])(\d{2})/ }[shape];
        const m = re?.exec(v);
        if (!m) return undefined;
        const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
        p.offset = m[1] === '-' ? -secs : secs;
        v = v.slice(m[0].length);
      }
    }
  }
  if (v.length > 0) return undefined;
  if (pm === true && p.hour < 12) p.hour += 12;
  if (pm === false && p.hour === 12) p.hour = 0;
  if (yday >= 0) {
    const d = new Date(Date.UTC(2000, 0, 1));
    d.setUTCFullYear(p.year, 0, yday);
    if (d.getUTCFullYear() !== p.year) return undefined;
    p.month = d.getUTCMonth() + 1;
    p.day = d.getUTCDate();
  }
  if (p.day < 1 || p.day > daysIn(p.year, p.month)) return undefined;
  return p;
}

export function daysIn(year: number, month: number): number {
  const d = new Date(Date.UTC(2000, month, 0));
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}
