// Verifying the decision log: every hash, the links between records, the sequence, the head row,
// and the signed checkpoints (their signatures, their own chain, and the records they vouch for).
// Names the first bad sequence number and what is wrong.
import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, sha256Hex, storedFields } from './chain.ts';
import { openCheckpoint } from './checkpoint.ts';
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

interface Finding {
  seq: number;
  problem: Problem;
  message: string;
}

export interface VerifyOptions {
  /**
   * Checkpoints (compact JWS) the auditor kept from earlier exports: each must still be in the log,
   * and the log must still reach it with the same head. This is what reveals a log cut back past its
   * newest stored checkpoint, with that checkpoint and the head row rewritten too.
   */
  trusted?: string[];
}

export class TrustedCheckpointError extends Error {}

export async function verifyLog(store: LogStore, publicKey: KeyObject, opts: VerifyOptions = {}): Promise<VerifyResult> {
  // The auditor's own checkpoints must be genuine before they can vouch for anything.
  const trusted = new Map<number, string>();
  for (const jws of opts.trusted ?? []) {
    const p = await openCheckpoint(jws, publicKey);
    if (!p) throw new TrustedCheckpointError('a kept checkpoint does not verify with this public key');
    trusted.set(p.seq, p.head_hash);
  }
  const cps = await store.checkpoints();
  // Checkpoints first: their signatures and their chain must hold before they can vouch for records.
  let cpFinding: Finding | undefined;
  const signedHeads = new Map<number, string>();
  let prevCp = 0;
  for (const c of cps) {
    const p = await openCheckpoint(c.jws, publicKey);
    if (!p) {
      cpFinding = { seq: c.seq, problem: 'bad signature', message: `checkpoint at record ${c.seq} has an invalid signature (forged, or signed with another key)` };
      break;
    }
    if (p.seq !== c.seq || p.head_hash !== c.head_hash || p.prev_seq !== c.prev_seq) {
      cpFinding = { seq: c.seq, problem: 'bad signature', message: `checkpoint at record ${c.seq} differs from what was signed` };
      break;
    }
    if (p.prev_seq > prevCp) {
      cpFinding = {
        seq: p.prev_seq,
        problem: 'deleted',
        message: `the signed checkpoint at record ${p.prev_seq} is missing (the checkpoint at record ${c.seq} names it as its predecessor)`,
      };
      break;
    }
    if (p.prev_seq < prevCp) {
      cpFinding = {
        seq: prevCp,
        problem: 'malformed',
        message: `checkpoint at record ${prevCp} is not in the checkpoint chain (the checkpoint at record ${c.seq} follows record ${p.prev_seq})`,
      };
      break;
    }
    signedHeads.set(c.seq, c.head_hash);
    prevCp = c.seq;
  }
  let keptFinding: Finding | undefined;
  if (!cpFinding) {
    const stored = new Set(cps.map((c) => c.seq));
    for (const [seq, head] of [...trusted].sort((a, b) => a[0] - b[0])) {
      if (!stored.has(seq) && !keptFinding) {
        keptFinding = { seq, problem: 'deleted', message: `the signed checkpoint at record ${seq} that the auditor kept is missing from the log` };
      }
      // A kept checkpoint vouches for its record as a stored one does.
      signedHeads.set(seq, head);
    }
  }

  // The head row before the scan: the service may go on appending while we read, and everything up
  // to this head was committed with it, so the scan must reach at least this far.
  const headBefore = await store.head();
  let hashAtHead: string | undefined;
  let n = 0;
  let recFinding: Finding | undefined;
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  for await (const row of store.scan(0)) {
    // A checkpoint problem earlier in the log is the first bad index: stop there.
    if (cpFinding && row.seq >= cpFinding.seq) break;
    if (row.seq !== expectedSeq) {
      if (row.seq > expectedSeq) {
        recFinding = { seq: expectedSeq, problem: 'deleted', message: `record ${expectedSeq} is missing (the next stored record is ${row.seq})` };
      } else {
        recFinding = { seq: row.seq, problem: 'reordered', message: `record ${row.seq} appears after ${expectedSeq - 1}` };
      }
      break;
    }
    // The chain fields come from the stored bytes, and those bytes (minus the hash member) are hashed.
    const f = storedFields(row.text);
    if (!f || f.prev_hash === undefined || f.seq === undefined) {
      recFinding = { seq: row.seq, problem: f ? 'malformed' : 'edited', message: `record ${row.seq} is not a chained record (no top-level hash, prev_hash or seq)` };
      break;
    }
    if (f.seq !== row.seq) {
      recFinding = { seq: row.seq, problem: 'reordered', message: `record stored at ${row.seq} says it is record ${f.seq}` };
      break;
    }
    if (sha256Hex(f.prev_hash + f.body) !== f.hash) {
      recFinding = { seq: row.seq, problem: 'edited', message: `record ${row.seq} does not match its hash` };
      break;
    }
    const r = f;
    if (r.prev_hash !== prev) {
      // Record N-1 hashes correctly on its own, so it (or N's prev_hash) was rewritten with a
      // recomputed hash; N is the first record the chain itself can show to be wrong.
      recFinding = {
        seq: row.seq,
        problem: 'edited',
        message: `record ${row.seq} does not link to record ${row.seq - 1} (one of them was rewritten with a recomputed hash, or replaced)`,
      };
      break;
    }
    const signed = signedHeads.get(row.seq);
    if (signed !== undefined && signed !== r.hash) {
      recFinding = { seq: row.seq, problem: 'edited', message: `record ${row.seq} differs from the signed checkpoint at record ${row.seq}` };
      break;
    }
    prev = r.hash;
    if (row.seq === headBefore?.seq) hashAtHead = r.hash;
    expectedSeq++;
    n++;
  }

  if (!recFinding && !cpFinding) {
    // The end of the log: signed checkpoints and the head row both say how far it must reach.
    const last = Math.max(cps.length ? cps[cps.length - 1].seq : 0, ...trusted.keys());
    if (last > n) {
      recFinding = { seq: n + 1, problem: 'truncated', message: `the log ends at record ${n} but a signed checkpoint covers record ${last}` };
    } else if (headBefore && headBefore.seq > n) {
      recFinding = { seq: n + 1, problem: 'truncated', message: `the log ends at record ${n} but its head row says ${headBefore.seq} records were written` };
    } else if (headBefore && hashAtHead !== headBefore.hash) {
      recFinding = { seq: headBefore.seq, problem: 'edited', message: `record ${headBefore.seq} does not match the log's head row` };
    } else {
      const headAfter = await store.head();
      if ((headAfter?.seq ?? 0) < n) {
        const s = (headAfter?.seq ?? 0) + 1;
        recFinding = { seq: s, problem: 'malformed', message: `records from ${s} on were added outside the log writer (the head row says ${headAfter?.seq ?? 0})` };
      }
    }
  }
  const f = [recFinding, cpFinding, keptFinding].filter((x): x is Finding => !!x).sort((a, b) => a.seq - b.seq)[0];
  if (f) return { ok: false, records: n, checkpoints: cps.length, firstBad: f.seq, problem: f.problem, message: f.message };
  return { ok: true, records: n, checkpoints: cps.length };
}
