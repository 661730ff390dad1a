// CheckUndefinedFuncs: every call names a builtin or a user function, with the right number of
// arguments (OPA's checkUndefinedFuncs and arityMismatchError). A call used as an expression may
// pass one extra argument, the output (`count(xs, n)`); a call nested in a term may not.
import type { Body, Term } from '../syntax/ast.ts';
import { callArity, report, ruleEntries, rulesByPath, type CheckContext } from './context.ts';
import { haveType, formatType } from './types-format.ts';
import { childTerms, exprBodies, exprTerms, isClosure, visitTerm } from './walk.ts';

/**
 * OPA builtins writ refuses on purpose, with the reason after OPA's wording (tools matching
 * `undefined function <name>` keep working): policies never reach the network or the host.
 */
const refusedBuiltins: Record<string, string> = {
  'http.send': 'policies do not reach the network in writ',
  'net.lookup_ip_addr': 'policies do not reach the network in writ',
  'opa.runtime': 'the runtime environment is not exposed to policies in writ',
  'test.sleep': 'policies may not block in writ',
};

export function undefinedFunctionMessage(name: string): string {
  const why = refusedBuiltins[name];
  return why ? `undefined function ${name} (refused: ${why})` : `undefined function ${name}`;
}

export function checkUndefinedFuncs(ctx: CheckContext): void {
  const byPath = rulesByPath(ruleEntries(ctx.modules));
  const topLevel = new Set<Term>();
  const checkTerm = (t: Term): void => {
    visitTerm(t, (x) => {
      if (isClosure(x)) {
        for (const h of childTerms(x)) checkTerm(h);
        checkBody(x.body);
        return false;
      }
      if (x.type !== 'call') return;
      const name = x.op.join('.');
      const arity = callArity(ctx, byPath, x.op);
      if (arity < 0) {
        report(ctx, 'rego_type_error', undefinedFunctionMessage(name), x.loc);
        return;
      }
      const n = x.args.length;
      if (n === arity || (n === arity + 1 && topLevel.has(x))) return;
      const b = x.op[0] === 'data' ? undefined : ctx.builtins.get(name);
      if (b) {
        report(ctx, 'rego_type_error',
          `${name}: arity mismatch\n\thave: (${x.args.map(haveType).join(', ')})\n\twant: (${b.decl.args.map(formatType).join(', ')})`, x.loc);
      } else {
        report(ctx, 'rego_type_error', `function ${name} has arity ${arity}, got ${n} argument${n === 1 ? '' : 's'}`, x.loc);
      }
    }, { closures: false });
  };
  const checkBody = (body: Body): void => {
    for (const e of body) {
      if (e.kind === 'term' && e.term.type === 'call' && !['eq', 'assign'].includes(e.term.op.join('.'))) topLevel.add(e.term);
      for (const t of exprTerms(e)) checkTerm(t);
      for (const w of 'with' in e ? e.with : []) {
        if (!ctx.functionValues.has(w.value)) continue;
        const v = w.value;
        const name = v.type === 'var' ? v.name : v.type === 'ref' && v.head.type === 'var' ? [v.head.name, ...v.path.map((p) => (p.type === 'string' ? p.value : ''))].join('.') : '';
        if (!ctx.builtins.has(name)) report(ctx, 'rego_type_error', undefinedFunctionMessage(name), v.loc);
      }
      for (const b of exprBodies(e)) checkBody(b);
    }
  };
  for (const m of ctx.modules) {
    for (const r of m.rules) {
      for (const t of [r.key, r.value, ...r.elses.map((e) => e.value)]) if (t) checkTerm(t);
      checkBody(r.body);
      for (const e of r.elses) checkBody(e.body);
    }
  }
  if (ctx.query) checkBody(ctx.query);
}
