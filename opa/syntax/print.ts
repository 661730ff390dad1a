// A deterministic printer for parsed ASTs: golden tests and debugging. Locations are printed only for
// statements and annotations, compactly as @start-end (byte offsets).
import type { Annotations, Body, Expr, Module, Rule, Term } from './ast.ts';

export function printTerm(t: Term): string {
  switch (t.type) {
    case 'null': return 'null';
    case 'boolean': return String(t.value);
    case 'number': return t.text;
    case 'string': return (t.raw ? 'raw' : '') + JSON.stringify(t.value);
    case 'var': return t.name;
    case 'ref': {
      const head = t.head.type === 'var' ? t.head.name : `(${printTerm(t.head)})`;
      return head + t.path.map((e) => `[${printTerm(e)}]`).join('');
    }
    case 'array': return `[${t.items.map(printTerm).join(', ')}]`;
    case 'set': return `set(${t.items.map(printTerm).join(', ')})`;
    case 'object': return `{${t.items.map(([k, v]) => `${printTerm(k)}: ${printTerm(v)}`).join(', ')}}`;
    case 'arraycompr': return `[${printTerm(t.term)} | ${printBody(t.body)}]`;
    case 'setcompr': return `set(${printTerm(t.term)} | ${printBody(t.body)})`;
    case 'objectcompr': return `{${printTerm(t.key)}: ${printTerm(t.value)} | ${printBody(t.body)}}`;
    case 'call': return `${t.op.join('.')}(${t.args.map(printTerm).join(', ')})`;
    case 'templatestring': return `$(${t.parts.map((x) => (typeof x === 'string' ? JSON.stringify(x) : `{${printTerm(x)}}`)).join(' ')})`;
  }
}

export function printExpr(e: Expr): string {
  const withs = (ws: Array<{ target: Term; value: Term }>) => ws.map((w) => ` with ${printTerm(w.target)} as ${printTerm(w.value)}`).join('');
  switch (e.kind) {
    case 'term': return (e.negated ? 'not ' : '') + printTerm(e.term) + withs(e.with);
    case 'some': return `some ${e.vars.map(printTerm).join(', ')}`;
    case 'somein': return `some ${e.key ? printTerm(e.key) + ', ' : ''}${printTerm(e.value)} in ${printTerm(e.collection)}${withs(e.with)}`;
    case 'every': return `every ${e.key ? printTerm(e.key) + ', ' : ''}${printTerm(e.value)} in ${printTerm(e.domain)} { ${printBody(e.body)} }${withs(e.with)}`;
    case 'logic': return `${e.negated ? 'not ' : ''}(${e.operands.map((b) => `{ ${printBody(b)} }`).join(` ${e.op} `)})${withs(e.with)}`;
  }
}

export function printBody(b: Body): string {
  return b.map(printExpr).join('; ');
}

function printAnnotations(a: Annotations): string {
  return `annotations ${a.scope} ${JSON.stringify(a.fields)} @${a.loc.start}-${a.loc.end}`;
}

export function printRule(r: Rule): string {
  const lines: string[] = [];
  let head = `${r.isDefault ? 'default ' : ''}${r.kind} ${r.ref.map(printTerm).join('.')}`;
  if (r.refTail) head += ` tail ${r.refTail.map(printTerm).join('.')}`;
  if (r.args) head += `(${r.args.map(printTerm).join(', ')})`;
  if (r.key) head += ` key ${printTerm(r.key)}`;
  if (r.value) head += ` ${r.assign ?? 'value'} ${printTerm(r.value)}`;
  lines.push(`rule ${head} @${r.loc.start}-${r.loc.end} head @${r.headLoc.start}-${r.headLoc.end}`);
  if (r.annotations) lines.push(`  ${printAnnotations(r.annotations)}`);
  for (const e of r.body) lines.push(`  ${printExpr(e)}`);
  for (const el of r.elses) {
    lines.push(`  else${el.value ? ' ' + printTerm(el.value) : ''} @${el.loc.start}-${el.loc.end}`);
    for (const e of el.body) lines.push(`    ${printExpr(e)}`);
  }
  return lines.join('\n');
}

export function printModule(m: Module): string {
  const lines = [`module ${m.file} package ${m.package.join('.')} @${m.packageLoc.start}-${m.packageLoc.end}`];
  for (const i of m.imports) lines.push(`import ${i.path.join('.')}${i.alias ? ' as ' + i.alias : ''} @${i.loc.start}-${i.loc.end}`);
  for (const a of m.annotations) lines.push(printAnnotations(a));
  for (const r of m.rules) lines.push(printRule(r));
  return lines.join('\n') + '\n';
}
