// Reads OPA's conformance YAML at run time and extracts the cases that boil down to one host builtin
// call on literal arguments, with the expected value of that call. Cases of other shapes are left to
// the end-to-end conformance runner; this only cross-checks builtin semantics.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compareValues } from '../../../opa/builtins/host/values.ts';

export const CONFORMANCE_DIR = '/work/shared/opa-conformance/v1';

export interface RawCase {
  file: string; note: string; query: string; modules?: string[]; data?: unknown; input?: unknown;
  input_term?: string; want_result?: Array<Record<string, unknown>>; strict_error?: boolean;
  want_error_code?: string; sort_bindings?: boolean;
}

export interface CallCase {
  id: string; builtin: string; args: unknown[]; expected: unknown; sortResult: boolean;
  /** Some argument contained a Rego set (the SDK hands it over as an array). */
  setArgs: boolean;
  /** `p if { call(...) }`: the rule is true when the call returns true, undefined otherwise. */
  boolRule: boolean;
  /** `p contains v if { ... }`: the rule is the set of the one result (empty when undefined). */
  setRule?: boolean;
}

/** Arrays that were Rego sets in the source text. */
const fromSets = new WeakSet<object>();

export function containsSet(v: unknown): boolean {
  if (Array.isArray(v)) return fromSets.has(v) || v.some(containsSet);
  if (v && typeof v === 'object') return Object.values(v).some(containsSet);
  return false;
}

/** Integers beyond 2^53 stay bigint, the rest become numbers. */
export function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

export function loadCases(topics?: string[]): RawCase[] {
  if (!existsSync(CONFORMANCE_DIR)) return [];
  const out: RawCase[] = [];
  for (const topic of readdirSync(CONFORMANCE_DIR).sort()) {
    if (topics && !topics.includes(topic)) continue;
    const dir = join(CONFORMANCE_DIR, topic);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
      const doc = parseYaml(readFileSync(join(dir, f), 'utf8'), { intAsBigInt: true }) as { cases?: RawCase[] };
      for (const c of doc?.cases ?? []) out.push({ ...c, file: `${topic}/${f}` });
    }
  }
  return out;
}

class Unsupported extends Error {}

/** Minimal Rego literal reader: scalars, arrays, objects, sets, and names bound in `env`. */
class TermReader {
  i = 0;
  constructor(
    private s: string, private env: Map<string, unknown>,
    private call?: (name: string, args: unknown[]) => unknown,
  ) {}
  ws(): void { while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++; }
  peek(): string { this.ws(); return this.s[this.i] ?? ''; }
  eat(c: string): void { if (this.peek() !== c) throw new Unsupported(`expected ${c}`); this.i++; }
  term(): unknown {
    const c = this.peek();
    if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(this.s.slice(this.i));
      if (!m) throw new Unsupported('string');
      this.i += m[0].length;
      return JSON.parse(m[0]);
    }
    if (c === '`') {
      const end = this.s.indexOf('`', this.i + 1);
      const v = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return v;
    }
    if (c === '[') return this.seq('[', ']');
    if (c === '{') return this.braces();
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(\(\))?/.exec(this.s.slice(this.i));
    if (!m) throw new Unsupported(`term at ${this.s.slice(this.i, this.i + 10)}`);
    this.i += m[0].length;
    if (m[1] !== undefined) return /^-?\d+$/.test(m[1]) ? normalize(BigInt(m[1])) : Number(m[1]);
    if (m[3]) { if (m[2] === 'set') { const e: unknown[] = []; fromSets.add(e); return e; } throw new Unsupported('call'); }
    const name = m[2]!;
    if (this.s[this.i] === '(') {
      if (!this.call) throw new Unsupported('call');
      const v = this.call(name, this.args());
      if (v === undefined) throw new Unsupported('undefined nested call');
      return v;
    }
    if (name === 'true') return true;
    if (name === 'false') return false;
    if (name === 'null') return null;
    const [head, ...path] = name.split('.');
    if (!this.env.has(head!)) throw new Unsupported(`name ${name}`);
    let v = this.env.get(head!);
    for (const p of path) {
      if (!v || typeof v !== 'object' || !(p in (v as object))) throw new Unsupported(`ref ${name}`);
      v = (v as Record<string, unknown>)[p];
    }
    return v;
  }
  seq(open: string, close: string): unknown[] {
    this.eat(open);
    const out: unknown[] = [];
    while (this.peek() !== close) {
      out.push(this.term());
      if (this.peek() === ',') this.i++;
    }
    this.i++;
    return out;
  }
  braces(): unknown {
    this.eat('{');
    if (this.peek() === '}') { this.i++; return {}; }
    const first = this.term();
    if (this.peek() === ':') {
      const obj: Record<string, unknown> = {};
      let key = first;
      for (;;) {
        this.eat(':');
        // The SDK hands non-string keys over as JSON text; such cases are a known boundary limit.
        if (typeof key !== 'string') throw new Unsupported('non-string key');
        obj[key] = this.term();
        if (this.peek() === ',') this.i++;
        if (this.peek() === '}') { this.i++; return obj; }
        key = this.term();
      }
    }
    // A set: the SDK delivers it as an array in Rego order.
    const items = [first];
    if (this.peek() === ',') this.i++;
    while (this.peek() !== '}') {
      items.push(this.term());
      if (this.peek() === ',') this.i++;
    }
    this.i++;
    const set = items.sort(compareValues).filter((v, i, a) => i === 0 || compareValues(a[i - 1], v) !== 0);
    fromSets.add(set);
    return set;
  }
  args(): unknown[] { return this.seq('(', ')'); }
  rest(): string { this.ws(); return this.s.slice(this.i); }
}

