// writ enforce postgres: runs the PostgreSQL enforcer alone, asking a remote decision service over its HTTP API.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import tls from 'node:tls';
import { InputError } from '../files.ts';
import { Masker, createDecisionClient, httpSealLog, httpTransport } from '../../enforcers/common/index.ts';
import { PostgresEnforcer, parseUpstreamUrl } from '../../enforcers/postgres/index.ts';
import { UsageError, flagBool, flagValue, helpText, parseArgs, type CommandSpec } from './args.ts';
import type { Command } from './main.ts';

const postgresSpec: CommandSpec = {
  name: 'enforce postgres',
  usage: 'writ enforce postgres --upstream postgres://USER@HOST:PORT/DB --service URL --token-file FILE [--listen host:port] [--tls-cert FILE --tls-key FILE] [--resource NAME]',
  summary: 'run the PostgreSQL enforcer: clients log in with their OIDC token as password; every statement is decided by the service',
  flags: [
    { name: 'listen', value: true, valueName: 'host:port', help: 'address clients connect to (default 127.0.0.1:6432)' },
    { name: 'upstream', value: true, valueName: 'url', help: "the protected database and writ's own user: postgres://writ@127.0.0.1:5432/app" },
    { name: 'upstream-password-file', value: true, valueName: 'file', help: "writ's upstream password for md5/SCRAM (env WRIT_UPSTREAM_PASSWORD); never sent to clients" },
    { name: 'service', value: true, valueName: 'url', help: 'the decision service, e.g. http://127.0.0.1:8181 (POST /v1/decisions, /v1/approvals)' },
    { name: 'token-file', value: true, valueName: 'file', help: "this enforcer's bearer token for the service (role enforcer)" },
    { name: 'tls-cert', value: true, valueName: 'file', help: 'PEM certificate offered to clients that ask for TLS (with --tls-key)' },
    { name: 'tls-key', value: true, valueName: 'file', help: 'PEM private key of --tls-cert' },
    { name: 'allow-plaintext', help: 'accept unencrypted connections from non-loopback addresses (default: TLS required there)' },
    { name: 'resource', value: true, valueName: 'name', help: 'input.resource.name policies see (default: the upstream database name)' },
    { name: 'enforcer-id', value: true, valueName: 'id', help: 'input.enforcer.id (default postgres)' },
    { name: 'decision-timeout-ms', value: true, valueName: 'ms', help: 'per-decision timeout; slower answers are denials (default 500)' },
    { name: 'mask-hash-key-file', value: true, valueName: 'file', help: 'key of the "hash" masking strategy (without it, hash rules are refused)' },
    { name: 'data-dir', value: true, valueName: 'dir', help: 'session recordings go to DIR/sessions, sealed in the service\'s log (env WRIT_DATA_DIR; default ./.writ)' },
    { name: 'no-recording', help: 'do not record sessions' },
  ],
  details:
    'Clients connect as with any PostgreSQL server and send their OIDC access token as the password, e.g.\n' +
    '  PGPASSWORD="$(get-token)" psql -h 127.0.0.1 -p 6432 -U ci -d app\n' +
    'The token is forwarded to the service with every decision; the service verifies it (its writ.yaml identity:\n' +
    'issuers) and a refused token is FATAL 28000 with its reason. The connection and every statement are decided\n' +
    'by the service (fail closed: no answer is a denial);\n' +
    'denials are ERROR 42501 with the policy reasons; masked columns are rewritten in the rows.\n' +
    'Each session is recorded (detectors redacted) in <data-dir>/sessions/<session_id>.jsonl and sealed at close:\n' +
    'its sha256 becomes a session_seal record in the service\'s decision log (POST /v1/sessions/seals). Play it back with\n' +
    '  writ replay <session_id> --data-dir <data-dir> --store <the service\'s data dir>/log.db\n' +
    'Stops on SIGINT/SIGTERM (sessions are ended and sealed first).',
};

function readSecret(path: string, what: string): string {
  try {
    return readFileSync(resolve(path), 'utf8').trim();
  } catch (e) {
    throw new InputError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`--listen must be host:port, got ${text}`);
  return { host: m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) };
}

