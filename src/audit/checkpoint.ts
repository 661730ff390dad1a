// Signed checkpoints: an Ed25519 JWS (compact) over {seq, head_hash, time, prev_seq}. prev_seq names
// the checkpoint before it, so the checkpoints form their own chain and deleting one is visible.
import { sign, type KeyObject } from 'node:crypto';
import { compactVerify } from 'jose';

export interface CheckpointPayload {
  seq: number;
  head_hash: string;
  time: string;
  /** Sequence number of the previous checkpoint (0 for the first). */
  prev_seq: number;
}

export interface Checkpoint extends CheckpointPayload {
  /** Ed25519 JWS (compact) over the payload. */
  jws: string;
}

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * Synchronous signing (node:crypto) so a store can sign inside its write transaction, after reading
 * the previous checkpoint under the same lock. The output is a standard JWS that jose verifies.
 */
export function signCheckpoint(p: CheckpointPayload, privateKey: KeyObject): Checkpoint {
  const payload = { seq: p.seq, head_hash: p.head_hash, time: p.time, prev_seq: p.prev_seq };
  const input = b64u(JSON.stringify({ alg: 'EdDSA', typ: 'writ-checkpoint' })) + '.' + b64u(JSON.stringify(payload));
  const sig = sign(null, Buffer.from(input), privateKey);
  return { ...payload, jws: input + '.' + b64u(sig) };
}

/** The signed payload, or undefined when the signature does not hold for this key. */
export async function openCheckpoint(jws: string, publicKey: KeyObject): Promise<CheckpointPayload | undefined> {
  try {
    const v = await compactVerify(jws, publicKey, { algorithms: ['EdDSA'] });
    const p = JSON.parse(new TextDecoder().decode(v.payload)) as CheckpointPayload;
    if (typeof p.seq !== 'number' || typeof p.head_hash !== 'string' || typeof p.prev_seq !== 'number') return undefined;
    return p;
  } catch {
    return undefined;
  }
}
