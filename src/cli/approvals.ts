// writ approvals list|approve|reject: the approver's side of held commands, over the service's
// /v1/approvals API with an admin token that relays the named approver's decision.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../files.ts';
import { UsageError, dispatchSubcommand, flagBool, flagValue, subcommandHelp, type CommandSpec, type FlagSpec, type ParsedArgs } from './args.ts';
import type { Command } from './main.ts';

const common: FlagSpec[] = [
  { name: 'service', value: true, valueName: 'url', help: 'the decision service (default $WRIT_SERVICE or http://127.0.0.1:8181)' },
  { name: 'token-file', value: true, valueName: 'file', help: 'a file holding an admin bearer token (default $WRIT_TOKEN_FILE)' },
  { name: 'json', help: 'print the service answer as JSON' },
];

const decide: FlagSpec[] = [
  ...common,
  { name: 'as', value: true, valueName: 'principal', help: 'the approver: the principal id of the human deciding (required; never the requester)' },
  { name: 'groups', value: true, valueName: 'g1,g2', help: "the approver's groups, comma-separated (required; one must be an approver group of the request)" },
  { name: 'reason', value: true, valueName: 'text', help: 'why (recorded in the decision log and shown to the requester)' },
];

const subs: Record<string, { spec: CommandSpec; run(a: ParsedArgs): Promise<number> }> = {
  list: {
    spec: {
      name: 'approvals list',
      usage: 'writ approvals list [--status pending|approved|rejected|expired|consumed|all] [--service URL] [--token-file F] [--json]',
      summary: 'list approval requests (default: pending ones)',
      flags: [{ name: 'status', value: true, valueName: 'status', help: 'which requests (default pending)' }, ...common],
    },
    async run(a) {
      if (a.positional.length) throw new UsageError(`unexpected argument ${a.positional[0]}`);
      const status = flagValue(a, 'status') ?? 'pending';
      if (!['pending', 'approved', 'rejected', 'expired', 'consumed', 'all'].includes(status)) throw new UsageError(`--status must be pending, approved, rejected, expired, consumed or all`);
      const body = (await call(a, 'GET', `v1/approvals?status=${status}`)) as { approvals: View[] };
      if (flagBool(a, 'json')) return out(body);
      if (body.approvals.length === 0) {
        process.stdout.write(`no ${status === 'all' ? '' : status + ' '}approval requests\n`);
        return 0;
      }
      for (const v of body.approvals) process.stdout.write(describe(v) + '\n');
      return 0;
    },
  },
  approve: { spec: decideSpec('approve'), run: (a) => decideRun(a, 'approve') },
  reject: { spec: decideSpec('reject'), run: (a) => decideRun(a, 'reject') },
};

function decideSpec(verb: 'approve' | 'reject'): CommandSpec {
  return {
    name: `approvals ${verb}`,
    usage: `writ approvals ${verb} <id> --as PRINCIPAL --groups G1,G2 [--reason TEXT] [--service URL] [--token-file F] [--json]`,
    summary: verb === 'approve' ? 'approve a held command: it may then run once, until the request expires' : 'reject a held command: the requester is denied',
    flags: decide,
    details:
      'The admin token relays the decision of the human named by --as; the service refuses an approver who made the\n' +
      'request or is in none of its approver groups. Exit status: 0 done; 1 refused by the service; 2 usage or connection errors.',
  };
}

async function decideRun(a: ParsedArgs, verb: 'approve' | 'reject'): Promise<number> {
  if (a.positional.length !== 1) throw new UsageError(`expects exactly one approval <id> (see 'writ approvals list')`);
  const id = a.positional[0];
  const as = flagValue(a, 'as');
  if (!as) throw new UsageError(`--as <principal> is required: who is deciding`);
  const groupsText = flagValue(a, 'groups');
  if (groupsText === undefined) throw new UsageError(`--groups g1,g2 is required: the approver's groups`);
  const groups = groupsText.split(',').map((g) => g.trim()).filter((g) => g !== '');
  if (groups.length === 0) throw new UsageError('--groups names no group');
  const reason = flagValue(a, 'reason');
  const v = (await call(a, 'POST', `v1/approvals/${encodeURIComponent(id)}/${verb}`, { approver: { id: as, groups }, ...(reason !== undefined ? { reason } : {}) })) as View;
  if (flagBool(a, 'json')) return out(v);
  process.stdout.write(`${v.id}: ${verb === 'approve' ? 'approved' : 'rejected'} by ${as}\n${describe(v)}\n`);
  return 0;
}

