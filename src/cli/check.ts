// writ check: parse and check Rego; prints diagnostics; exit 1 when there are errors.
import { compile, formatDiagnostics } from '../../opa/index.ts';
import { loadPolicyTree } from '../files.ts';
import { UsageError, flagValue, type ParsedArgs } from './args.ts';
import { readCapabilities } from './build.ts';
import type { Command } from './main.ts';

export const checkCommand: Command = {
  spec: {
    name: 'check',
    usage: 'writ check <paths...> [--capabilities file.json]',
    summary: 'check Rego for errors (parse, references, safety, recursion, types); exit 1 on errors',
    flags: [{ name: 'capabilities', value: true, valueName: 'file', help: 'OPA capabilities JSON restricting builtins' }],
  },
  async run(args: ParsedArgs) {
    if (args.positional.length === 0) throw new UsageError('no paths given');
    const tree = loadPolicyTree(args.positional);
    const r = compile(tree.rego, { checkOnly: true, capabilities: readCapabilities(flagValue(args, 'capabilities')) });
    if (!r.ok) {
      process.stderr.write(formatDiagnostics(r, { caret: true }) + '\n');
      process.stderr.write(`${r.diagnostics.length} error${r.diagnostics.length === 1 ? '' : 's'}\n`);
      return 1;
    }
    process.stdout.write(`${tree.rego.length} file${tree.rego.length === 1 ? '' : 's'} checked, no errors\n`);
    return 0;
  },
};
