// writ audit: the auditor's tools for the decision log: verify, show, export, explain, public-key.
import { existsSync, readFileSync } from 'node:fs';
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { join, resolve } from 'node:path';
import { InputError } from '../files.ts';
import { SqliteLogStore, type LogStore } from '../audit/store.ts';
import { PostgresLogStore, isPostgresUrl, parsePostgresUrl } from '../audit/pg-store.ts';
import { TrustedCheckpointError, verifyLog } from '../audit/verify.ts';
import { dataDirLayout, loadReplayKey, type DecisionEntry } from '../audit/record.ts';
import { explainDecision, ExplainError, readInputFile } from '../audit/explain.ts';
import { UsageError, dispatchSubcommand, flagBool, flagValue, flagValues, type CommandSpec, type FlagSpec, type ParsedArgs } from './args.ts';
import type { Command } from './main.ts';

const dataDirFlag: FlagSpec = { name: 'data-dir', value: true, valueName: 'dir', help: 'the service data directory (default ./.writ, or $WRIT_DATA_DIR)' };
const storeFlag: FlagSpec = {
  name: 'store',
  value: true,
  valueName: 'url',
  help: 'the log store instead of <data-dir>/log.db: postgres://user@host/db[?schema=name] or a SQLite file',
};
const jsonFlag: FlagSpec = { name: 'json', help: 'print the outcome as JSON' };

interface Sub {
  spec: CommandSpec;
  run(args: ParsedArgs): Promise<number>;
}

function dataDir(args: ParsedArgs): string {
  return resolve(flagValue(args, 'data-dir') ?? process.env.WRIT_DATA_DIR ?? '.writ');
}

/** The log store named by --store, or the data directory's SQLite file. Never creates an empty log. */
async function openStore(args: ParsedArgs): Promise<LogStore> {
  const url = flagValue(args, 'store');
  if (url && isPostgresUrl(url)) {
    const s = new PostgresLogStore({ ...parsePostgresUrl(url), create: false });
    try {
      if (!(await s.exists())) throw new InputError(`--store: no decision log in schema "${s.schema}" of ${redact(url)}`);
    } catch (e) {
      await s.close().catch(() => undefined);
      if (e instanceof InputError) throw e;
      throw new InputError(`--store: cannot reach PostgreSQL at ${redact(url)}: ${(e as Error).message}`);
    }
    return s;
  }
  const path = url ? url.replace(/^sqlite:(\/\/)?/, '') : join(dataDir(args), dataDirLayout.logDb);
  if (!existsSync(path)) throw new InputError(`no decision log at ${path}${url ? '' : ' (use --data-dir or --store)'}`);
  return new SqliteLogStore(path);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** --public-key, else the data directory's public key (derived from the signing key if needed). */
function publicKey(args: ParsedArgs): KeyObject {
  const given = flagValue(args, 'public-key');
  const dir = dataDir(args);
  const path = given ?? join(dir, dataDirLayout.logPublicKey);
  try {
    if (given || existsSync(path)) return createPublicKey(readFileSync(path));
    const priv = join(dir, dataDirLayout.logKey);
    if (existsSync(priv)) return createPublicKey(readFileSync(priv));
  } catch (e) {
    throw new InputError(`${path}: not a public key PEM: ${(e as Error).message}`);
  }
  throw new InputError(`no log signing key in ${dir} (it is created when the service first starts); give --public-key`);
}

const verify: Sub = {
  spec: {
    name: 'audit verify',
    usage: 'writ audit verify [--data-dir DIR | --store URL] [--public-key log-key.pub.pem]',
    summary: 'check every record hash, link and signed checkpoint of the decision log',
    flags: [
      dataDirFlag,
      storeFlag,
      { name: 'public-key', value: true, valueName: 'pem', help: "the auditor's copy of the log public key" },
      {
        name: 'checkpoint',
        value: true,
        repeat: true,
        valueName: 'file',
        help: "checkpoints the auditor kept ('writ audit checkpoints' output, or one JWS a line): the log must still hold and reach them",
      },
      jsonFlag,
    ],
    details:
      'Exit status: 0 when the log is intact; 1 naming the first bad sequence number and the problem\n' +
      '(edited, deleted, reordered, truncated, bad signature, malformed); 2 when it cannot be read.',
  },
  async run(args) {
    const store = await openStore(args);
    try {
      const key = publicKey(args);
      const t0 = performance.now();
      const v = await verifyLog(store, key, { trusted: flagValues(args, 'checkpoint').flatMap(readKeptCheckpoints) });
      const secs = (performance.now() - t0) / 1000;
      if (flagBool(args, 'json')) process.stdout.write(JSON.stringify(v) + '\n');
      else if (v.ok) process.stdout.write(`ok: ${v.records} records and ${v.checkpoints} signed checkpoints verified in ${secs.toFixed(2)}s\n`);
      else process.stderr.write(`writ audit verify: FAILED at record ${v.firstBad}: ${v.problem}: ${v.message}\n`);
      return v.ok ? 0 : 1;
    } finally {
      await store.close();
    }
  },
};

/** JWS strings from a file of `writ audit checkpoints` lines (JSON with a jws field) or bare JWS lines. */
function readKeptCheckpoints(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`--checkpoint ${path}: ${(e as Error).message}`);
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l, i) => {
      if (!l.startsWith('{')) return l;
      try {
        const jws = (JSON.parse(l) as { jws?: unknown }).jws;
        if (typeof jws === 'string') return jws;
      } catch {
        // reported below
      }
      throw new InputError(`--checkpoint ${path}:${i + 1}: expected a JWS or a JSON object with a "jws" string`);
    });
}