interface View {
  id: string;
  status: string;
  consumed?: boolean;
  requester?: string;
  resource?: { name?: string } | null;
  action?: unknown;
  approvers?: string[];
  request_reason?: string;
  expires_at: string;
  approved_by?: string[];
  rejected_by?: string;
  reason?: string;
}

/** Refused by the service: printed as its code and message, exit 1. */
class Refused extends Error {}

function describe(v: View): string {
  const status = v.consumed ? 'approved, used' : v.status;
  const lines = [`${v.id}  ${status}  requester ${v.requester ?? '?'}  resource ${v.resource?.name ?? '?'}  expires ${v.expires_at}`];
  if (v.request_reason || v.approvers) lines.push(`  why: ${v.request_reason ?? ''}${v.approvers ? `  (approvers: ${v.approvers.join(', ')})` : ''}`);
  const cmd = commandText(v.action);
  if (cmd) lines.push(`  command: ${cmd}`);
  if (v.approved_by?.length) lines.push(`  approved by ${v.approved_by.join(', ')}${v.reason ? `: ${v.reason}` : ''}`);
  if (v.rejected_by) lines.push(`  rejected by ${v.rejected_by}${v.reason ? `: ${v.reason}` : ''}`);
  return lines.join('\n');
}

/** What an approver reads: the SQL text or shell command, else the action as JSON. */
function commandText(action: unknown): string | undefined {
  if (typeof action !== 'object' || action === null) return undefined;
  const a = action as { kind?: string; sql?: { text?: unknown }; command?: unknown; http?: { method?: string; path?: string } };
  const text = typeof a.sql?.text === 'string' ? a.sql.text : typeof a.command === 'string' ? a.command : a.http ? `${a.http.method ?? ''} ${a.http.path ?? ''}` : JSON.stringify(action);
  return text.replace(/\s+/g, ' ').slice(0, 500);
}

function out(v: unknown): number {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
  return 0;
}

async function call(a: ParsedArgs, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const base = flagValue(a, 'service') ?? process.env.WRIT_SERVICE ?? 'http://127.0.0.1:8181';
  let url: URL;
  try {
    url = new URL(path, base.endsWith('/') ? base : base + '/');
  } catch {
    throw new UsageError(`--service ${base} is not a URL`);
  }
  const tokenFile = flagValue(a, 'token-file') ?? process.env.WRIT_TOKEN_FILE;
  if (!tokenFile) throw new UsageError('--token-file <file> is required (an admin token of the service; or set WRIT_TOKEN_FILE)');
  let token: string;
  try {
    token = readFileSync(resolve(tokenFile), 'utf8').trim();
  } catch (e) {
    throw new InputError(`cannot read token file ${tokenFile}: ${(e as Error).message}`);
  }
  if (!token) throw new InputError(`token file ${tokenFile} is empty`);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new InputError(`cannot reach the decision service at ${url.origin}: ${cause ?? (e as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new InputError(`the service answered HTTP ${res.status} with something other than JSON`);
  }
  if (!res.ok) {
    const j = (json ?? {}) as { code?: string; message?: string };
    throw new Refused(`${j.message ?? 'refused'} (HTTP ${res.status}${j.code ? ` ${j.code}` : ''})`);
  }
  return json;
}

const approvalsAbout = 'Approval requests for commands that policy holds (require_approval): list them, approve or reject one.';

export const approvalsCommand: Command = {
  spec: { name: 'approvals', usage: 'writ approvals <list|approve|reject> ...', summary: 'list, approve or reject commands held for approval', flags: [] },
  async run() {
    process.stdout.write(subcommandHelp('approvals', approvalsAbout, subs));
    return 2;
  },
  async dispatch(argv: string[]) {
    return dispatchSubcommand('approvals', approvalsAbout, subs, argv, (name, e) => {
      if (!(e instanceof Refused)) return undefined;
      process.stderr.write(`writ approvals ${name}: ${e.message}\n`);
      return 1;
    });
  },
};
