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
  const rec = { ...entry, seq, prev_hash: prevHash } as Omit<ChainedRecord, 'hash'>;
  return { ...rec, hash: hashRecord(rec) } as ChainedRecord;
}
