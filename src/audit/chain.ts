// The hash chain of the decision log: hash = sha256(prev_hash || canonical JSON of the record
// without its hash). Editing, deleting, reordering or truncating records breaks it at that index.
import { createHash, hash as oneShotHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** What callers append: a decision (or another auditable event: kind says which). */
export interface LogEntry {
  kind: 'decision' | 'policy_activation' | 'approval' | 'session_seal';
  decision_id: string;
  time: string;
  [field: string]: unknown;
}

/** A stored record: the entry plus its place in the chain. */
export interface ChainedRecord extends LogEntry {
  seq: number;
  prev_hash: string;
  hash: string;
}

export function hashRecord(r: Omit<ChainedRecord, 'hash'>): string {
  const { hash: _ignored, ...body } = r as ChainedRecord;
  return createHash('sha256').update(r.prev_hash as string).update(canonicalJson(body)).digest('hex');
}

/** sha256 hex of a string's UTF-8 bytes; the one-shot API costs half of createHash per record. */
export function sha256Hex(s: string): string {
  return oneShotHash('sha256', s, 'hex');
}

export function chain(entry: LogEntry, seq: number, prevHash: string): ChainedRecord {
  return chainWithText(entry, seq, prevHash).record;
}

/**
 * Chain an entry and produce its stored text (canonical JSON of the record with its hash) in one
 * serialisation: the text is the hashed body with the "hash" member inserted at its sorted place.
 */
export function chainWithText(entry: LogEntry, seq: number, prevHash: string, memo?: Map<object, string>): { record: ChainedRecord; text: string } {
  const rec = { ...entry, seq, prev_hash: prevHash } as Record<string, unknown>;
  delete rec.hash;
  const keys = Object.keys(rec).sort();
  const parts: string[] = [];
  let hashAt = -1;
  for (const k of keys) {
    if (rec[k] === undefined) continue;
    if (hashAt < 0 && k > 'hash') hashAt = parts.length;
    parts.push(JSON.stringify(k) + ':' + canonicalJson(rec[k], memo));
  }
  const hash = sha256Hex(prevHash + '{' + parts.join(',') + '}');
  parts.splice(hashAt < 0 ? parts.length : hashAt, 0, `"hash":"${hash}"`);
  return { record: { ...(rec as Omit<ChainedRecord, 'hash'>), hash } as ChainedRecord, text: '{' + parts.join(',') + '}' };
}

export interface StoredFields {
  /** The text without its top-level "hash" member: exactly the canonical body that was hashed. */
  body: string;
  hash: string;
  prev_hash?: string;
  seq?: number;
}

/**
 * Reads a stored record's chain fields straight from its text, in one pass and without parsing the
 * rest: verification hashes the stored bytes as they are (no parse and re-serialise), so any byte
 * changed in the record changes the result. Undefined when there is no top-level hash member.
 */
export function storedFields(text: string): StoredFields | undefined {
  let depth = 0;
  const n = text.length;
  let hashAt = -1;
  let prevHash: string | undefined;
  let seq: number | undefined;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const before = text.charCodeAt(i - 1);
      // A key of the top-level object: the string right after "{" or ",".
      if (depth === 1 && (before === 123 /* { */ || before === 44 /* , */)) {
        if (hashAt < 0 && text.startsWith('"hash":"', i) && text.charCodeAt(i + 72) === 34) {
          hashAt = i;
          i += 72;
          continue;
        }
        if (text.startsWith('"prev_hash":"', i) && text.charCodeAt(i + 77) === 34) {
          prevHash = text.slice(i + 13, i + 77);
          i += 77;
          continue;
        }
        if (text.startsWith('"seq":', i)) {
          let j = i + 6;
          while (j < n && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
          seq = Number(text.slice(i + 6, j));
          i = j - 1;
          continue;
        }
      }
      // Skip the string: find its closing quote (one not escaped by an odd run of backslashes).
      let j = text.indexOf('"', i + 1);
      for (;;) {
        if (j < 0) return undefined;
        let b = 0;
        while (text.charCodeAt(j - 1 - b) === 92) b++;
        if (b % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      i = j;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
  }
  if (hashAt < 0) return undefined;
  const end = hashAt + 73;
  const hash = text.slice(hashAt + 8, hashAt + 72);
  let body: string;
  if (text.charCodeAt(end) === 44) body = text.slice(0, hashAt) + text.slice(end + 1);
  else if (text.charCodeAt(hashAt - 1) === 44) body = text.slice(0, hashAt - 1) + text.slice(end);
  else body = text.slice(0, hashAt) + text.slice(end);
  return { body, hash, prev_hash: prevHash, seq };
}
