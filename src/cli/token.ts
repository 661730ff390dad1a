// writ token inspect: verify a token against writ.yaml's issuers and print the principal, or exactly why it is refused.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { InputError } from '../files.ts';
import { ConfigError } from '../service/config.ts';
import { IdentityError, validateIdentityConfig, verifyToken, type IdentityConfig } from '../identity/index.ts';
import { UsageError, flagBool, flagValue, helpText, parseArgs, type CommandSpec } from './args.ts';
import type { Command } from './main.ts';

const inspectSpec: CommandSpec = {
  name: 'token inspect',
  usage: 'writ token inspect <jwt | -> [--config writ.yaml] [--now TIME] [--json]',
  summary: "verify an OIDC token against writ.yaml's identity issuers; print the principal policies would see",
  flags: [
    { name: 'config', short: 'c', value: true, valueName: 'file', help: 'the writ.yaml whose identity: section lists the trusted issuers (default ./writ.yaml, or $WRIT_CONFIG)' },
    { name: 'now', value: true, valueName: 'time', help: 'verify as of this RFC 3339 time instead of the system clock' },
    { name: 'json', help: 'on refusal, also print {"error": {code, message, issuer}} on standard output' },
  ],
  details:
    'The token is the argument, or standard input with "-" (keeps it out of shell history and ps).\n' +
    'Keys are fetched from each issuer\'s JWKS (or discovery document) as the service would.\n' +
    'Output: {"issuer", "expires_at", "header", "principal"} as JSON: principal is input.principal.\n' +
    'Exit status: 0 verified; 1 refused (the reason, with its WRIT_TOKEN_* / WRIT_JWKS_* code, on standard error);\n' +
    '2 usage or configuration error.',
};

function loadIdentity(path: string | undefined): IdentityConfig {
  const file = path ?? process.env.WRIT_CONFIG ?? (existsSync('writ.yaml') ? 'writ.yaml' : undefined);
  if (!file) throw new InputError('no writ.yaml here: give --config <file> (its identity: section lists the trusted issuers)');
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not YAML: ${(e as Error).message}`);
  }
  const root = (raw ?? {}) as Record<string, unknown>;
  if (typeof root !== 'object' || Array.isArray(root)) throw new InputError(`${file}: must be a mapping`);
  if (root.identity === undefined) throw new InputError(`${file}: has no identity: section, so no issuer is trusted`);
  try {
    return validateIdentityConfig(root.identity);
  } catch (e) {
    if (e instanceof ConfigError) throw new InputError(e.message);
    throw e;
  }
}

/** What the token claims before verification, to help whoever debugs a pipeline's setup. */
function unverifiedSummary(token: string): string | undefined {
  try {
    const [h, p] = token.trim().replace(/^bearer\s+/i, '').split('.');
    if (h.length > 22_000 || p === undefined) return undefined;
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    const pick = (o: Record<string, unknown>, keys: string[]) => keys.filter((k) => o[k] !== undefined).map((k) => `${k}=${JSON.stringify(o[k])}`);
    return [...pick(header, ['alg', 'kid', 'typ']), ...pick(payload, ['iss', 'aud', 'sub', 'azp', 'appid', 'tid', 'ver', 'exp'])].join(' ');
  } catch {
    return undefined;
  }
}

async function inspect(argv: string[]): Promise<number> {
  const args = parseArgs(inspectSpec, argv);
  if (args.help) {
    process.stdout.write(helpText(inspectSpec));
    return 0;
  }
  if (args.positional.length !== 1) throw new UsageError('exactly one token is required (or "-" to read it from standard input)');
  const token = args.positional[0] === '-' ? readFileSync(0, 'utf8').trim() : args.positional[0];
  const nowText = flagValue(args, 'now');
  const now = nowText === undefined ? undefined : Date.parse(nowText);
  if (now !== undefined && Number.isNaN(now)) throw new UsageError(`--now: not a time: ${nowText}`);
  const config = loadIdentity(flagValue(args, 'config'));
  try {
    const v = await verifyToken(token, config, { now });
    process.stdout.write(JSON.stringify({ issuer: v.issuer, expires_at: v.expires_at, header: v.header, principal: v.principal }, null, 2) + '\n');
    return 0;
  } catch (e) {
    if (!(e instanceof IdentityError)) throw e;
    process.stderr.write(`writ token inspect: refused: ${e.code}: ${e.message}\n`);
    const seen = unverifiedSummary(token);
    if (seen) process.stderr.write(`  the token says (unverified): ${seen}\n`);
    if (flagBool(args, 'json')) process.stdout.write(JSON.stringify({ error: e.toJSON() }, null, 2) + '\n');
    return 1;
  }
}

function tokenHelp(): string {
  return [
    'Usage: writ token <subcommand> [flags]',
    '',
    'OIDC tokens of people and non-human identities (Entra ID, GitHub Actions, any OIDC issuer).',
    '',
    'Subcommands:',
    `  inspect  ${inspectSpec.summary}`,
    '',
    "Run 'writ token inspect --help' for its flags.",
    '',
  ].join('\n');
}

export const tokenCommand: Command = {
  spec: { name: 'token', usage: 'writ token inspect <jwt> [--config writ.yaml]', summary: 'verify an OIDC token and show the principal (or why it is refused)', flags: [] },
  async run() {
    return 2;
  },
  async dispatch(argv: string[]) {
    const [name, ...rest] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(tokenHelp());
      return name ? 0 : 2;
    }
    if (name !== 'inspect') throw new UsageError(`unknown subcommand '${name}' (see 'writ token --help')`);
    return inspect(rest);
  },
};
