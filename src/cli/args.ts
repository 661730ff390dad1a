// A small, strict argument parser: every command declares its flags, and anything else is an error.

export interface FlagSpec {
  /** Long name without dashes, e.g. "entrypoint". */
  name: string;
  short?: string;
  /** Takes a value; `repeat` collects several. */
  value?: boolean;
  repeat?: boolean;
  help: string;
  valueName?: string;
}

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec[];
  /** Extra text after the flags in --help. */
  details?: string;
}

export interface ParsedArgs {
  flags: Map<string, string[] | true>;
  positional: string[];
  help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const flags = new Map<string, string[] | true>();
  const positional: string[] = [];
  let help = false;
  const byLong = new Map(spec.flags.map((f) => [f.name, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short!, f]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    let flag: FlagSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      flag = byLong.get(name);
      if (!flag) throw new UsageError(`unknown flag --${name} (see 'writ ${spec.name} --help')`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      flag = byShort.get(arg.slice(1));
      if (!flag) throw new UsageError(`unknown flag ${arg} (see 'writ ${spec.name} --help')`);
    } else {
      positional.push(arg);
      continue;
    }
    if (!flag.value) {
      if (inline !== undefined) throw new UsageError(`flag --${flag.name} takes no value`);
      flags.set(flag.name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`flag --${flag.name} needs a value`);
    const prev = flags.get(flag.name);
    if (prev && prev !== true && !flag.repeat) throw new UsageError(`flag --${flag.name} given twice`);
    flags.set(flag.name, prev && prev !== true ? [...prev, value] : [value]);
  }
  return { flags, positional, help };
}

export function flagValue(a: ParsedArgs, name: string): string | undefined {
  const v = a.flags.get(name);
  return v === undefined || v === true ? undefined : v[v.length - 1];
}

export function flagValues(a: ParsedArgs, name: string): string[] {
  const v = a.flags.get(name);
  return v === undefined || v === true ? [] : v;
}

export function flagBool(a: ParsedArgs, name: string): boolean {
  return a.flags.get(name) === true;
}

export function helpText(spec: CommandSpec): string {
  const lines = [`Usage: ${spec.usage}`, '', spec.summary, '', 'Flags:'];
  const rows = spec.flags.map((f) => {
    const names = (f.short ? `-${f.short}, ` : '    ') + `--${f.name}` + (f.value ? ` <${f.valueName ?? 'value'}>` : '');
    return [names, f.help + (f.repeat ? ' (repeatable)' : '')];
  });
  rows.push(['-h, --help', 'show this help']);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [n, h] of rows) lines.push(`  ${n.padEnd(w)}  ${h}`);
  if (spec.details) lines.push('', spec.details);
  return lines.join('\n') + '\n';
}

/** One subcommand of a command group (`writ audit verify`, `writ approvals list`). */
export interface Subcommand {
  spec: CommandSpec;
  run(args: ParsedArgs): Promise<number>;
}

export function subcommandHelp(group: string, about: string, subs: Record<string, Subcommand>): string {
  const names = Object.keys(subs);
  const w = Math.max(...names.map((n) => n.length));
  return [
    `Usage: writ ${group} <${names.join('|')}> [flags]`,
    '',
    about,
    '',
    'Subcommands:',
    ...names.map((n) => `  ${n.padEnd(w)}  ${subs[n].spec.summary}`),
    '',
    `Run 'writ ${group} <subcommand> --help' for its flags.`,
    '',
  ].join('\n');
}

/**
 * Runs `writ <group> <sub> [flags]`: help for the group or the subcommand, usage errors, then the
 * subcommand; `onError` turns the group's own failures into an exit code (undefined rethrows).
 */
export async function dispatchSubcommand(
  group: string,
  about: string,
  subs: Record<string, Subcommand>,
  argv: string[],
  onError: (sub: string, e: unknown) => number | undefined,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(subcommandHelp(group, about, subs));
    return name ? 0 : 2;
  }
  const sub = Object.hasOwn(subs, name) ? subs[name] : undefined;
  if (!sub) throw new UsageError(`unknown subcommand '${name}' (see 'writ ${group} --help')`);
  const args = parseArgs(sub.spec, rest);
  if (args.help) {
    process.stdout.write(helpText(sub.spec));
    return 0;
  }
  try {
    return await sub.run(args);
  } catch (e) {
    const code = onError(name, e);
    if (code === undefined) throw e;
    return code;
  }
}
