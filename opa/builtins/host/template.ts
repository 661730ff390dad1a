// strings.render_template: a subset of Go's text/template — text, {{.field.path}}, {{$var}},
// literals, if/else if/else, range (with $i, $v :=), with, comments, trim markers, and the builtin
// functions len, index, not, and, or, eq, ne, lt, le, gt, ge, print. Anything else (pipelines,
// printf, define/template/block) makes the call undefined. Missing keys print "<undefined>" as OPA.
import type { HostBuiltin } from './index.ts';
import { S, SOBJ, decl } from './types.ts';
import { fail, isObject, str, obj } from './errors.ts';
import { compareValues } from './values.ts';

const NAME = 'strings.render_template';
const MISSING = Symbol('missing');

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'out'; expr: string[] }
  | { kind: 'if'; branches: Array<{ cond: string[]; body: Node[] }>; otherwise: Node[] }
  | { kind: 'range'; vars: string[]; expr: string[]; body: Node[]; otherwise: Node[] }
  | { kind: 'with'; expr: string[]; body: Node[]; otherwise: Node[] };

/** Splits the template into text and action token lists, applying trim markers. */
function lex(src: string): Array<{ text: string } | { action: string[] }> {
  const out: Array<{ text: string } | { action: string[] }> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) { out.push({ text: src.slice(i) }); break; }
    let text = src.slice(i, open);
    let j = open + 2;
    if (src.startsWith('- ', j) || src.startsWith('-\t', j) || src.startsWith('-\n', j)) { text = text.replace(/\s+$/, ''); j += 1; }
    if (text) out.push({ text });
    const close = findClose(src, j);
    if (close < 0) fail(NAME, 'unclosed action');
    let body = src.slice(j, close);
    let next = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      while (next < src.length && /\s/.test(src[next]!)) next++;
    }
    const trimmed = body.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/'))) out.push({ action: tokens(trimmed) });
    i = next;
  }
  return out;
}

function findClose(src: string, from: number): number {
  let inStr: string | null = null;
  for (let k = from; k < src.length - 1; k++) {
    const c = src[k]!;
    if (inStr) { if (c === '\\' && inStr === '"') k++; else if (c === inStr) inStr = null; continue; }
    if (c === '"' || c === '`') inStr = c;
    else if (c === '}' && src[k + 1] === '}') return k;
  }
  return -1;
}

function tokens(s: string): string[] {
  const out: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|:=|,|\(|\)|\||[^\s,()|]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) out.push(m[1]!);
  if (s.slice(re.lastIndex).trim() !== '' && out.join('') === '') fail(NAME, 'bad action');
  return out;
}

