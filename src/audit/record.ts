// The shape of a decision record (DESIGN.md section 5): written by the decision service, read by
// `writ audit`. The chain fields (seq, prev_hash, hash) are added by the log.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import type { LogEntry } from './chain.ts';

export interface PolicyProvenance {
  /** Git commit of the policy repository (or "dir:<sha256>" for a watched directory). */
  revision: string;
  /** sha256 hex of the bundle (.tar.gz bytes) that evaluated the decision. */
  bundle_sha256: string;
}

export interface DecisionEntry extends LogEntry {
  kind: 'decision';
  decision_id: string;
  /** RFC 3339 time the decision was made. */
  time: string;
  /** The authenticated caller (an enforcer's configured name). */
  caller: string;
  /** The API used: "v1/data" (OPA-compatible) or "v1/decisions" (writ native). */
  api: 'v1/data' | 'v1/decisions';
  entrypoint: string;
  principal: unknown;
  enforcer: unknown;
  resource: unknown;
  action: unknown;
  /** The input with the policy's data.system.log.mask JSON pointers removed/replaced. */
  input: unknown;
  /** sha256 hex of the canonical JSON of the unmasked input: proves a replayed input is the same. */
  input_digest: string;
  /** The unmasked input, AES-256-GCM encrypted with the data directory's replay key (base64), if kept. */
  input_sealed?: string;
  /** The raw result of the entrypoint (v1/data) or the normalised decision (v1/decisions). */
  result: unknown;
  policy: PolicyProvenance;
  /** Values of non-deterministic builtins in call order: [{name, args, result}]. */
  nondeterministic: Array<{ name: string; args: unknown[]; result: unknown }>;
  latency_us: number;
}

export function inputDigest(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input ?? null)).digest('hex');
}

/** Files in the data directory (one service instance). */
export const dataDirLayout = {
  logDb: 'log.db',
  logKey: 'log-key.pem',
  logPublicKey: 'log-key.pub.pem',
  replayKey: 'replay.key',
  policyRepo: 'policies.git',
  bundles: 'bundles',
  tokens: 'tokens.json',
} as const;
