// Test helpers for the checks: parse Rego text, run check(), and print results compactly.
import type { Body, Expr, Module, Rule, Term } from '../../../opa/syntax/ast.ts';
import { parseModule, parseQuery } from '../../../opa/syntax/parser.ts';
import { check } from '../../../opa/check/index.ts';
import { builtins } from '../../../opa/builtins/registry.ts';

export type CheckResult = ReturnType<typeof check>;

export function parseModules(srcs: string[]): Module[] {
  return srcs.map((text, i) => {
    const r = parseModule(`module-${i}.rego`, text);
    if (!r.module || r.diagnostics.length > 0) throw new Error(`test module does not parse: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    return r.module;
  });
}

export function run(src: string | string[], query?: string): CheckResult {
  const modules = parseModules(typeof src === 'string' ? [src] : src);
  let body: Body | undefined;
  if (query !== undefined) {
    const q = parseQuery('query.rego', query);
    if (!q.body || q.diagnostics.length > 0) throw new Error(`test query does not parse: ${q.diagnostics.map((d) => d.message).join('; ')}`);
    body = q.body;
  }
  return check({ modules, query: body, builtins });
}

/** `code: message` of each diagnostic. */
export function errors(r: CheckResult): string[] {
  return r.diagnostics.map((d) => `${d.code}: ${d.message}`);
}

const OPS: Record<string, string> = { eq: '=', assign: ':=', equal: '==', neq: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=', plus: '+', minus: '-', mul: '*', div: '/' };

/** Rego-like text of a term with raw (renamed) var names: `data.test.q`, `input.a[$_0]`, `x := 1`. */
export function show(t: Term): string {
  switch (t.type) {
    case 'null': return 'null';
    case 'boolean': return String(t.value);
    case 'number': return t.text;
    case 'string': return JSON.stringify(t.value);
    case 'var': return t.name;
    case 'ref': return show(t.head) + t.path.map((p) => (p.type === 'string' && /^[a-z_][a-z0-9_]*$/i.test(p.value) ? `.${p.value}` : `[${show(p)}]`)).join('');
    case 'array': return `[${t.items.map(show).join(', ')}]`;
    case 'set': return `{${t.items.map(show).join(', ')}}`;
    case 'object': return `{${t.items.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`;
    case 'arraycompr': return `[${show(t.term)} | ${showBody(t.body)}]`;
    case 'setcompr': return `{${show(t.term)} | ${showBody(t.body)}}`;
    case 'objectcompr': return `{${show(t.key)}: ${show(t.value)} | ${showBody(t.body)}}`;
    case 'call': {
      const op = t.op.join('.');
      if (OPS[op] && t.args.length === 2) return `${show(t.args[0])} ${OPS[op]} ${show(t.args[1])}`;
      return `${op}(${t.args.map(show).join(', ')})`;
    }
    case 'templatestring': return '$"..."';
  }
}

export function showExpr(e: Expr): string {
  const withs = 'with' in e ? e.with.map((w) => ` with ${show(w.target)} as ${show(w.value)}`).join('') : '';
  switch (e.kind) {
    case 'term': return (e.negated ? 'not ' : '') + show(e.term) + withs;
    case 'some': return `some ${e.vars.map(show).join(', ')}`;
    case 'somein': return `some ${e.key ? show(e.key) + ', ' : ''}${show(e.value)} in ${show(e.collection)}${withs}`;
    case 'every': return `every ${e.key ? show(e.key) + ', ' : ''}${show(e.value)} in ${show(e.domain)} { ${showBody(e.body)} }${withs}`;
    case 'logic': return `${e.negated ? 'not ' : ''}(${e.operands.map((b) => `{ ${showBody(b)} }`).join(` ${e.op} `)})${withs}`;
  }
}

export function showBody(b: Body): string {
  return b.map(showExpr).join('; ');
}

/** The n-th rule whose head ref starts with `name`, across the result modules. */
export function rule(r: CheckResult, name: string, n = 0): Rule {
  const found = r.modules.flatMap((m) => m.rules).filter((x) => x.ref[0]?.type === 'string' && x.ref[0].value === name);
  if (!found[n]) throw new Error(`no rule ${name}#${n}`);
  return found[n];
}

export function body(r: CheckResult, name: string, n = 0): string {
  return showBody(rule(r, name, n).body);
}
