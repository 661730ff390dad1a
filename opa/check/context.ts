// Shared state of one check() run: the modules being normalised, the diagnostics, and the rule table.
import type { Body, Loc, Module, Rule, Term } from '../syntax/ast.ts';
import type { Diagnostic, DiagnosticCode } from '../syntax/diagnostics.ts';
import type { BuiltinDef } from '../builtins/registry.ts';

export interface CheckContext {
  modules: Module[];
  query?: Body;
  /** User variables of the query in order of appearance (filled by RewriteLocalVars). */
  queryVars: string[];
  builtins: ReadonlyMap<string, BuiltinDef>;
  diagnostics: Diagnostic[];
  /** `with` replacement values naming a builtin function (`with count as sum`): not variables. */
  functionValues: Set<Term>;
}

export function report(ctx: CheckContext, code: DiagnosticCode, message: string, loc: Loc): void {
  ctx.diagnostics.push({ code, message, loc });
}

/** A rule together with the module it belongs to and its full path (`data` first). */
export interface RuleEntry {
  rule: Rule;
  module: Module;
  /** ["data", ...package, ...head ref up to the first non-string term]. */
  path: string[];
  /** True when the head ref (refTail included) is all strings, i.e. the rule defines exactly `path`. */
  ground: boolean;
}

/** The head ref of a rule as terms (refTail when the parser gave a general ref head). */
export function headRef(rule: Rule): Term[] {
  return rule.refTail ?? rule.ref;
}

export function ruleEntries(modules: Module[]): RuleEntry[] {
  const out: RuleEntry[] = [];
  for (const module of modules) {
    for (const rule of module.rules) {
      const path = ['data', ...module.package];
      let ground = true;
      for (const t of headRef(rule)) {
        if (t.type === 'string') path.push(t.value);
        else { ground = false; break; }
      }
      // Partial object rules `p[k] := v` keep the key outside `ref`: the rule defines entries under `path`.
      if (rule.kind === 'partialobject' && rule.key !== undefined && !rule.refTail) ground = false;
      out.push({ rule, module, path, ground });
    }
  }
  return out;
}

export function pathKey(path: readonly string[]): string {
  return JSON.stringify(path);
}

/** Rules grouped by the path they define, in source order. */
export function rulesByPath(entries: RuleEntry[]): Map<string, RuleEntry[]> {
  const m = new Map<string, RuleEntry[]>();
  for (const e of entries) {
    const k = pathKey(e.path);
    const list = m.get(k);
    if (list) list.push(e); else m.set(k, [e]);
  }
  return m;
}

/** The name shown to users for a (possibly renamed) variable: `x$2` -> `x`, `$_3` -> `_`. */
export function displayVar(name: string): string {
  if (name.startsWith('$')) return '_';
  const i = name.indexOf('$');
  return i < 0 ? name : name.slice(0, i);
}

export function isGeneratedVar(name: string): boolean {
  return name.startsWith('$');
}

/**
 * Number of arguments of the function a call names: a builtin's declared arity, or the arity of
 * the user function at that path (0 for a non-function rule, as OPA); -1 when nothing is there.
 */
export function callArity(ctx: CheckContext, byPath: Map<string, RuleEntry[]>, op: readonly string[]): number {
  if (op[0] === 'data') {
    const rules = byPath.get(pathKey(op));
    if (!rules || rules.length === 0) return -1;
    return rules[0].rule.args?.length ?? 0;
  }
  const b = ctx.builtins.get(op.join('.'));
  return b ? b.decl.args.length : -1;
}
