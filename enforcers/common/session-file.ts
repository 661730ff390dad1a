// Reading a recorded session back and checking it against its seal in the audit chain: a changed,
// truncated, unsealed or cut-mid-write session file is reported as such, never shown as intact.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashRecord, type ChainedRecord } from '../../src/audit/chain.ts';
import type { LogStore } from '../../src/audit/store.ts';

export const SESSION_FORMAT_VERSION = 1;

/** Session ids become file names: a conservative alphabet, no leading dot. */
export function checkSessionId(id: string): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(id)) throw new Error(`invalid session id ${JSON.stringify(id)}: use letters, digits, ".", "_" and "-" (at most 128)`);
  return id;
}

export const sessionFile = (dataDir: string, id: string) => join(dataDir, 'sessions', `${id}.jsonl`);
export const sealFile = (dataDir: string, id: string) => join(dataDir, 'sessions', `${id}.seal.json`);

export interface SealSidecar {
  decision_id: string;
  seq: number;
  sha256: string;
}

export interface SessionEvent {
  seq: number;
  t: string;
  type: string;
  [field: string]: unknown;
}

export interface SessionContents {
  events: SessionEvent[];
  /** Problems in the file itself: unparseable lines, a line cut mid-write, gaps in seq. */
  problems: string[];
  /** The recorder wrote its closing event. */
  closed: boolean;
  sha256: string;
  bytes: number;
}

export function parseSession(bytes: Buffer): SessionContents {
  const text = bytes.toString('utf8');
  const events: SessionEvent[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  const last = lines.pop()!; // "" when the file ends with a newline, as every complete write does
  lines.forEach((line, i) => {
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      problems.push(`line ${i + 1} is not JSON`);
      return;
    }
    const e = ev as SessionEvent;
    if (typeof e !== 'object' || e === null || typeof e.seq !== 'number' || typeof e.type !== 'string') {
      problems.push(`line ${i + 1} is not a session event`);
      return;
    }
    const want = events.length ? events[events.length - 1].seq + 1 : 0;
    if (e.seq !== want) problems.push(`line ${i + 1}: event #${e.seq} where #${want} was expected (events missing or reordered)`);
    events.push(e);
  });
  if (last !== '') problems.push(`line ${lines.length + 1} is incomplete (${Buffer.byteLength(last)} bytes without an end: the recorder stopped mid-write)`);
  if (events.length && events[0].type !== 'session') problems.push('the file does not start with its session header');
  const closed = events.length > 0 && events[events.length - 1].type === 'close';
  return { events, problems, closed, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

export type SealStatus = 'sealed' | 'mismatch' | 'unsealed';

export interface SessionVerification extends SessionContents {
  sessionId: string;
  file: string;
  status: SealStatus;
  /** The seal record when one was found. */
  seal?: { decision_id: string; seq: number; sha256: string; events: number; bytes?: number; time: string };
  /** One sentence for humans: what was checked and what it means. */
  verdict: string;
}

function sealOf(rec: ChainedRecord | undefined, id: string): ChainedRecord | undefined {
  if (!rec || rec.kind !== 'session_seal' || rec.session_id !== id) return undefined;
  // A record edited in place would still be found here: its own hash must hold (`writ audit verify` checks the chain).
  return hashRecord(rec) === rec.hash ? rec : undefined;
}

/** Finds the seal: via the sidecar's decision id, else by scanning the log for the session id. */
async function findSeal(store: LogStore, dataDir: string, id: string): Promise<ChainedRecord | undefined> {
  const side = sealFile(dataDir, id);
  if (existsSync(side)) {
    try {
      const s = JSON.parse(readFileSync(side, 'utf8')) as SealSidecar;
      const rec = sealOf(await store.get(s.decision_id), id);
      if (rec) return rec;
    } catch {
      // A damaged sidecar is only a lost shortcut: the scan below finds the record.
    }
  }
  const needle = JSON.stringify(id);
  let found: ChainedRecord | undefined;
  for await (const row of store.scan(1)) {
    if (!row.text.includes('"session_seal"') || !row.text.includes(needle)) continue;
    const rec = sealOf(JSON.parse(row.text) as ChainedRecord, id);
    if (rec) found = rec; // the last seal wins (there is one per session)
  }
  return found;
}

export async function verifySession(dataDir: string, sessionId: string, store: LogStore): Promise<SessionVerification | undefined> {
  const id = checkSessionId(sessionId);
  const file = sessionFile(dataDir, id);
  if (!existsSync(file)) return undefined;
  const c = parseSession(readFileSync(file));
  const rec = await findSeal(store, dataDir, id);
  const base = { ...c, sessionId: id, file };
  if (!rec) {
    const lastEv = c.events[c.events.length - 1];
    const where = lastEv ? `; last event #${lastEv.seq} (${lastEv.type}) at ${lastEv.t}` : '';
    const why = c.closed ? 'closed but its seal is not in the audit log' : 'INCOMPLETE: the recorder stopped before the session closed (crash, kill, or still running)';
    return { ...base, status: 'unsealed', verdict: `NOT SEALED: session ${why}${where}` };
  }
  const seal = { decision_id: rec.decision_id, seq: rec.seq, sha256: String(rec.sha256), events: Number(rec.events), bytes: rec.bytes === undefined ? undefined : Number(rec.bytes), time: rec.time };
  if (seal.sha256 === c.sha256) {
    return { ...base, status: 'sealed', seal, verdict: `sealed: sha256 ${c.sha256} matches the audit record ${seal.decision_id} (seq ${seal.seq}, ${seal.events} events)` };
  }
  const how =
    seal.bytes !== undefined && c.bytes < seal.bytes
      ? `TRUNCATED (${c.bytes} of ${seal.bytes} bytes, ${c.events.length} of ${seal.events} events)`
      : `CHANGED after sealing (${c.events.length} events in the file, ${seal.events} sealed)`;
  return {
    ...base,
    status: 'mismatch',
    seal,
    verdict: `SEAL DOES NOT MATCH: the session file was ${how}; file sha256 ${c.sha256}, sealed ${seal.sha256} in audit record ${seal.decision_id} (seq ${seal.seq})`,
  };
}
