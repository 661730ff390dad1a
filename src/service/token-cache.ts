// Verified end-client tokens, kept for a short while: an enforcer forwards the same token with every
// statement of a session, and a signature check per statement costs more than the decision itself.
// An entry lives until the token expires or `ttlMs` after its verification, whichever comes first, so
// a key withdrawn from the issuer's JWKS stops being accepted within ttlMs. Only successes are kept.
import type { PrincipalResult } from '../identity/index.ts';

type Verified = Extract<PrincipalResult, { ok: true }>;

export class VerifiedTokenCache {
  private readonly entries = new Map<string, { result: Verified; untilMs: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(token: string, nowMs: number): Verified | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    if (nowMs >= e.untilMs) {
      this.entries.delete(token);
      return undefined;
    }
    return e.result;
  }

  set(token: string, result: Verified, nowMs: number): void {
    const exp = Date.parse(result.expires_at);
    const untilMs = Math.min(Number.isFinite(exp) ? exp : nowMs, nowMs + this.ttlMs);
    if (untilMs <= nowMs || this.ttlMs <= 0) return;
    // Oldest first out (Map keeps insertion order).
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { result, untilMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
