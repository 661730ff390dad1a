// Module-level checks (OPA's CheckKeywordOverrides and CheckDuplicateImports) and removal of the
// `rego.v1` / `future.keywords` imports, which are no-ops in Rego v1.
import type { Import, Module, Term } from '../syntax/ast.ts';
import { report, type CheckContext } from './context.ts';
import { isCall, visitBody, visitTerm } from './walk.ts';

const ROOTS = new Set(['input', 'data']);

function importString(imp: Import): string {
  let s = 'import ' + imp.path.join('.');
  if (imp.alias !== undefined) s += ` as ${imp.alias}`;
  return s;
}

function isKeywordImport(imp: Import): boolean {
  return (imp.path[0] === 'rego' && imp.path[1] === 'v1' && imp.path.length === 2) || imp.path[0] === 'future';
}

function checkImports(ctx: CheckContext, module: Module): void {
  const kept: Import[] = [];
  const seen = new Map<string, Import>();
  for (const imp of module.imports) {
    if (isKeywordImport(imp)) continue;
    if (!ROOTS.has(imp.path[0])) {
      report(ctx, 'rego_parse_error', `invalid path ${imp.path.join('.')}: path must begin with input or data`, imp.loc);
      continue;
    }
    const name = imp.alias ?? imp.path[imp.path.length - 1];
    const prev = seen.get(name);
    if (prev) report(ctx, 'rego_compile_error', `import must not shadow ${importString(prev)}`, imp.loc);
    else seen.set(name, imp);
    kept.push(imp);
  }
  module.imports = kept;
}

/** `input` and `data` cannot be rule names, argument names or assigned variables. */
function checkRootOverrides(ctx: CheckContext, module: Module): void {
  const checkAssign = (t: Term): boolean | void => {
    if (isCall(t, 'assign') && t.args[0]?.type === 'var' && ROOTS.has(t.args[0].name)) {
      report(ctx, 'rego_compile_error', `variables must not shadow ${t.args[0].name} (use a different variable name)`, t.loc);
    }
  };
  for (const rule of module.rules) {
    const first = rule.ref[0];
    if (first?.type === 'string' && ROOTS.has(first.value) && rule.ref.length === 1) {
      report(ctx, 'rego_compile_error', `rules must not shadow ${first.value} (use a different rule name)`, rule.loc);
    }
    for (const a of rule.args ?? []) {
      if (a.type === 'var' && ROOTS.has(a.name)) {
        report(ctx, 'rego_compile_error', `args must not shadow ${a.name} (use a different variable name)`, a.loc);
      }
    }
    visitBody(rule.body, checkAssign);
    for (const e of rule.elses) visitBody(e.body, checkAssign);
    for (const t of [rule.key, rule.value]) if (t) visitTerm(t, checkAssign);
  }
}

export function checkModules(ctx: CheckContext): void {
  for (const module of ctx.modules) {
    checkImports(ctx, module);
    checkRootOverrides(ctx, module);
  }
  if (ctx.query) {
    visitBody(ctx.query, (t) => {
      if (isCall(t, 'assign') && t.args[0]?.type === 'var' && ROOTS.has(t.args[0].name)) {
        report(ctx, 'rego_compile_error', `variables must not shadow ${t.args[0].name} (use a different variable name)`, t.loc);
      }
    });
  }
}
