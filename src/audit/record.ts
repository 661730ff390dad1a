// The shape of a decision record (DESIGN.md section 5): written by the decision service, read by
// `writ audit`. The chain fields (seq, prev_hash, hash) are added by the log.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from './canonical.ts';
import { sha256Hex, type LogEntry } from './chain.ts';
import { createSecretKeyFileIfAbsent } from './keys.ts';
import { parseExact } from './json.ts';

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
  input_digest?: string;
  /** The unmasked input sealed with the data directory's replay key: `sealInput(input, key, decision_id)`;
   *  absent when `input` is the whole input (nothing was masked). */
  input_sealed?: string;
  /** Requests to the log (sealEntry): the unmasked input to digest and seal, or digest `input` itself. */
  unsealed_input?: unknown;
  digest_input?: true;
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

/**
 * How a decision entry asks the log to digest its input where the log writes (on its writer thread
 * when it has one), with one serialisation that the record's own text reuses:
 * - `unsealed_input`: the unmasked input, when the recorded `input` was masked: the log sets
 *   input_digest from it and input_sealed (encrypted with the replay key), and drops it;
 * - `digest_input: true`: the recorded `input` is the whole input: the log sets input_digest from it
 *   and seals nothing (the record already holds the input; the digest proves it is unmasked).
 */
export const UNSEALED_INPUT = 'unsealed_input';
export const DIGEST_INPUT = 'digest_input';

/** `entry` with those requests carried out; other entries as they are. `memo`: see canonicalJson. */
export function sealEntry<E extends LogEntry>(entry: E, key: Buffer | undefined, memo?: Map<object, string>): E {
  if (Object.hasOwn(entry, DIGEST_INPUT)) {
    const { [DIGEST_INPUT]: _flag, ...rest } = entry as E & { [DIGEST_INPUT]: unknown };
    return { ...rest, input_digest: sha256Hex(canonicalJson(rest.input ?? null, memo)) } as unknown as E;
  }
  if (!Object.hasOwn(entry, UNSEALED_INPUT)) return entry;
  if (!key) throw new Error('internal: a decision entry carries an unsealed input but the decision log has no replay key');
  const { [UNSEALED_INPUT]: raw, ...rest } = entry as E & { [UNSEALED_INPUT]: unknown };
  const text = canonicalJson(raw ?? null, memo);
  return { ...rest, input_digest: sha256Hex(text), input_sealed: sealText(text, key, entry.decision_id) } as unknown as E;
}

/**
 * Sealed input format (version 1): base64( iv[12] | tag[16] | ciphertext ), AES-256-GCM with the
 * 32-byte replay key, the plaintext the UTF-8 canonical JSON of the unmasked input (so
 * sha256(plaintext) = input_digest), and the record's decision_id as additional authenticated data,
 * so a sealed input cannot be moved to another record.
 */
export function sealInput(input: unknown, key: Buffer, decisionId: string): string {
  return sealText(canonicalJson(input ?? null), key, decisionId);
}

function sealText(text: string, key: Buffer, decisionId: string): string {
  if (key.length !== 32) throw new Error('internal: the replay key must be 32 bytes');
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(decisionId, 'utf8'));
  const ct = Buffer.concat([c.update(text, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
}

export class UnsealError extends Error {
  readonly code = 'WRIT_UNSEAL_FAILED';
}

/** Opens what sealInput wrote; throws UnsealError for a wrong key, another record's input, or damage. */
export function unsealInput(sealed: string, key: Buffer, decisionId: string): unknown {
  const b = Buffer.from(sealed, 'base64');
  if (b.length < 28) throw new UnsealError('sealed input is too short');
  const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
  d.setAuthTag(b.subarray(12, 28));
  d.setAAD(Buffer.from(decisionId, 'utf8'));
  let text: string;
  try {
    text = Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
  } catch {
    // Inputs sealed without the decision_id binding still open; the input_digest check that every
    // replay makes is what proves the input belongs to the record.
    try {
      const d2 = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d2.setAuthTag(b.subarray(12, 28));
      text = Buffer.concat([d2.update(b.subarray(28)), d2.final()]).toString('utf8');
    } catch {
      throw new UnsealError('sealed input does not open with this replay key (wrong key, another record, or tampered)');
    }
  }
  return parseExact(text);
}

/**
 * The replay key file holds the 32-byte key as base64 on one line (mode 0600); created on first use.
 * Anyone who can read it can read every logged input: keep it with the signing key, not the log.
 */
export function loadOrCreateReplayKey(path: string): Buffer {
  createSecretKeyFileIfAbsent(path);
  return loadReplayKey(path);
}

/** Reads a replay key file: base64 text (as written here) or the 32 raw bytes. */
export function loadReplayKey(path: string): Buffer {
  const raw = readFileSync(path);
  if (raw.length === 32) return raw;
  const key = Buffer.from(raw.toString('utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${path}: a replay key must be 32 bytes (raw, or base64 text)`);
  return key;
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
