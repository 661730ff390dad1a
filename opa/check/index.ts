// check(): the compiler's checks as an ordered list of named stages (after OPA's ast/compile.go).
// Each stage reads and rewrites the modules in place; the driver times every stage and stops
// after the first one that reports an error, as OPA does. The output is the AST in "normal form"
// (see the end of opa/syntax/ast.ts).
//
// rego.metadata.rule()/chain() become constants (stage-metadata.ts). Integers beyond 64 bits are refused by CheckNumberLiterals. The planner
// refuses by name what it cannot plan; `print` calls become internal.print (stage-print.ts).
import type { Body, Module } from '../syntax/ast.ts';
import type { Diagnostic } from '../syntax/diagnostics.ts';
import type { BuiltinDef } from '../builtins/registry.ts';
import type { CheckContext } from './context.ts';
import { cloneAst } from './walk.ts';
import { checkModules } from './stage-modules.ts';
import { checkNumberLiterals } from './stage-numbers.ts';
import { rewritePrintCalls } from './stage-print.ts';
import { resolveRefs } from './stage-resolve.ts';
import { checkUnsupported } from './stage-unsupported.ts';
import { rewriteRegoMetadataCalls } from './stage-metadata.ts';
import { rewriteLocalVars } from './stage-locals.ts';
import { checkRuleConflicts } from './stage-conflicts.ts';
import { checkUndefinedFuncs } from './stage-calls.ts';
import { checkSafety } from './stage-safety.ts';
import { checkRecursion } from './stage-recursion.ts';
import { checkTypes } from './stage-types.ts';
import { checkDeprecatedBuiltins } from './stage-deprecated.ts';

export interface CheckStage {
  name: string;
  run: (ctx: CheckContext) => void;
}

export const stages: readonly CheckStage[] = [
  // Imports and keyword misuse first: resolution below relies on import names being unique and
  // on `rego.v1` / `future.keywords` being gone.
  { name: 'CheckImportsAndKeywords', run: checkModules },
  // Purely lexical; done before any rewrite so the literal's own location is reported.
  { name: 'CheckNumberLiterals', run: checkNumberLiterals },
  // Before resolution so that `print` never reaches the undefined-function check.
  { name: 'RewritePrintCalls', run: rewritePrintCalls },
  // Needs only the module list; every later stage sees full `data.`/`input.` refs.
  { name: 'ResolveRefs', run: resolveRefs },
  // After resolution (rule paths are known); replaces the calls by constants before they are refused.
  { name: 'RewriteRegoMetadataCalls', run: rewriteRegoMetadataCalls },
  // After resolution (a user rule may be named like a refused builtin) and before the
  // undefined-function check, which would otherwise report these as unknown.
  { name: 'CheckUnsupported', run: checkUnsupported },
  // After resolution (rule names are refs now, only locals remain as vars) and before anything
  // that reasons about variables (safety needs one name per variable).
  { name: 'RewriteLocalVars', run: rewriteLocalVars },
  // OPA checks conflicts before undefined functions: a function clashing with a rule of another
  // arity would otherwise be reported as an arity error.
  { name: 'CheckRuleConflicts', run: checkRuleConflicts },
  // Safety needs every call's arity to know which argument is an output.
  { name: 'CheckUndefinedFuncs', run: checkUndefinedFuncs },
  { name: 'CheckSafety', run: checkSafety },
  // Dependencies are read from resolved refs; recursion is reported only for safe rules, as in OPA.
  { name: 'CheckRecursion', run: checkRecursion },
  // Last, as in OPA ("must be run after CheckRecursion").
  { name: 'CheckTypes', run: checkTypes },
  // As in OPA, after the type check: calls are resolved, so a user `all()` is not the builtin.
  { name: 'CheckDeprecatedBuiltins', run: checkDeprecatedBuiltins },
];

export function check(input: { modules: Module[]; query?: Body; builtins: ReadonlyMap<string, BuiltinDef> }): {
  modules: Module[]; query?: Body; queryVars: string[]; diagnostics: Diagnostic[]; stages: Array<{ name: string; ms: number }>;
} {
  // The stages rewrite in place: work on a copy so the parser's output stays as written.
  const ctx: CheckContext = {
    modules: cloneAst(input.modules),
    query: input.query && cloneAst(input.query),
    queryVars: [],
    builtins: input.builtins,
    diagnostics: [],
    functionValues: new Set(),
  };
  const timings: Array<{ name: string; ms: number }> = [];
  for (const stage of stages) {
    const t0 = performance.now();
    stage.run(ctx);
    timings.push({ name: stage.name, ms: performance.now() - t0 });
    if (ctx.diagnostics.length > 0) break;
  }
  ctx.diagnostics.sort((a, b) => (a.loc.file === b.loc.file ? a.loc.start - b.loc.start : a.loc.file < b.loc.file ? -1 : 1));
  return { modules: ctx.modules, query: ctx.query, queryVars: ctx.queryVars, diagnostics: ctx.diagnostics, stages: timings };
}
