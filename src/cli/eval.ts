// writ eval: compile policies plus a query, evaluate through the OPA wasm SDK, print the result set.
import { readFileSync } from 'node:fs';
import { compile, formatDiagnostics, loadCompiled } from '../../opa/index.ts';
import { loadPolicyTree, InputError } from '../files.ts';
import { UsageError, flagBool, flagValue, flagValues, type ParsedArgs } from './args.ts';
import type { Command } from './main.ts';

export const evalCommand: Command = {
  spec: {
    name: 'eval',
    usage: 'writ eval -d <paths...> [-i input.json] [--strict-builtin-errors] <query>',
    summary: 'evaluate a Rego query against policies and data; prints the result set as JSON',
    flags: [
      { name: 'data', short: 'd', value: true, repeat: true, valueName: 'path', help: 'policy or data file/directory' },
      { name: 'input', short: 'i', value: true, valueName: 'file', help: 'input document (JSON); "-" reads standard input' },
      { name: 'strict-builtin-errors', help: 'a failing builtin fails the evaluation (eval_type_error / eval_builtin_error) instead of being undefined' },
    ],
    details: 'Output: [{"expressions"-free rows}], one object per solution, keyed by the query variables;\n' +
      'a query without variables prints [{}] when true and [] when undefined.',
  },
  async run(args: ParsedArgs) {
    if (args.positional.length !== 1) throw new UsageError('exactly one query is required');
    const tree = loadPolicyTree(flagValues(args, 'data'));
    const inputPath = flagValue(args, 'input');
    let input: ArrayBuffer | undefined;
    if (inputPath) {
      const text = readFileSync(inputPath === '-' ? 0 : inputPath, 'utf8');
      try {
        JSON.parse(text);
      } catch (e) {
        throw new InputError(`${inputPath}: not JSON: ${(e as Error).message}`);
      }
      const bytes = new TextEncoder().encode(text);
      input = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }
    const query = args.positional[0];
    const strict = flagBool(args, 'strict-builtin-errors');
    let r = compile(tree.rego, { query, strictBuiltinErrors: strict });
    // A query without variables (`data.p.allow`) prints its value as {"result": ...}, as a person expects.
    if (r.ok && r.queryVars.length === 0 && !/[;\n]/.test(query) && !/^\s*(not|some|every)\b/.test(query)) {
      const w = compile(tree.rego, { query: `result := (${query})`, strictBuiltinErrors: strict });
      if (w.ok) {
        r = w;
      }
    }
    if (!r.ok || !r.wasm) {
      process.stderr.write(formatDiagnostics(r, { caret: true }) + '\n');
      return 1;
    }
    const policy = await loadCompiled(r.wasm, {}, { strictBuiltinErrors: strict });
    policy.setData(tree.data);
    try {
      const rows = policy.evaluate(input, r.entrypoints.indexOf('eval'));
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    } catch (e) {
      process.stderr.write(`writ eval: evaluation failed: ${typeof e === 'string' ? e : (e as Error).message}\n`);
      return 1;
    }
    return 0;
  },
};
