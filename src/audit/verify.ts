// Verifying the decision log: every hash, the links between records, the sequence, and the signed
// checkpoints. Names the first bad sequence number and what is wrong.
import { compactVerify } from 'jose';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { GENESIS_HASH, hashRecord, type ChainedRecord } from './chain.ts';
import type { LogStore } from './store.ts';

export type Problem = 'edited' | 'deleted' | 'reordered' | 'truncated' | 'bad signature' | 'malformed';

export interface VerifyResult {
  ok: boolean;
  records: number;
  checkpoints: number;
  /** First bad sequence number (for checkpoint problems: the checkpoint's sequence number). */
  firstBad?: number;
  problem?: Problem;
  message?: string;
}

export async function verifyLog(store: LogStore, publicKey: KeyObject): Promise<VerifyResult> {
  const cps = store.checkpoints();
  let n = 0;
  const bad = (seq: number, problem: Problem, message: string): VerifyResult => ({
    ok: false,
    records: n,
    checkpoints: cps.length,
    firstBad: seq,
    problem,
    message,
  });
  // Checkpoints first: their signatures must hold before they can vouch for records.
  const signedHeads = new Map<number, string>();
  for (const c of cps) {
    let payload: { seq: number; head_hash: string };
    try {
      const v = await compactVerify(c.jws, publicKey);
      payload = JSON.parse(new TextDecoder().decode(v.payload));
    } catch {
      return bad(c.seq, 'bad signature', `checkpoint at record ${c.seq} has an invalid signature`);
    }
    if (payload.seq !== c.seq || payload.head_hash !== c.head_hash) {
      return bad(c.seq, 'bad signature', `checkpoint at record ${c.seq} differs from what was signed`);
    }
    signedHeads.set(c.seq, c.head_hash);
  }
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  for (const row of store.scan(0)) {
    let r: ChainedRecord;
    try {
      r = JSON.parse(row.text) as ChainedRecord;
    } catch {
      return bad(row.seq, 'malformed', `record ${row.seq} is not JSON`);
    }
    if (row.seq !== expectedSeq) {
      if (row.seq > expectedSeq) return bad(expectedSeq, 'deleted', `record ${expectedSeq} is missing (the next stored record is ${row.seq})`);
      return bad(row.seq, 'reordered', `record ${row.seq} appears after ${expectedSeq - 1}`);
    }
    if (r.seq !== row.seq) return bad(row.seq, 'reordered', `record stored at ${row.seq} says it is record ${r.seq}`);
    if (canonicalJson(r) !== row.text || hashRecord(r) !== r.hash) return bad(row.seq, 'edited', `record ${row.seq} does not match its hash`);
    if (r.prev_hash !== prev) return bad(row.seq, 'reordered', `record ${row.seq} does not link to record ${row.seq - 1}`);
    const signed = signedHeads.get(row.seq);
    if (signed !== undefined && signed !== r.hash) return bad(row.seq, 'edited', `record ${row.seq} differs from the signed checkpoint`);
    prev = r.hash;
    expectedSeq++;
    n++;
  }
  const last = cps.length ? cps[cps.length - 1].seq : 0;
  if (last > n) return bad(n + 1, 'truncated', `the log ends at record ${n} but a signed checkpoint covers record ${last}`);
  return { ok: true, records: n, checkpoints: cps.length };
}
