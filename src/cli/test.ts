// writ test: run the Rego unit tests (rules named test_*) compiled to wasm, as `opa test` does.
import { compile, formatDiagnostics, loadCompiled } from '../../opa/index.ts';
import type { Module } from '../../opa/syntax/ast.ts';
import { loadPolicyTree } from '../files.ts';
import { UsageError, flagBool, flagValue, type ParsedArgs } from './args.ts';
import type { Command } from './main.ts';

export interface TestCaseResult {
  name: string;
  package: string;
  location: { file: string; row: number; col: number };
  outcome: 'pass' | 'fail' | 'error';
  error?: string;
  duration_ms: number;
}

function ruleName(ref: Module['rules'][number]['ref']): string | undefined {
  const first = ref[0];
  return ref.length === 1 && first.type === 'string' ? first.value : undefined;
}

/** Compile and run every test_* rule under `paths`. Returns undefined with printed diagnostics if compilation fails. */
export async function runRegoTests(paths: string[], filter?: RegExp, opts: { strictBuiltinErrors?: boolean } = {}): Promise<{ results: TestCaseResult[]; diagnostics?: string }> {
  const tree = loadPolicyTree(paths);
  const first = compile(tree.rego, { checkOnly: true });
  if (!first.ok) return { results: [], diagnostics: formatDiagnostics(first, { caret: true }) };
  const tests: Array<{ ep: string; name: string; pkg: string; location: TestCaseResult['location'] }> = [];
  const seen = new Set<string>();
  for (const m of first.modules) {
    for (const rule of m.rules) {
      const name = ruleName(rule.ref);
      if (!name || !name.startsWith('test_') || rule.kind !== 'complete') continue;
      const ep = [...m.package, name].join('/');
      if (filter && !filter.test(`data.${m.package.join('.')}.${name}`)) continue;
      if (seen.has(ep)) continue; // incremental definitions of one test are one test
      seen.add(ep);
      const pos = first.sources.position(rule.loc.file, rule.loc.start);
      tests.push({ ep, name, pkg: m.package.join('.'), location: { file: rule.loc.file, ...pos } });
    }
  }
  if (tests.length === 0) return { results: [] };
  const strict = opts.strictBuiltinErrors === true;
  const r = compile(tree.rego, { entrypoints: tests.map((t) => t.ep), strictBuiltinErrors: strict });
  if (!r.ok || !r.wasm) return { results: [], diagnostics: formatDiagnostics(r, { caret: true }) };
  const policy = await loadCompiled(r.wasm, {}, { strictBuiltinErrors: strict });
  policy.setData(tree.data);
  const results: TestCaseResult[] = [];
  for (const t of tests) {
    const t0 = performance.now();
    let outcome: TestCaseResult['outcome'] = 'fail';
    let error: string | undefined;
    try {
      const rows = policy.evaluate(undefined, t.ep) as Array<{ result: unknown }>;
      outcome = rows.length === 1 && rows[0].result === true ? 'pass' : 'fail';
      if (outcome === 'fail') error = rows.length === 0 ? 'undefined' : `result ${JSON.stringify(rows[0].result)}`;
    } catch (e) {
      outcome = 'error';
      error = typeof e === 'string' ? e : (e as Error).message;
    }
    results.push({ name: `data.${t.pkg}.${t.name}`, package: t.pkg, location: t.location, outcome, error, duration_ms: performance.now() - t0 });
  }
  return { results };
}

export const testCommand: Command = {
  spec: {
    name: 'test',
    usage: 'writ test <paths...> [--format pretty|json] [--run <regex>] [--strict-builtin-errors]',
    summary: 'run Rego unit tests (rules named test_*); exit 1 on failure',
    flags: [
      { name: 'format', short: 'f', value: true, valueName: 'fmt', help: 'pretty (default) or json' },
      { name: 'run', value: true, valueName: 'regex', help: 'only tests whose full name (data.pkg.test_x) matches' },
      { name: 'strict-builtin-errors', help: 'a failing builtin makes the test an error instead of undefined' },
    ],
  },
  async run(args: ParsedArgs) {
    if (args.positional.length === 0) throw new UsageError('no paths given');
    const format = flagValue(args, 'format') ?? 'pretty';
    if (format !== 'pretty' && format !== 'json') throw new UsageError(`unknown format "${format}" (pretty or json)`);
    let filter: RegExp | undefined;
    const run = flagValue(args, 'run');
    if (run) {
      try {
        filter = new RegExp(run);
      } catch (e) {
        throw new UsageError(`--run: ${(e as Error).message}`);
      }
    }
    const { results, diagnostics } = await runRegoTests(args.positional, filter, { strictBuiltinErrors: flagBool(args, 'strict-builtin-errors') });
    if (diagnostics) {
      process.stderr.write(diagnostics + '\n');
      return 1;
    }
    const failed = results.filter((r) => r.outcome !== 'pass');
    if (format === 'json') {
      process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    } else {
      let lastFile = '';
      for (const r of results) {
        if (r.location.file !== lastFile) {
          process.stdout.write(`${r.location.file}:\n`);
          lastFile = r.location.file;
        }
        const tag = r.outcome.toUpperCase();
        process.stdout.write(`${r.name}: ${tag} (${r.duration_ms.toFixed(3)}ms)${r.error ? `\n  ${r.location.file}:${r.location.row}:${r.location.col}: ${r.error}` : ''}\n`);
      }
      process.stdout.write('-'.repeat(80) + '\n');
      if (results.length === 0) process.stdout.write('no tests found\n');
      else if (failed.length === 0) process.stdout.write(`PASS: ${results.length}/${results.length}\n`);
      else process.stdout.write(`PASS: ${results.length - failed.length}/${results.length}\nFAIL: ${failed.length}/${results.length}\n`);
    }
    return failed.length > 0 || results.length === 0 ? 1 : 0;
  },
};
