// The hash chain of the decision log: hash = sha256(prev_hash || canonical JSON of the record
// without its hash). Editing, deleting, reordering or truncating records breaks it at that index.
import { createHash } from 'node:crypto';
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

export function chain(entry: LogEntry, seq: number, prevHash: string): ChainedRecord {
  return chainWithText(entry, seq, prevHash).record;
}

/**
 * Chain an entry and produce its stored text (canonical JSON of the record with its hash) in one
 * serialisation: the text is the hashed body with the "hash" member inserted at its sorted place.
 */
export function chainWithText(entry: LogEntry, seq: number, prevHash: string): { record: ChainedRecord; text: string } {
  const rec = { ...entry, seq, prev_hash: prevHash } as Record<string, unknown>;
  delete rec.hash;
  const keys = Object.keys(rec).sort();
  const parts: string[] = [];
  let hashAt = -1;
  for (const k of keys) {
    if (rec[k] === undefined) continue;
    if (hashAt < 0 && k > 'hash') hashAt = parts.length;
    parts.push(JSON.stringify(k) + ':' + canonicalJson(rec[k]));
  }
  const hash = createHash('sha256').update(prevHash).update('{' + parts.join(',') + '}').digest('hex');
  parts.splice(hashAt < 0 ? parts.length : hashAt, 0, `"hash":"${hash}"`);
  return { record: { ...(rec as Omit<ChainedRecord, 'hash'>), hash } as ChainedRecord, text: '{' + parts.join(',') + '}' };
}

/**
 * The hashed body of a stored record: its text without the top-level "hash" member. Hashing the
 * stored bytes directly (no parse and re-serialise) is what makes verification fast; any byte changed
 * in the record changes the result. Undefined when there is no top-level hash member.
 */
export function storedBody(text: string): string | undefined {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      if (depth === 1 && text.startsWith('"hash":"', i)) {
        const before = text.charCodeAt(i - 1);
        if (before === 123 /* { */ || before === 44 /* , */) {
          const end = i + 8 + 64;
          if (text.charCodeAt(end) !== 34) return undefined;
          if (text.charCodeAt(end + 1) === 44) return text.slice(0, i) + text.slice(end + 2);
          if (before === 44) return text.slice(0, i - 1) + text.slice(end + 1);
          return text.slice(0, i) + text.slice(end + 1);
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
  return undefined;
}
