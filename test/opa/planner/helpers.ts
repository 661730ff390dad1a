// Test helpers: Rego text -> parse -> check -> plan -> IR interpreter.
import { parseModule, parseQuery } from '../../../opa/syntax/parser.ts';
import { SourceSet, type Diagnostic } from '../../../opa/syntax/diagnostics.ts';
import { builtins } from '../../../opa/builtins/registry.ts';
import { check } from '../../../opa/check/index.ts';
import { plan } from '../../../opa/planner/index.ts';
import type { Module } from '../../../opa/syntax/ast.ts';
import type { Policy } from '../../../opa/ir/ir.ts';
import { Interp } from './interp.ts';
import { validatePolicy } from './validate.ts';
import { fromJSON, toJSON } from './values.ts';

export function compile(
  modules: string[],
  opts: { query?: string; entrypoints?: string[] } = {},
): { policy?: Policy; diagnostics: Diagnostic[] } {
  const sources = new SourceSet();
  const ms: Module[] = [];
  modules.forEach((text, i) => {
    const file = `module-${i}.rego`;
    sources.add(file, text);
    const r = parseModule(file, text);
    if (!r.module) throw new Error('parse: ' + r.diagnostics.map((d) => d.message).join('; '));
    ms.push(r.module);
  });
  let body;
  if (opts.query !== undefined) {
    sources.add('query.rego', opts.query);
    const q = parseQuery('query.rego', opts.query);
    if (!q.body) throw new Error('parse query: ' + q.diagnostics.map((d) => d.message).join('; '));
    body = q.body;
  }
  const c = check({ modules: ms, query: body, builtins });
  if (c.diagnostics.length) throw new Error('check: ' + c.diagnostics.map((d) => d.message).join('; '));
  const r = plan({
    modules: c.modules,
    entrypoints: (opts.entrypoints ?? []).map((e) => e.split('/')),
    query: c.query ? { body: c.query, vars: c.queryVars } : undefined,
    builtins,
    sources,
  });
  const invalid = r.policy ? validatePolicy(r.policy) : [];
  if (invalid.length) throw new Error('invalid IR: ' + invalid.join('; '));
  return r;
}

/** Evaluates `query` (plan "eval") or an entrypoint, returning result rows as JSON. */
export function run(
  modules: string[],
  opts: { query?: string; entrypoint?: string; input?: unknown; data?: unknown },
): unknown[] {
  const { policy, diagnostics } = compile(modules, { query: opts.query, entrypoints: opts.entrypoint ? [opts.entrypoint] : [] });
  if (!policy) throw new Error('plan: ' + diagnostics.map((d) => d.message).join('; '));
  const rows = new Interp(policy).evalPlan(opts.query !== undefined ? 'eval' : opts.entrypoint!, opts.input === undefined ? undefined : fromJSON(opts.input), fromJSON(opts.data ?? {}));
  return rows.map(toJSON);
}

/** The value of data.<path> for the given modules (undefined when there is no row). */
export function value(modules: string[], path: string, input?: unknown, data?: unknown): unknown {
  const rows = run(modules, { entrypoint: path, input, data }) as Array<{ result: unknown }>;
  return rows.length ? rows[0].result : undefined;
}
