// Mask strategies: redact (a fixed token), partial (keep the last N significant characters, keep
// separators), hash (keyed HMAC-SHA256, truncated, "h:" prefixed, so equal values stay joinable).
import { createHmac } from 'node:crypto';
import type { MaskStrategy } from './contract.ts';

export const DEFAULT_REDACT_TOKEN = '[REDACTED]';
export const DEFAULT_KEEP = 4;
/** Hex characters of the HMAC kept: 96 bits, so accidental joins of different values do not happen in practice. */
const HASH_HEX = 24;

export interface StrategyOptions {
  redactToken?: string;
  /** The per-deployment key for `hash`; without it `hash` rules are refused (see Masker). */
  hashKey?: Buffer;
}

const SIGNIFICANT = /[\p{L}\p{N}]/u;

/** Masks every significant (letter or digit) character but the last `keep`, never revealing more than half of them. */
export function partial(value: string, keep = DEFAULT_KEEP): string {
  const chars = Array.from(value); // code points: a surrogate pair is one character
  const significant = chars.reduce((n, c) => n + (SIGNIFICANT.test(c) ? 1 : 0), 0);
  // Keeping all of a short value would reveal it: at most half of its significant characters stay.
  let left = Math.min(keep, Math.floor(significant / 2));
  const out = new Array<string>(chars.length);
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i];
    if (!SIGNIFICANT.test(c)) out[i] = c;
    else if (left > 0) {
      out[i] = c;
      left--;
    } else out[i] = '*';
  }
  return out.join('');
}

export function hashValue(value: string, key: Buffer): string {
  return 'h:' + createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, HASH_HEX);
}

export function applyStrategy(strategy: MaskStrategy, value: string, opts: StrategyOptions, keep?: number): string {
  switch (strategy) {
    case 'redact':
      return opts.redactToken ?? DEFAULT_REDACT_TOKEN;
    case 'partial':
      return partial(value, keep ?? DEFAULT_KEEP);
    case 'hash':
      if (!opts.hashKey) throw new Error('internal: hash strategy without a key (the Masker checks this)');
      return hashValue(value, opts.hashKey);
  }
}

/** Strictness when detector matches overlap: the stricter strategy wins over the union of the spans. */
export const strictness: Record<MaskStrategy, number> = { partial: 0, hash: 1, redact: 2 };