/** Splits `name(args...)` with balanced brackets; returns name, argument text and trailing text. */
function splitCall(text: string): { name: string; argsText: string; rest: string } | undefined {
  const m = /^([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\(/.exec(text);
  if (!m) return undefined;
  let depth = 0, inStr: string | null = null;
  for (let i = m[1]!.length; i < text.length; i++) {
    const c = text[i]!;
    if (inStr) { if (c === '\\' && inStr === '"') i++; else if (c === inStr) inStr = null; continue; }
    if (c === '"' || c === '`') inStr = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c) && --depth === 0) return { name: m[1]!, argsText: text.slice(m[1]!.length, i + 1), rest: text.slice(i + 1).trim() };
  }
  return undefined;
}

function expectedOf(c: RawCase): { ok: true; value: unknown } | { ok: false } {
  if (c.want_result) {
    if (c.want_result.length === 0) return { ok: true, value: undefined };
    if (c.want_result.length !== 1 || !('x' in c.want_result[0]!)) return { ok: false };
    return { ok: true, value: normalize(c.want_result[0]!.x) };
  }
  if (c.strict_error) return { ok: true, value: undefined };
  return { ok: false };
}

/**
 * The call cases among `cases` for builtins in `names`. Recognised shapes (one module, the query
 * `data.<pkg>.<rule> = x`, or a bare query): `p := call(...)`, `p := OUT if { call(..., OUT) }`,
 * `p := x if { x := call(...) }`, `p := x if { call(..., L); x = L }`, plus top-level constants
 * `name := <literal>` usable as arguments.
 */
export function extractCallCases(
  cases: RawCase[], names: ReadonlySet<string>, evaluate?: (name: string, args: unknown[]) => unknown,
  /** With the builtins' arities, also extract `p if { call(...) }` and `p contains v if { ... }` rules. */
  opts: { arity?: (name: string) => number } = {},
): { calls: CallCase[]; skipped: string[] } {
  const calls: CallCase[] = [], skipped: string[] = [];
  cases.forEach((c, idx) => {
    const id = `${c.file} ${c.note} #${idx}`;
    const exp = expectedOf(c);
    try {
      if (!exp.ok) throw new Unsupported('expectation');
      const env = new Map<string, unknown>();
      const nested = evaluate && ((n: string, a: unknown[]) => {
        if (!names.has(n)) throw new Unsupported(`nested call ${n}`);
        return evaluate(n, a);
      });
      if (c.input !== undefined) env.set('input', normalize(c.input));
      if (c.input_term !== undefined) env.set('input', new TermReader(c.input_term, new Map()).term());
      if (c.data !== undefined) env.set('data', normalize(c.data));
      let callText: string, outPat: string | undefined, setRule = false;
      if (!c.modules || c.modules.length === 0) {
        callText = c.query.trim();
        outPat = 'x';
      } else {
        if (c.modules.length !== 1) throw new Unsupported('modules');
        const qm = /^data\.[a-z_.]+\.([a-z_]+) = x$/.exec(c.query.trim());
        if (!qm) throw new Unsupported('query');
        const rule = qm[1]!;
        const text = c.modules[0]!.replace(/^\s*#.*$/gm, '');
        for (const st of statements(text)) {
          const cm = /^([A-Za-z_][A-Za-z0-9_]*)\s*:=\s*([\s\S]+)$/.exec(st);
          if (!cm || cm[1] === rule) continue;
          try {
            const call = evaluate ? splitCall(cm[2]!) : undefined;
            if (call && call.rest === '' && names.has(call.name)) {
              env.set(cm[1]!, evaluate!(call.name, new TermReader(call.argsText, env, nested).args()));
            } else {
              env.set(cm[1]!, new TermReader(cm[2]!, env, nested).term());
            }
          } catch (e) { if (!(e instanceof Unsupported)) throw e; /* not a literal */ }
        }
        let st = statements(text).find((x) => new RegExp(`^${rule}\\s*(?::=|=|if\\s*\\{|contains\\s)`).test(x));
        if (!st) throw new Unsupported('rule shape');
        // A partial set with one element per solution: read it as `p := v if { ... }`, wrapped below.
        const cm0 = new RegExp(`^${rule}\\s+contains\\s+`).exec(st);
        const bm0 = new RegExp(`^${rule}\\s+if\\s*\\{`).exec(st);
        if ((cm0 || bm0) && !opts.arity) throw new Unsupported('rule shape');
        if (cm0) st = `${rule} := ${st.slice(cm0[0].length)}`;
        setRule = !!cm0;
        const bm = new RegExp(`^${rule}\\s+if\\s*\\{([\\s\\S]*)\\}$`).exec(st);
        if (bm) {
          const body = statements(bm[1]!);
          const call = body.length === 1 ? splitCall(body[0]!) : undefined;
          if (!call || call.rest !== '' || !names.has(call.name)) throw new Unsupported('boolean rule body');
          const args = new TermReader(call.argsText, env, nested).args();
          if (args.length !== opts.arity!(call.name)) throw new Unsupported('boolean rule with an output argument');
          calls.push({ id, builtin: call.name, args, expected: exp.value, sortResult: false, setArgs: containsSet(args), boolRule: true });
          return;
        }
        const after = st.replace(/^\w+\s*(?::=|=)\s*/, '');
        const ifm = /^(.*?)\s+if\s*\{([\s\S]*)\}$/.exec(after);
        const head = (ifm ? ifm[1]! : after).trim(), body = ifm ? ifm[2] : undefined;
        if (body === undefined) {
          callText = head;
          outPat = undefined;
        } else {
          let lines = statements(body);
          // Leading products of constants (`__local3__ = 1517814000 * 1000`) are folded into env.
          while (lines.length > 1) {
            const pm = /^(\w+) = (\w+) \* (\w+)$/.exec(lines[0]!);
            if (!pm) break;
            const f = (t: string): bigint => {
              const v = /^\d+$/.test(t) ? BigInt(t) : env.get(t);
              if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isInteger(v))) throw new Unsupported('product');
              return BigInt(v);
            };
            env.set(pm[1]!, normalize(f(pm[2]!) * f(pm[3]!)));
            lines = lines.slice(1);
          }
          const alias = lines.length === 2 ? /^(.+?) = (\w+)$/.exec(lines[1]!) : null;
          if (lines.length !== 1 && !(alias && alias[1] === head)) throw new Unsupported('body');
          const line = lines[0]!;
          const assign = /^(\w+)\s*(?::=|=)\s*([\s\S]+)$/.exec(line);
          if (assign && assign[1] === head) { callText = assign[2]!; outPat = undefined; }
          else { callText = line; outPat = alias ? alias[2]! : head; }
        }
      }
      const split = splitCall(callText);
      if (!split || split.rest !== '' || !names.has(split.name)) throw new Unsupported('call');
      const r = new TermReader(split.argsText, env, nested);
      let args: unknown[];
      if (outPat !== undefined) {
        // The last argument is the output; it must be the pattern the rule returns.
        const inner = split.argsText.slice(1, -1).replace(/,\s*$/, '');
        const lastComma = topLevelLastComma(inner);
        if (lastComma < 0 || inner.slice(lastComma + 1).trim() !== outPat) throw new Unsupported('output pattern');
        args = new TermReader('(' + inner.slice(0, lastComma) + ')', env, nested).args();
      } else {
        args = r.args();
      }
      calls.push({ id, builtin: split.name, args, expected: exp.value, sortResult: !!c.sort_bindings, setArgs: containsSet(args), boolRule: false, setRule });
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      skipped.push(`${id}: ${e.message}`);
    }
  });
  return { calls, skipped };
}

