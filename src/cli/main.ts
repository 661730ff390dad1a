// The writ command line: one file per command, dispatched from this table.
import { UsageError, helpText, parseArgs, type CommandSpec, type ParsedArgs } from './args.ts';
import { InputError } from '../files.ts';
import { buildCommand } from './build.ts';
import { evalCommand } from './eval.ts';
import { checkCommand } from './check.ts';
import { testCommand } from './test.ts';
import { conformanceCommand } from './conformance.ts';
import { serveCommand } from './serve.ts';
import { auditCommand } from './audit.ts';
import { tokenCommand } from './token.ts';
import { replayCommand } from './replay.ts';
import { enforceCommand } from './enforce.ts';
import { approvalsCommand } from './approvals.ts';

export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs): Promise<number>;
  /** Commands with subcommands parse their own arguments (writ audit verify ...). */
  dispatch?(argv: string[]): Promise<number>;
}

const commands: Command[] = [buildCommand, evalCommand, checkCommand, testCommand, conformanceCommand, serveCommand, auditCommand, tokenCommand, replayCommand, enforceCommand, approvalsCommand];

function topHelp(): string {
  const w = Math.max(...commands.map((c) => c.spec.name.length));
  return [
    'writ: a policy-as-code gateway. Rego policies compiled to WebAssembly, decided centrally, logged as evidence.',
    '',
    'Usage: writ <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(w)}  ${c.spec.summary}`),
    '',
    "Run 'writ <command> --help' for a command's flags.",
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write('writ 0.1.0\n');
    return 0;
  }
  const cmd = commands.find((c) => c.spec.name === name);
  if (!cmd) {
    process.stderr.write(`writ: unknown command '${name}'\n\n${topHelp()}`);
    return 2;
  }
  try {
    if (cmd.dispatch) return await cmd.dispatch(rest);
    const args = parseArgs(cmd.spec, rest);
    if (args.help) {
      process.stdout.write(helpText(cmd.spec));
      return 0;
    }
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      process.stderr.write(`writ ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
