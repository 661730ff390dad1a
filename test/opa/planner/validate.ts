// Test-only structural checks of planner output: call targets and arities, break depths,
// string indexes, locals assigned before use (flow-insensitive), plans ending in result rows.
import type { Block, Func, Operand, Policy, Stmt } from '../../../opa/ir/ir.ts';

export function validatePolicy(p: Policy): string[] {
  const errors: string[] = [];
  const funcs = new Map(p.funcs.map((f) => [f.name, f]));
  const builtins = new Map(p.static.builtins.map((b) => [b.name, b.arity]));
  if (funcs.size !== p.funcs.length) errors.push('duplicate func names');
  const check = (where: string, blocks: Block[], params: number[]) => {
    const assigned = new Set<number>([0, 1, ...params]);
    const targets = new Set<number>();
    // Collect every local that some statement writes (flow-insensitive).
    const collect = (s: Stmt): void => {
      const t = (s as { target?: number; result?: number }).target ?? (s as { result?: number }).result;
      if (typeof t === 'number') targets.add(t);
      if (s.type === 'ScanStmt') targets.add(s.key).add(s.value);
      for (const b of nested(s)) b.stmts.forEach(collect);
    };
    blocks.forEach((b) => b.stmts.forEach(collect));
    const op = (o: Operand, ctx: string) => {
      if ('str' in o && (o.str < 0 || o.str >= p.static.strings.length)) errors.push(`${where}: ${ctx}: string index ${o.str} out of range`);
      if ('local' in o && !assigned.has(o.local) && !targets.has(o.local)) errors.push(`${where}: ${ctx}: local %${o.local} never assigned`);
    };
    const walk = (s: Stmt, depth: number): void => {
      switch (s.type) {
        case 'CallStmt': {
          const f = funcs.get(s.func);
          if (f && f.params.length !== s.args.length) errors.push(`${where}: call ${s.func} with ${s.args.length} args, wants ${f.params.length}`);
          if (!f && builtins.get(s.func) !== s.args.length) errors.push(`${where}: call ${s.func}/${s.args.length} not declared`);
          s.args.forEach((a) => op(a, s.func));
          break;
        }
        case 'BreakStmt':
          if (s.index >= depth) errors.push(`${where}: break ${s.index} at depth ${depth}`);
          break;
        case 'EqualStmt':
        case 'NotEqualStmt':
          op(s.a, s.type);
          op(s.b, s.type);
          break;
        case 'DotStmt':
          op(s.source, 'dot');
          op(s.key, 'dot');
          break;
        case 'MakeStringStmt':
        case 'MakeNumberRefStmt':
          if (s.index >= p.static.strings.length) errors.push(`${where}: string index out of range`);
          break;
        case 'WithStmt':
          if (s.local !== 0 && s.local !== 1) errors.push(`${where}: with on local %${s.local}`);
          op(s.value, 'with');
          break;
        default:
          break;
      }
      for (const b of nested(s)) b.stmts.forEach((x) => walk(x, depth + 1));
    };
    blocks.forEach((b) => b.stmts.forEach((s) => walk(s, 1)));
  };
  for (const plan of p.plans) {
    check(`plan ${plan.name}`, plan.blocks, []);
    let rows = 0;
    const count = (s: Stmt): void => {
      if (s.type === 'ResultSetAddStmt') rows++;
      nested(s).forEach((b) => b.stmts.forEach(count));
    };
    plan.blocks.forEach((b) => b.stmts.forEach(count));
    if (rows === 0) errors.push(`plan ${plan.name}: no ResultSetAddStmt`);
  }
  for (const f of p.funcs) {
    if (f.params[0] !== 0 || f.params[1] !== 1) errors.push(`func ${f.name}: params must start with input, data`);
    checkRet(f, errors);
    check(`func ${f.name}`, f.blocks, f.params);
  }
  return errors;
}

function checkRet(f: Func, errors: string[]): void {
  if (f.params.includes(f.ret)) errors.push(`func ${f.name}: ret local is a parameter`);
}

function nested(s: Stmt): Block[] {
  if (s.type === 'BlockStmt') return s.blocks;
  if (s.type === 'NotStmt' || s.type === 'ScanStmt' || s.type === 'WithStmt') return [s.block];
  return [];
}