/** Splits text into statements: newlines inside brackets or strings do not end a statement. */
function statements(text: string): string[] {
  const out: string[] = [];
  let depth = 0, inStr: string | null = null, cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    cur += c;
    if (inStr) { if (c === '\\' && inStr === '"') cur += text[++i] ?? ''; else if (c === inStr) inStr = null; continue; }
    if (c === '"' || c === '`') inStr = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === '\n' && depth <= 0) { if (cur.trim()) out.push(cur.trim()); cur = ''; }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function topLevelLastComma(s: string): number {
  let depth = 0, inStr: string | null = null, last = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inStr) { if (c === '\\' && inStr === '"') i++; else if (c === inStr) inStr = null; continue; }
    if (c === '"' || c === '`') inStr = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) last = i;
  }
  return last;
}

/** Reads one Rego literal term (the subset TermReader understands). */
export function readRegoTerm(text: string): unknown {
  return new TermReader(text, new Map()).term();
}

/** Top-level statements of a module, as `name := term` pairs for the ones whose value is a literal. */
export function literalRules(module: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const st of statements(module.replace(/^\s*#.*$/gm, ''))) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*:=\s*([\s\S]+)$/.exec(st);
    if (!m) continue;
    try { out.set(m[1]!, new TermReader(m[2]!, new Map()).term()); } catch (e) { if (!(e instanceof Unsupported)) throw e; }
  }
  return out;
}
