// A stable, readable text form of an IR Policy (golden tests, `--dump-ir` style debugging).
import type { Block, Operand, Policy, Stmt } from './ir.ts';

export function printPolicy(p: Policy): string {
  const out: string[] = [];
  out.push('static:');
  p.static.strings.forEach((s, i) => out.push(`  s${i} = ${JSON.stringify(s)}`));
  for (const b of p.static.builtins) out.push(`  builtin ${b.name}/${b.arity}`);
  for (const f of p.static.files) out.push(`  file ${JSON.stringify(f)}`);
  for (const plan of p.plans) {
    out.push(`plan ${plan.name}:`);
    printBlocks(plan.blocks, 1, out, p);
  }
  for (const f of p.funcs) {
    out.push(`func ${f.name}(${f.params.map((l) => '%' + l).join(', ')}) -> %${f.ret}${f.path ? ' path ' + f.path.join('.') : ''}:`);
    printBlocks(f.blocks, 1, out, p);
  }
  return out.join('\n') + '\n';
}

function printBlocks(blocks: Block[], depth: number, out: string[], p: Policy): void {
  blocks.forEach((b, i) => {
    out.push(`${'  '.repeat(depth)}block${blocks.length > 1 ? ' ' + i : ''}:`);
    for (const s of b.stmts) printStmt(s, depth + 1, out, p);
  });
}

function op(o: Operand, p: Policy): string {
  if ('local' in o) return '%' + o.local;
  if ('str' in o) return JSON.stringify(p.static.strings[o.str]);
  return String(o.bool);
}

function printStmt(s: Stmt, depth: number, out: string[], p: Policy): void {
  const ind = '  '.repeat(depth);
  const line = (t: string): void => {
    out.push(ind + t);
  };
  const path = (ix: number[]) => ix.map((i) => JSON.stringify(p.static.strings[i])).join('.');
  switch (s.type) {
    case 'CallStmt':
      return line(`%${s.result} = call ${s.func}(${s.args.map((a) => op(a, p)).join(', ')})`);
    case 'BlockStmt':
      line('BlockStmt');
      return printBlocks(s.blocks, depth + 1, out, p);
    case 'BreakStmt':
      return line(`break ${s.index}`);
    case 'NotStmt':
      line('not');
      return printBlocks([s.block], depth + 1, out, p);
    case 'ScanStmt':
      line(`scan %${s.source} key %${s.key} value %${s.value}`);
      return printBlocks([s.block], depth + 1, out, p);
    case 'DotStmt':
      return line(`%${s.target} = dot ${op(s.source, p)} ${op(s.key, p)}`);
    case 'LenStmt':
      return line(`%${s.target} = len ${op(s.source, p)}`);
    case 'EqualStmt':
      return line(`equal ${op(s.a, p)} ${op(s.b, p)}`);
    case 'NotEqualStmt':
      return line(`notequal ${op(s.a, p)} ${op(s.b, p)}`);
    case 'IsArrayStmt':
      return line(`isarray ${op(s.source, p)}`);
    case 'IsObjectStmt':
      return line(`isobject ${op(s.source, p)}`);
    case 'IsSetStmt':
      return line(`isset ${op(s.source, p)}`);
    case 'IsDefinedStmt':
      return line(`isdefined %${s.source}`);
    case 'IsUndefinedStmt':
      return line(`isundefined %${s.source}`);
    case 'AssignVarStmt':
      return line(`%${s.target} = ${op(s.source, p)}`);
    case 'AssignVarOnceStmt':
      return line(`%${s.target} =once ${op(s.source, p)}${s.message ? ' ; ' + JSON.stringify(s.message) : ''}`);
    case 'ResetLocalStmt':
      return line(`reset %${s.target}`);
    case 'MakeNullStmt':
      return line(`%${s.target} = null`);
    case 'MakeBooleanStmt':
      return line(`%${s.target} = ${s.value}`);
    case 'MakeNumberIntStmt':
      return line(`%${s.target} = int ${s.value}`);
    case 'MakeNumberRefStmt':
      return line(`%${s.target} = number ${p.static.strings[s.index]}`);
    case 'MakeStringStmt':
      return line(`%${s.target} = string ${JSON.stringify(p.static.strings[s.index])}`);
    case 'MakeArrayStmt':
      return line(`%${s.target} = array(${s.capacity})`);
    case 'MakeObjectStmt':
      return line(`%${s.target} = object`);
    case 'MakeSetStmt':
      return line(`%${s.target} = set`);
    case 'ArrayAppendStmt':
      return line(`append %${s.array} ${op(s.value, p)}`);
    case 'ObjectInsertStmt':
      return line(`insert %${s.object} ${op(s.key, p)} ${op(s.value, p)}`);
    case 'ObjectInsertOnceStmt':
      return line(`insertonce %${s.object} ${op(s.key, p)} ${op(s.value, p)}`);
    case 'ObjectMergeStmt':
      return line(`%${s.target} = merge %${s.a} %${s.b}`);
    case 'SetAddStmt':
      return line(`setadd %${s.set} ${op(s.value, p)}`);
    case 'WithStmt':
      line(`with %${s.local}${s.path.length ? '.' + path(s.path) : ''} = ${op(s.value, p)}`);
      return printBlocks([s.block], depth + 1, out, p);
    case 'ResultSetAddStmt':
      return line(`resultset add %${s.value}`);
    case 'ReturnLocalStmt':
      return line(`return %${s.source}`);
    case 'NopStmt':
      return line('nop');
  }
}

/** Visits every statement of a policy (nested blocks included), e.g. to collect calls. */
export function walkStmts(p: Policy, fn: (s: Stmt) => void): void {
  const blocks = (bs: Block[]) => bs.forEach((b) => b.stmts.forEach(stmt));
  const stmt = (s: Stmt) => {
    fn(s);
    if (s.type === 'BlockStmt') blocks(s.blocks);
    else if (s.type === 'NotStmt' || s.type === 'ScanStmt' || s.type === 'WithStmt') blocks([s.block]);
  };
  for (const plan of p.plans) blocks(plan.blocks);
  for (const f of p.funcs) blocks(f.blocks);
}
