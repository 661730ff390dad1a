// writ conformance: run OPA's YAML conformance cases through the compiler and the official wasm SDK.
import { writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { loadCases } from '../conformance/cases.ts';
import { runPool } from '../conformance/pool.ts';
import { expectsStrictError, type CaseOutcome } from '../conformance/runner.ts';
import { UsageError, flagValue, flagBool, type ParsedArgs } from './args.ts';
import type { Command } from './main.ts';

export interface ConformanceReport {
  root: string;
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  percent: number;
  /** Strict builtin errors were on (compiled strictly, strict_error cases expect the error). */
  strict: boolean;
  /** The cases marked strict_error that name the error strict mode raises: passed / total. */
  strictErrorCases: { passed: number; total: number };
  byCategory: Record<string, number>;
  cases: CaseOutcome[];
}

export async function runConformance(root: string, opts: { workers?: number; timeoutMs?: number; filter?: RegExp; strict?: boolean; onResult?: (o: CaseOutcome) => void } = {}): Promise<ConformanceReport> {
  const { cases, errors } = loadCases(root);
  const selected = opts.filter ? cases.filter((c) => opts.filter!.test(c.id) || opts.filter!.test(c.note)) : cases;
  const outcomes = await runPool(selected, {
    root,
    workers: opts.workers ?? Math.max(1, Math.min(2, cpus().length)),
    timeoutMs: opts.timeoutMs ?? 10_000,
    strict: opts.strict,
    onResult: opts.onResult,
  });
  for (const e of errors) outcomes.push({ id: e.file, note: '', status: 'fail', category: 'unreadable case file', reason: e.message, ms: 0 });
  const passed = outcomes.filter((o) => o.status === 'pass').length;
  const skipped = outcomes.filter((o) => o.status === 'skip').length;
  const strictIds = new Set(selected.filter(expectsStrictError).map((c) => c.id));
  const strictOutcomes = outcomes.filter((o) => strictIds.has(o.id));
  const byCategory: Record<string, number> = {};
  for (const o of outcomes) if (o.status !== 'pass') byCategory[o.category] = (byCategory[o.category] ?? 0) + 1;
  return {
    root,
    total: outcomes.length,
    passed,
    failed: outcomes.length - passed - skipped,
    skipped,
    percent: outcomes.length ? (100 * passed) / outcomes.length : 0,
    strict: opts.strict === true,
    strictErrorCases: { passed: strictOutcomes.filter((o) => o.status === 'pass').length, total: strictOutcomes.length },
    byCategory,
    cases: outcomes,
  };
}

/** Ids of passing cases, sorted: the regression list kept in test/conformance/passing.txt. */
export function passingIds(r: ConformanceReport): string[] {
  return r.cases.filter((c) => c.status === 'pass').map((c) => c.id).sort();
}

/** The strict_error cases' figure: expected undefined (default) or the builtin error (--strict-builtin-errors). */
export function strictLine(r: ConformanceReport): string {
  const { passed, total } = r.strictErrorCases;
  const want = r.strict ? 'the builtin error' : 'undefined';
  return `strict_error cases (${r.strict ? 'strict' : 'non-strict'} builtin errors, want ${want}): ${passed}/${total} pass`;
}

export function summaryLine(r: ConformanceReport): string {
  return `conformance: ${r.passed}/${r.total} pass (${r.percent.toFixed(1)}%)`;
}

export const conformanceCommand: Command = {
  spec: {
    name: 'conformance',
    usage: 'writ conformance <dir> [--json report.json] [--run <regex>] [--verbose] [--strict-builtin-errors]',
    summary: "run OPA's YAML conformance cases through writ's compiler and the OPA wasm SDK",
    flags: [
      { name: 'json', value: true, valueName: 'file', help: 'write the full report (every case with pass/fail/skip and reason)' },
      { name: 'run', value: true, valueName: 'regex', help: 'only cases whose id or note matches' },
      { name: 'verbose', short: 'v', help: 'print every case, not only failures' },
      { name: 'timeout', value: true, valueName: 'ms', help: 'per-case time limit (default 10000)' },
      { name: 'strict-builtin-errors', help: 'as OPA runs them: strict_error cases compile with strict builtin errors and must raise the error they name' },
      { name: 'write-passing', value: true, valueName: 'file', help: 'write the ids of passing cases, one per line (the regression list)' },
    ],
    details: 'The line before last gives the strict_error cases\' figure in the chosen mode; the last line is\n' +
      '"conformance: <passed>/<total> pass (<percent>%)"; skipped cases count in the total.',
  },
  async run(args: ParsedArgs) {
    if (args.positional.length !== 1) throw new UsageError('exactly one directory is required');
    const root = args.positional[0];
    if (!existsSync(root)) throw new UsageError(`${root}: no such directory`);
    const run = flagValue(args, 'run');
    const timeout = Number(flagValue(args, 'timeout') ?? 10_000);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError('--timeout must be a positive number of milliseconds');
    const verbose = flagBool(args, 'verbose');
    const report = await runConformance(root, { filter: run ? new RegExp(run) : undefined, timeoutMs: timeout, strict: flagBool(args, 'strict-builtin-errors') });
    for (const o of report.cases) {
      if (o.status === 'pass' && !verbose) continue;
      process.stdout.write(`${o.status.toUpperCase()} ${o.id} ${o.note}${o.reason ? `\n    ${o.category}: ${o.reason.replace(/\n/g, '\n    ')}` : ''}\n`);
    }
    process.stdout.write('\nfailures by category:\n');
    for (const [k, n] of Object.entries(report.byCategory).sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${String(n).padStart(5)}  ${k}\n`);
    const json = flagValue(args, 'json');
    if (json) writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
    const passing = flagValue(args, 'write-passing');
    if (passing) writeFileSync(passing, passingIds(report).join('\n') + '\n');
    process.stdout.write(strictLine(report) + '\n');
    process.stdout.write(summaryLine(report) + '\n');
    return 0;
  },
};