const checkpointsCmd: Sub = {
  spec: {
    name: 'audit checkpoints',
    usage: 'writ audit checkpoints [--last] [--data-dir DIR | --store URL]',
    summary: "print the log's signed checkpoints as JSON lines, for auditors to keep (verify --checkpoint)",
    flags: [dataDirFlag, storeFlag, { name: 'last', help: 'only the newest checkpoint' }],
  },
  async run(args) {
    const store = await openStore(args);
    try {
      const cps = await store.checkpoints();
      const out = flagBool(args, 'last') ? cps.slice(-1) : cps;
      process.stdout.write(out.map((c) => JSON.stringify(c) + '\n').join(''));
      return 0;
    } finally {
      await store.close();
    }
  },
};

const show: Sub = {
  spec: {
    name: 'audit show',
    usage: 'writ audit show <decision_id> [--data-dir DIR | --store URL]',
    summary: 'print one decision record as stored (pretty JSON)',
    flags: [dataDirFlag, storeFlag],
  },
  async run(args) {
    if (args.positional.length !== 1) throw new UsageError('exactly one decision id is required');
    const store = await openStore(args);
    try {
      const r = await store.get(args.positional[0]);
      if (!r) {
        process.stderr.write(`writ audit show: no decision ${args.positional[0]} in the log\n`);
        return 1;
      }
      process.stdout.write(exactJson(r, 2) + '\n');
      return 0;
    } finally {
      await store.close();
    }
  },
};