async function runPostgres(argv: string[]): Promise<number> {
  const args = parseArgs(postgresSpec, argv);
  if (args.help) {
    process.stdout.write(helpText(postgresSpec));
    return 0;
  }
  if (args.positional.length) throw new UsageError(`unexpected argument ${args.positional[0]}`);
  const need = (name: string) => flagValue(args, name) ?? (() => { throw new UsageError(`--${name} is required (see 'writ enforce postgres --help')`); })();
  const listen = parseListen(flagValue(args, 'listen') ?? '127.0.0.1:6432');
  const pwFile = flagValue(args, 'upstream-password-file');
  let upstream;
  try {
    upstream = parseUpstreamUrl(need('upstream'), pwFile ? readSecret(pwFile, 'upstream password file') : process.env.WRIT_UPSTREAM_PASSWORD);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) throw e;
    throw new UsageError((e as Error).message);
  }
  const service = need('service');
  let serviceProtocol: string;
  try {
    serviceProtocol = new URL(service).protocol;
  } catch {
    throw new UsageError(`--service must be the decision service's URL, e.g. http://127.0.0.1:8181 (got ${service})`);
  }
  if (serviceProtocol !== 'http:' && serviceProtocol !== 'https:') throw new UsageError(`--service must be an http:// or https:// URL (got ${service})`);
  const token = readSecret(need('token-file'), 'token file');
  const cert = flagValue(args, 'tls-cert');
  const key = flagValue(args, 'tls-key');
  if (!!cert !== !!key) throw new UsageError('--tls-cert and --tls-key go together');
  const timeout = flagValue(args, 'decision-timeout-ms');
  if (timeout !== undefined && !/^\d+$/.test(timeout)) throw new UsageError('--decision-timeout-ms must be a number of milliseconds');
  const hashKeyFile = flagValue(args, 'mask-hash-key-file');
  const say = (line: string) => process.stderr.write(`writ enforce postgres: ${line}\n`);
  const record = !flagBool(args, 'no-recording');
  const dataDir = resolve(flagValue(args, 'data-dir') ?? process.env.WRIT_DATA_DIR ?? '.writ');
  const enforcer = new PostgresEnforcer({
    upstream,
    decider: createDecisionClient({ transport: httpTransport({ url: service, token }), timeoutMs: timeout ? Number(timeout) : undefined }),
    // No verifier: the client's token is forwarded as client_token and the service verifies it (its identity: issuers).
    resourceName: flagValue(args, 'resource'),
    enforcerId: flagValue(args, 'enforcer-id'),
    tls: cert && key ? tls.createSecureContext({ cert: readSecret(cert, 'certificate'), key: readSecret(key, 'key') }) : undefined,
    allowPlaintext: flagBool(args, 'allow-plaintext'),
    approvals: { url: service, token },
    maskHashKey: hashKeyFile ? Buffer.from(readSecret(hashKeyFile, 'hash key file')) : undefined,
    // Statement texts can hold secrets too: recordings get every detector's redaction (the service's log keeps the decisions).
    recording: record ? { dataDir, log: httpSealLog({ url: service, token }), masker: new Masker([{ detector: '*', strategy: 'redact' }]) } : undefined,
    log: say,
  });
  const addr = await enforcer.listen(listen.port, listen.host);
  say(`listening on ${addr.address}:${addr.port}, upstream ${upstream.user}@${upstream.host}:${upstream.port}/${upstream.database}, decisions from ${service}${cert ? ', TLS on' : ''}${record ? `, sessions recorded in ${dataDir}/sessions` : ''}`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await enforcer.close();
  return 0;
}

export const enforceCommand: Command = {
  spec: {
    name: 'enforce',
    usage: 'writ enforce <protocol> [flags]',
    summary: 'run one protocol enforcer against a remote decision service (protocols: postgres)',
    flags: [],
    details: "Protocols:\n  postgres   the PostgreSQL enforcer ('writ enforce postgres --help')",
  },
  async run() {
    return 2;
  },
  async dispatch(argv: string[]) {
    const [protocol, ...rest] = argv;
    if (!protocol || protocol === '--help' || protocol === '-h') {
      process.stdout.write(helpText(enforceCommand.spec));
      return protocol ? 0 : 2;
    }
    if (protocol === 'postgres') return runPostgres(rest);
    throw new UsageError(`unknown protocol '${protocol}' (protocols: postgres)`);
  },
};
