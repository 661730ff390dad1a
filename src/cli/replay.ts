// writ replay <session_id>: prints a recorded session back, one line per event (or JSON), after
// checking the file against its seal in the audit chain and saying plainly when it does not match.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../files.ts';
import { SqliteLogStore, type LogStore } from '../audit/store.ts';
import { PostgresLogStore, isPostgresUrl, parsePostgresUrl } from '../audit/pg-store.ts';
import { dataDirLayout } from '../audit/record.ts';
import { verifySession, type SessionEvent, type SessionVerification } from '../../enforcers/common/session-file.ts';
import { UsageError, flagBool, flagValue, type ParsedArgs } from './args.ts';
import type { Command } from './main.ts';

async function openStore(dataDir: string, url: string | undefined): Promise<LogStore> {
  if (url && isPostgresUrl(url)) return new PostgresLogStore({ ...parsePostgresUrl(url), create: false });
  const path = url ? url.replace(/^sqlite:(\/\/)?/, '') : join(dataDir, dataDirLayout.logDb);
  if (!existsSync(path)) throw new InputError(`no decision log at ${path}: cannot check the session's seal (use --data-dir or --store)`);
  return new SqliteLogStore(path);
}

// Fields shown in a fixed order with short names; anything else follows as key=value.
const SHOWN: Array<[string, (v: unknown) => string]> = [
  ['decision_id', (v) => `decision=${String(v)}`],
  ['allow', (v) => (v === true ? 'allow' : v === false ? 'DENY' : `allow=${JSON.stringify(v)}`)],
  ['rows', (v) => `rows=${String(v)}`],
  ['masked', (v) => `masked=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`],
  ['duration_ms', (v) => `${typeof v === 'number' ? v.toFixed(1) : String(v)}ms`],
];
const TEXT = ['sql', 'statement', 'text', 'command', 'error', 'message'];

export function formatEvent(e: SessionEvent, t0: number): string {
  const t = Date.parse(e.t);
  const rel = Number.isFinite(t) && Number.isFinite(t0) ? `+${((t - t0) / 1000).toFixed(3)}s` : '?';
  const parts = [`#${e.seq}`.padStart(5), (e.t ?? '').slice(11, 23), rel.padStart(10), e.type.padEnd(10)];
  const rest: string[] = [];
  const seen = new Set(['seq', 't', 'type', ...SHOWN.map(([k]) => k), ...TEXT]);
  for (const [k, f] of SHOWN) if (e[k] !== undefined) parts.push(f(e[k]));
  for (const [k, v] of Object.entries(e)) if (!seen.has(k) && v !== undefined) rest.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  parts.push(...rest);
  for (const k of TEXT) if (typeof e[k] === 'string') parts.push(`${k === 'error' ? 'error: ' : ''}${(e[k] as string).replace(/\s+/g, ' ')}`);
  return parts.join('  ');
}

function human(v: SessionVerification): string {
  const t0 = Date.parse(v.events[0]?.t ?? '');
  const out = [`session ${v.sessionId}  (${v.file})`, `seal: ${v.verdict}`];
  for (const p of v.problems) out.push(`problem: ${p}`);
  out.push('');
  for (const e of v.events) out.push(formatEvent(e, t0));
  if (v.status !== 'sealed') out.push('', `WARNING: ${v.verdict}`);
  return out.join('\n') + '\n';
}

export const replayCommand: Command = {
  spec: {
    name: 'replay',
    usage: 'writ replay <session_id> [--data-dir dir] [--store url] [--json]',
    summary: 'print a recorded enforcer session back, checked against its seal in the audit log',
    flags: [
      { name: 'data-dir', value: true, valueName: 'dir', help: 'the data directory holding sessions/ and log.db (default ./.writ, or $WRIT_DATA_DIR)' },
      { name: 'store', value: true, valueName: 'url', help: 'the log store instead of <data-dir>/log.db: postgres://... or a SQLite file' },
      { name: 'json', help: 'print {session_id, file, status, verdict, seal, problems, events} as JSON' },
    ],
    details: 'Exit status: 0 when the session is sealed and its file matches the seal; 1 when it does not match, is not sealed (incomplete) or is damaged; 2 for usage errors or an unknown session.',
  },
  async run(args: ParsedArgs): Promise<number> {
    if (args.positional.length !== 1) throw new UsageError('expects exactly one <session_id>');
    const dataDir = resolve(flagValue(args, 'data-dir') ?? process.env.WRIT_DATA_DIR ?? '.writ');
    const id = args.positional[0];
    if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(id)) throw new UsageError(`invalid session id ${JSON.stringify(id)}`);
    const store = await openStore(dataDir, flagValue(args, 'store'));
    let v: SessionVerification | undefined;
    try {
      v = await verifySession(dataDir, id, store);
    } catch (e) {
      // An unreachable or foreign store is the user's to fix: a message, not a stack trace.
      throw new InputError(`cannot check the seal of session ${id}: ${(e as Error).message}`);
    } finally {
      await Promise.resolve(store.close()).catch(() => undefined);
    }
    if (!v) throw new InputError(`no session ${id} in ${join(dataDir, 'sessions')}`);
    if (flagBool(args, 'json')) {
      const { events, problems, status, verdict, seal, sessionId, file, sha256, closed } = v;
      process.stdout.write(JSON.stringify({ session_id: sessionId, file, status, verdict, sha256, closed, seal: seal ?? null, problems, events }, null, 2) + '\n');
    } else {
      process.stdout.write(human(v));
    }
    if (v.status !== 'sealed') process.stderr.write(`writ replay: ${v.verdict}\n`);
    return v.status === 'sealed' && v.problems.length === 0 ? 0 : 1;
  },
};