/** RFC 3339 / ISO 8601 times, or a duration back from now: 30s, 15m, 2h, 7d. */
export function parseSince(s: string, now = Date.now()): string {
  const d = /^(\d+)(s|m|h|d)$/.exec(s);
  if (d) return new Date(now - Number(d[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[d[2] as 's']).toISOString();
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new UsageError(`--since ${s}: expected an RFC 3339 time (2026-01-31T12:00:00Z) or a duration (30s, 15m, 2h, 7d)`);
  return new Date(t).toISOString();
}

const exportCmd: Sub = {
  spec: {
    name: 'audit export',
    usage: 'writ audit export [--since TIME] [--format jsonl] [--follow] [--data-dir DIR | --store URL]',
    summary: 'write decision records as JSON lines (for SIEMs), oldest first; --follow streams new ones',
    flags: [
      dataDirFlag,
      storeFlag,
      { name: 'since', value: true, valueName: 'time', help: 'only records at or after this time: RFC 3339, or 30s/15m/2h/7d ago' },
      { name: 'format', value: true, valueName: 'fmt', help: 'jsonl (the default and only format)' },
      { name: 'follow', short: 'f', help: 'keep running and print records as they are committed' },
      { name: 'poll-ms', value: true, valueName: 'ms', help: 'how often --follow looks for new records (default 500)' },
    ],
    details: 'Each line is the record exactly as hashed (canonical JSON), so a SIEM can re-verify the chain.',
  },
  async run(args) {
    const fmt = flagValue(args, 'format') ?? 'jsonl';
    if (fmt !== 'jsonl') throw new UsageError(`--format ${fmt}: only jsonl is supported`);
    if (args.positional.length) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    const sinceFlag = flagValue(args, 'since');
    const since = sinceFlag ? parseSince(sinceFlag) : undefined;
    const pollText = flagValue(args, 'poll-ms') ?? '500';
    const poll = Number(pollText);
    if (!Number.isInteger(poll) || poll < 10) throw new UsageError(`--poll-ms ${pollText}: expected an integer of at least 10`);
    const store = await openStore(args);
    let next = 0;
    const drain = async () => {
      let buf = '';
      for await (const row of store.scan(next, since)) {
        buf += row.text + '\n';
        next = row.seq + 1;
        if (buf.length > 1 << 16) {
          await write(buf);
          buf = '';
        }
      }
      if (buf) await write(buf);
    };
    try {
      await drain();
      if (!flagBool(args, 'follow')) return 0;
      // Follow until stdout closes or the process is signalled.
      let stop = false;
      const halt = () => (stop = true);
      process.once('SIGINT', halt);
      process.once('SIGTERM', halt);
      process.stdout.once('error', halt);
      while (!stop) {
        await new Promise((r) => setTimeout(r, poll));
        await drain();
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};

/** JSON.stringify that prints bigint values (time.now_ns results) as their exact digits. */
export function exactJson(v: unknown, indent?: number): string {
  // A per-call random tag: no string in the record can look like a bigint placeholder.
  const tag = randomBytes(8).toString('hex');
  const text = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `\u0000${tag}:${x}` : x), indent);
  return text.replace(new RegExp(`"\\\\u0000${tag}:(-?\\d+)"`, 'g'), '$1');
}

function write(s: string): Promise<void> {
  return new Promise((res) => {
    if (process.stdout.write(s)) res();
    else process.stdout.once('drain', () => res());
  });
}

const explain: Sub = {
  spec: {
    name: 'audit explain',
    usage: 'writ audit explain <decision_id> [--data-dir DIR | --store URL] [--bundle file.tar.gz] [--repo policies.git] [--input file.json] [--replay-key file]',
    summary: 'replay a decision with the bundle that made it (checked by sha256), rebuild its Git revision, show the rules that produced it',
    flags: [
      dataDirFlag,
      storeFlag,
      { name: 'bundle', short: 'b', value: true, valueName: 'file', help: 'the bundle to replay (must have the recorded sha256); default <data-dir>/bundles/<sha256>.tar.gz' },
      { name: 'repo', value: true, valueName: 'dir', help: 'the policies Git repository to rebuild the revision from (default <data-dir>/policies.git)' },
      { name: 'input', short: 'i', value: true, valueName: 'file', help: 'the unmasked input (JSON), if the record keeps none sealed; "-" reads stdin' },
      { name: 'replay-key', value: true, valueName: 'file', help: 'the key the input is sealed with (default <data-dir>/replay.key)' },
      jsonFlag,
    ],
    details:
      'The decision is replayed with the bundle that evaluated it: --bundle, else the copy the service kept in\n' +
      '<data-dir>/bundles/<recorded sha256>.tar.gz, used only if its bytes have the recorded sha256 (an altered copy\n' +
      'is refused). The recorded Git revision is also rebuilt and compared: a rebuild with another hash (a newer\n' +
      'compiler) is a warning when the stored bundle is there; with no stored bundle, the rebuild is replayed if it\n' +
      'has the recorded hash. The output says which source was used.\n' +
      'Exit status: 0 when a bundle with the recorded sha256 (stored, --bundle or rebuilt) replays to the recorded\n' +
      'result; 1 when none has that hash, --bundle has another, the input digest or the result differs;\n' +
      '2 when it cannot be checked.',
  },
  async run(args) {
    if (args.positional.length !== 1) throw new UsageError('exactly one decision id is required');
    const id = args.positional[0];
    const dir = dataDir(args);
    const store = await openStore(args);
    let rec: DecisionEntry | undefined;
    try {
      rec = (await store.get(id)) as DecisionEntry | undefined;
    } finally {
      await store.close();
    }
    if (!rec) {
      process.stderr.write(`writ audit explain: no decision ${id} in the log\n`);
      return 1;
    }
    if (rec.kind !== 'decision') throw new InputError(`record ${id} is a ${rec.kind} record, not a decision`);
    const repoFlag = flagValue(args, 'repo');
    const repo = resolve(repoFlag ?? join(dir, dataDirLayout.policyRepo));
    if (repoFlag && !existsSync(repo)) throw new InputError(`--repo: no policy repository at ${repo}`);
    const bundleFlag = flagValue(args, 'bundle');
    const bundleDir = join(dir, dataDirLayout.bundles);
    const storedPath = join(bundleDir, `${rec.policy?.bundle_sha256}.tar.gz`);
    if (!existsSync(repo) && !bundleFlag && !existsSync(storedPath)) {
      throw new InputError(`no policy repository at ${repo} and no stored bundle ${storedPath} (use --repo or --bundle)`);
    }
    const inputPath = flagValue(args, 'input');
    let inputText: string | undefined;
    if (inputPath) {
      try {
        inputText = readInputFile(inputPath);
      } catch (e) {
        throw new InputError(`--input ${inputPath}: ${(e as Error).message}`);
      }
    }
    let replayKey: Buffer | undefined;
    const keyPath = flagValue(args, 'replay-key') ?? join(dir, dataDirLayout.replayKey);
    if (!inputText && rec.input_sealed) {
      if (!existsSync(keyPath)) throw new InputError(`no replay key at ${keyPath}: give --replay-key or the input with --input`);
      replayKey = loadReplayKey(keyPath);
    }
    let x;
    try {
      x = await explainDecision(rec, { repo: existsSync(repo) ? repo : undefined, bundleDir, bundleFile: bundleFlag ? resolve(bundleFlag) : undefined, inputText, replayKey });
    } catch (e) {
      if (!(e instanceof ExplainError) && (e as { code?: string }).code !== 'WRIT_UNSEAL_FAILED') throw e;
      process.stderr.write(`writ audit explain: ${(e as Error).message}\n`);
      return e instanceof ExplainError ? e.status : 1;
    }
    if (flagBool(args, 'json')) {
      process.stdout.write(exactJson(x, 2) + '\n');
      return x.same_result ? 0 : 1;
    }
    const j = (v: unknown) => (v === undefined ? 'undefined' : exactJson(v));
    const source = {
      'stored-bundle': `the stored bundle ${x.bundle_path}`,
      'bundle-file': `--bundle ${x.bundle_path}`,
      rebuild: `a rebuild of the revision with ${x.rebuild.compiler}`,
    }[x.policy_source];
    const rebuilt = {
      match: `${x.rebuild.compiler} rebuilds the revision to the same sha256`,
      mismatch: `${x.rebuild.compiler} rebuilds the revision to sha256 ${x.rebuild.bundle_sha256} (different)`,
      failed: `${x.rebuild.compiler} cannot compile the revision any more`,
      unavailable: `not possible: ${x.rebuild.message}`,
    }[x.rebuild.status];
    const out = [
      ...x.warnings.map((w) => `warning    ${w}`),
      `decision   ${x.decision_id} (${x.api}, entrypoint ${x.entrypoint})`,
      `policy     revision ${x.revision}`,
      `bundle     sha256 ${x.bundle_sha256}: matches the record; replayed from ${source}`,
      `rebuild    ${rebuilt}`,
      `input      ${x.input_source === 'sealed' ? 'unsealed from the record' : x.input_source === 'record' ? "the record's own (nothing was masked)" : 'from --input'}; digest matches the record`,
      `replayed   ${x.entrypoint} = ${j(x.value)}`,
      `result     ${j(x.replayed_result)}`,
      `recorded   ${j(x.recorded_result)}`,
      x.same_result ? 'verdict    SAME: the replay reproduces the recorded result' : 'verdict    DIFFERENT: the replay does not reproduce the recorded result',
      '',
      `rules of package ${x.entrypoint.split('/').slice(0, -1).join('/') || '(root)'} (defined ones produced the result):`,
      ...x.rules.map((r) => `  ${r.defined ? 'defined  ' : 'undefined'} ${r.path}${r.defined ? ' = ' + j(r.value) : ''}${r.error ? ` (error: ${r.error})` : ''}`),
    ];
    process.stdout.write(out.join('\n') + '\n');
    return x.same_result ? 0 : 1;
  },
};

const publicKeyCmd: Sub = {
  spec: {
    name: 'audit public-key',
    usage: 'writ audit public-key [--data-dir DIR]',
    summary: "print the log's Ed25519 public key (PEM) for auditors to keep",
    flags: [dataDirFlag],
  },
  async run(args) {
    const key = publicKey(args);
    process.stdout.write(key.export({ type: 'spki', format: 'pem' }).toString());
    return 0;
  },
};

const subs: Record<string, Sub> = { verify, show, export: exportCmd, explain, checkpoints: checkpointsCmd, 'public-key': publicKeyCmd };

const auditAbout = 'The decision log tools: prove which policy version made each decision.';

export const auditCommand: Command = {
  spec: { name: 'audit', usage: 'writ audit <subcommand> [flags]', summary: 'the decision log: verify, show, export, explain, public-key', flags: [] },
  async run() {
    return 2;
  },
  async dispatch(argv: string[]) {
    return dispatchSubcommand('audit', auditAbout, subs, argv, (name, e) => {
      if (e instanceof TrustedCheckpointError) throw new InputError(`--checkpoint: ${e.message}`);
      if (e instanceof UsageError || e instanceof InputError || (e as Error).message?.startsWith('internal:')) return undefined;
      // Store and file failures (a database going away, a locked file) are the user's to see, without a stack.
      process.stderr.write(`writ audit ${name}: ${(e as Error).message ?? String(e)}\n`);
      return 2;
    });
  },
};