function parse(items: ReturnType<typeof lex>): Node[] {
  let pos = 0;
  const block = (stops: string[]): { nodes: Node[]; stop: string[] } => {
    const nodes: Node[] = [];
    while (pos < items.length) {
      const it = items[pos++]!;
      if ('text' in it) { nodes.push({ kind: 'text', text: it.text }); continue; }
      const [kw, ...rest] = it.action;
      if (kw !== undefined && stops.includes(kw)) return { nodes, stop: it.action };
      if (kw === 'if') {
        const branches = [{ cond: rest, body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const r = block(['else', 'end']);
          if (r.stop[0] === 'end') { branches[branches.length - 1]!.body = r.nodes; break; }
          branches[branches.length - 1]!.body = r.nodes;
          if (r.stop[1] === 'if') { branches.push({ cond: r.stop.slice(2), body: [] }); continue; }
          const e = block(['end']);
          otherwise = e.nodes;
          break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
      } else if (kw === 'range' || kw === 'with') {
        let vars: string[] = [], expr = rest;
        const decl = rest.indexOf(':=');
        if (decl >= 0) { vars = rest.slice(0, decl).filter((t) => t !== ','); expr = rest.slice(decl + 1); }
        const r = block(['else', 'end']);
        const otherwise = r.stop[0] === 'else' ? block(['end']).nodes : [];
        if (kw === 'range') nodes.push({ kind: 'range', vars, expr, body: r.nodes, otherwise });
        else nodes.push({ kind: 'with', expr, body: r.nodes, otherwise });
      } else if (kw === 'else' || kw === 'end' || kw === 'define' || kw === 'template' || kw === 'block' || kw === 'break' || kw === 'continue') {
        fail(NAME, `unexpected ${kw}`);
      } else {
        nodes.push({ kind: 'out', expr: it.action });
      }
    }
    if (stops.length > 0) fail(NAME, 'unexpected EOF');
    return { nodes, stop: [] };
  };
  return block([]).nodes;
}

interface Scope { dot: unknown; vars: Map<string, unknown> }

function field(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (p === '') continue;
    if (cur === MISSING) return MISSING;
    if (!isObject(cur)) fail(NAME, `can't evaluate field ${p}`);
    cur = Object.prototype.hasOwnProperty.call(cur, p) ? cur[p] : MISSING;
  }
  return cur;
}

function truthy(v: unknown): boolean {
  if (v === MISSING || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

function operand(tok: string, s: Scope): unknown {
  if (tok.startsWith('"')) return JSON.parse(tok);
  if (tok.startsWith('`')) return tok.slice(1, -1);
  if (/^-?\d/.test(tok)) { const n = Number(tok); if (Number.isNaN(n)) fail(NAME, `bad number ${tok}`); return n; }
  if (tok === 'true') return true;
  if (tok === 'false') return false;
  if (tok === 'nil') return null;
  if (tok === '.') return s.dot;
  if (tok.startsWith('.')) return field(s.dot, tok.slice(1).split('.'));
  if (tok.startsWith('$')) {
    const [v, ...path] = tok.split('.');
    if (!s.vars.has(v!)) fail(NAME, `undefined variable ${v}`);
    return field(s.vars.get(v!), path);
  }
  return fail(NAME, `function ${JSON.stringify(tok)} not supported`);
}

const FUNCS: Record<string, (args: unknown[]) => unknown> = {
  len: ([x]) => (typeof x === 'string' ? Buffer.byteLength(x) : Array.isArray(x) ? x.length : isObject(x) ? Object.keys(x).length : fail(NAME, 'len of non-collection')),
  index: ([x, ...ks]) => ks.reduce((cur, k) => (Array.isArray(cur) && typeof k === 'number' ? cur[k] ?? fail(NAME, 'index out of range') : isObject(cur) && typeof k === 'string' ? (k in cur ? cur[k] : MISSING) : fail(NAME, 'bad index')), x),
  not: ([x]) => !truthy(x),
  and: (xs) => xs.find((x) => !truthy(x)) ?? xs[xs.length - 1],
  or: (xs) => xs.find((x) => truthy(x)) ?? xs[xs.length - 1],
  eq: ([a, ...bs]) => bs.some((b) => compareValues(a, b) === 0),
  ne: ([a, b]) => compareValues(a, b) !== 0,
  lt: ([a, b]) => compareValues(a, b) < 0,
  le: ([a, b]) => compareValues(a, b) <= 0,
  gt: ([a, b]) => compareValues(a, b) > 0,
  ge: ([a, b]) => compareValues(a, b) >= 0,
  print: (xs) => xs.map(show).join(' '),
};

function evalExpr(toks: string[], s: Scope): unknown {
  if (toks.length === 0) fail(NAME, 'empty command');
  if (toks.includes('|')) fail(NAME, 'pipelines not supported');
  // Parenthesised sub-expressions.
  const items: unknown[] = [];
  for (let i = 0; i < toks.length; i++) {
    if (toks[i] === '(') {
      let depth = 1, j = i + 1;
      for (; j < toks.length && depth > 0; j++) { if (toks[j] === '(') depth++; else if (toks[j] === ')') depth--; }
      items.push({ sub: evalExpr(toks.slice(i + 1, j - 1), s) });
      i = j - 1;
    } else {
      items.push(toks[i]);
    }
  }
  const val = (it: unknown): unknown => (typeof it === 'string' ? operand(it, s) : (it as { sub: unknown }).sub);
  const head = items[0];
  if (typeof head === 'string' && FUNCS[head]) return FUNCS[head]!(items.slice(1).map(val));
  if (items.length !== 1) fail(NAME, 'unsupported command');
  return val(head);
}

/** Go's fmt %v of a JSON value. */
function show(v: unknown): string {
  if (v === MISSING) return '<undefined>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[' + v.map(show).join(' ') + ']';
  if (isObject(v)) return 'map[' + Object.keys(v).sort().map((k) => `${k}:${show(v[k])}`).join(' ') + ']';
  return String(v);
}

function run(nodes: Node[], s: Scope): string {
  let out = '';
  for (const n of nodes) {
    switch (n.kind) {
      case 'text': out += n.text; break;
      case 'out': out += show(evalExpr(n.expr, s)); break;
      case 'if': {
        const b = n.branches.find((br) => truthy(evalExpr(br.cond, s)));
        out += run(b ? b.body : n.otherwise, s);
        break;
      }
      case 'with': {
        const v = evalExpr(n.expr, s);
        out += truthy(v) ? run(n.body, { dot: v, vars: s.vars }) : run(n.otherwise, s);
        break;
      }
      case 'range': {
        const v = evalExpr(n.expr, s);
        const entries: Array<[unknown, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x])
          : isObject(v) ? Object.keys(v).sort().map((k) => [k, v[k]])
          : v === MISSING || v === null ? [] : fail(NAME, "range can't iterate over a scalar");
        if (entries.length === 0) { out += run(n.otherwise, s); break; }
        for (const [k, x] of entries) {
          const vars = new Map(s.vars);
          if (n.vars.length === 1) vars.set(n.vars[0]!, x);
          if (n.vars.length === 2) { vars.set(n.vars[0]!, k); vars.set(n.vars[1]!, x); }
          out += run(n.body, { dot: x, vars });
        }
        break;
      }
    }
  }
  return out;
}

export const templateBuiltins: HostBuiltin[] = [
  {
    name: 'strings.render_template', impl: 'host', decl: decl([S, SOBJ], S),
    fn: (tpl, vars) => {
      const data = obj(NAME, vars, 2);
      const nodes = parse(lex(str(NAME, tpl, 1)));
      return run(nodes, { dot: data, vars: new Map([['$', data]]) });
    },
  },
];
