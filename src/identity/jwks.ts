// One issuer's signing keys: fetched (via discovery or a JWKS URL), cached for a TTL, refreshed at a limited rate.
// Cached keys serve until their TTL; after it, a failed refresh fails closed. An unknown kid triggers one refetch.
import { importJWK, type JWK } from 'jose';
import { IdentityError } from './errors.ts';

export interface KeySourceConfig {
  issuerName: string;
  jwks_url?: string;
  discovery_url?: string;
  /** Whether a discovery document's `issuer` belongs to this configured issuer (OIDC Discovery 4.3). */
  discoveryIssuerOk(iss: string): boolean;
}

export interface CacheSettings {
  ttlMs: number;
  minRefreshMs: number;
  timeoutMs: number;
}

/** A key set or discovery document bigger than this is not a key set. */
const maxDocumentBytes = 1 << 20;

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

export class JwksCache {
  private keys: JWK[] = [];
  private keysText = '';
  private imported = new Map<string, Promise<VerifyKey>>();
  private fetchedAt = -Infinity;
  private lastAttempt = -Infinity;
  private lastError = '';
  private retired = new Map<string, number>();
  private inflight?: Promise<void>;
  /** Number of key set fetches made (tests and metrics). */
  fetches = 0;

  constructor(
    private readonly src: KeySourceConfig,
    private readonly settings: CacheSettings,
  ) {}

  /** The verification key for a token header, refreshing the set as the rules above allow. */
  async key(kid: string | undefined, alg: string, now: number): Promise<VerifyKey> {
    // A fetch already under way (another request's) answers this one too.
    if (this.inflight) await this.inflight.catch(() => undefined);
    if (now >= this.fetchedAt + this.settings.ttlMs) {
      try {
        // A down endpoint is not hammered: within min_refresh_seconds the last failure answers.
        if (this.lastError && now - this.lastAttempt < this.settings.minRefreshMs) throw new IdentityError('WRIT_JWKS_UNAVAILABLE', this.lastError);
        await this.refresh(now);
      } catch (e) {
        const why = e instanceof IdentityError ? e.message : String(e);
        const cached = this.fetchedAt > -Infinity ? `; cached keys expired at ${new Date(this.fetchedAt + this.settings.ttlMs).toISOString()}` : '; no keys were ever fetched';
        throw new IdentityError(e instanceof IdentityError && e.code === 'WRIT_JWKS_INVALID' ? 'WRIT_JWKS_INVALID' : 'WRIT_JWKS_UNAVAILABLE', `${why}${cached}; failing closed`, this.src.issuerName);
      }
    }
    let jwk = this.find(kid, alg);
    if (!jwk && kid !== undefined) {
      // A kid the issuer removed stays removed until a TTL refresh says otherwise: no refetch per old token.
      if (this.retired.has(kid)) throw this.unknownKid(kid, '');
      if (this.inflight) {
        await this.inflight.catch(() => undefined);
        jwk = this.find(kid, alg);
      }
    }
    if (!jwk && kid !== undefined) {
      const since = now - this.lastAttempt;
      if (since < this.settings.minRefreshMs) {
        throw this.unknownKid(kid, `; not refetched: the key set was fetched ${Math.round(since / 1000)} s ago (min_refresh_seconds ${this.settings.minRefreshMs / 1000})`);
      }
      try {
        await this.refresh(now);
      } catch (e) {
        throw new IdentityError('WRIT_JWKS_UNAVAILABLE', `kid "${kid}" is not in the cached key set of issuer ${this.src.issuerName}, and refetching it failed: ${(e as Error).message}`, this.src.issuerName);
      }
      jwk = this.find(kid, alg);
      if (!jwk) throw this.unknownKid(kid, ' (after refetching it)');
    }
    if (!jwk) throw new IdentityError('WRIT_TOKEN_KID_MISSING', `token names no kid and issuer ${this.src.issuerName} has ${this.candidates(alg).length} keys usable with ${alg}`, this.src.issuerName);
    if (typeof jwk.alg === 'string' && jwk.alg !== alg) {
      throw new IdentityError('WRIT_TOKEN_ALG_NOT_ALLOWED', `token says ${alg} but key "${jwk.kid}" of issuer ${this.src.issuerName} is for ${jwk.alg}`, this.src.issuerName);
    }
    // Imports are dropped whenever the key set changes, so the key's position in the set identifies it.
    const cacheKey = `${alg}\u0000${this.keys.indexOf(jwk)}`;
    let k = this.imported.get(cacheKey);
    if (!k) {
      k = importJWK(jwk, alg) as Promise<VerifyKey>;
      this.imported.set(cacheKey, k);
      k.catch(() => this.imported.delete(cacheKey));
    }
    try {
      return await k;
    } catch (e) {
      throw new IdentityError('WRIT_TOKEN_BAD_SIGNATURE', `key "${jwk.kid ?? '(no kid)'}" (${jwk.kty}) of issuer ${this.src.issuerName} cannot verify ${alg}: ${(e as Error).message}`, this.src.issuerName);
    }
  }

  private unknownKid(kid: string, note: string): IdentityError {
    const removed = this.retired.get(kid);
    if (removed !== undefined) {
      return new IdentityError('WRIT_TOKEN_KEY_RETIRED', `kid "${kid}" was removed from the key set of issuer ${this.src.issuerName} (key rotation, noticed ${new Date(removed).toISOString()}); tokens signed with it are no longer accepted`, this.src.issuerName);
    }
    const known = this.keys.map((k) => k.kid).filter(Boolean);
    return new IdentityError('WRIT_TOKEN_UNKNOWN_KID', `kid "${kid}" is not in the key set of issuer ${this.src.issuerName} (known: ${known.join(', ') || 'none'})${note}`, this.src.issuerName);
  }

  private candidates(alg: string): JWK[] {
    const kty = alg.startsWith('ES') ? 'EC' : alg === 'EdDSA' || alg === 'Ed25519' ? 'OKP' : 'RSA';
    return this.keys.filter((k) => k.kty === kty && k.use !== 'enc');
  }

  private find(kid: string | undefined, alg: string): JWK | undefined {
    if (kid !== undefined) return this.keys.find((k) => k.kid === kid && k.use !== 'enc');
    const c = this.candidates(alg);
    return c.length === 1 ? c[0] : undefined;
  }

  /** Fetch the key set now (single flight). Throws IdentityError; the old keys stay as they were. */
  refresh(now: number): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.fetchKeys(now).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async fetchKeys(now: number): Promise<void> {
    this.lastAttempt = now;
    this.fetches++;
    try {
      let jwksUrl = this.src.jwks_url;
      if (!jwksUrl) {
        const doc = await this.getJson(this.src.discovery_url!, 'discovery document');
        if (typeof doc.issuer !== 'string' || !this.src.discoveryIssuerOk(doc.issuer)) {
          throw new IdentityError('WRIT_JWKS_INVALID', `discovery document ${this.src.discovery_url} names issuer ${JSON.stringify(doc.issuer)}, not issuer ${this.src.issuerName}`, this.src.issuerName);
        }
        if (typeof doc.jwks_uri !== 'string') throw new IdentityError('WRIT_JWKS_INVALID', `discovery document ${this.src.discovery_url} has no jwks_uri`, this.src.issuerName);
        const u = new URL(doc.jwks_uri);
        const base = new URL(this.src.discovery_url!);
        if (u.protocol !== 'https:' && !(u.protocol === 'http:' && u.hostname === base.hostname && base.protocol === 'http:')) {
          throw new IdentityError('WRIT_JWKS_INVALID', `discovery document names a non-https jwks_uri ${doc.jwks_uri}`, this.src.issuerName);
        }
        jwksUrl = doc.jwks_uri;
      }
      const set = await this.getJson(jwksUrl, 'key set');
      if (!Array.isArray(set.keys)) throw new IdentityError('WRIT_JWKS_INVALID', `key set ${jwksUrl} has no "keys" list`, this.src.issuerName);
      const keys = (set.keys as unknown[]).filter((k): k is JWK => typeof k === 'object' && k !== null && typeof (k as JWK).kty === 'string');
      // Private or symmetric material in a public key set is a broken issuer: never use it.
      const safe = keys.filter((k) => k.kty !== 'oct' && (k as Record<string, unknown>).d === undefined);
      const text = JSON.stringify(safe);
      if (text !== this.keysText) {
        const next = new Set(safe.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
        for (const old of this.keys) if (old.kid && !next.has(old.kid)) this.retired.set(old.kid, now);
        for (const k of next) this.retired.delete(k);
        this.imported.clear();
      }
      this.keys = safe;
      this.keysText = text;
      this.fetchedAt = now;
      this.lastError = '';
    } catch (e) {
      this.lastError = (e as Error).message;
      if (e instanceof IdentityError) throw e;
      throw new IdentityError('WRIT_JWKS_UNAVAILABLE', (e as Error).message, this.src.issuerName);
    }
  }

  private async getJson(url: string, what: string): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.settings.timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new IdentityError('WRIT_JWKS_UNAVAILABLE', `cannot fetch the ${what} of issuer ${this.src.issuerName} from ${url}: ${[cause?.code, cause?.message].filter(Boolean).join(' ') || (e as Error).message}`, this.src.issuerName);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new IdentityError('WRIT_JWKS_UNAVAILABLE', `cannot fetch the ${what} of issuer ${this.src.issuerName} from ${url}: HTTP ${res.status}`, this.src.issuerName);
    }
    const buf = await res.arrayBuffer();
    if (buf.byteLength > maxDocumentBytes) throw new IdentityError('WRIT_JWKS_INVALID', `${what} at ${url} is ${buf.byteLength} bytes (limit ${maxDocumentBytes})`, this.src.issuerName);
    try {
      const v = JSON.parse(new TextDecoder().decode(buf));
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
      return v;
    } catch (e) {
      throw new IdentityError('WRIT_JWKS_INVALID', `${what} at ${url} is not a JSON object: ${(e as Error).message}`, this.src.issuerName);
    }
  }

  /** What the cache holds, for `writ token inspect` and tests. */
  status(): { kids: string[]; fetched_at?: string; fetches: number; last_error?: string } {
    return {
      kids: this.keys.map((k) => k.kid ?? '(no kid)'),
      ...(this.fetchedAt > -Infinity ? { fetched_at: new Date(this.fetchedAt).toISOString() } : {}),
      fetches: this.fetches,
      ...(this.lastError ? { last_error: this.lastError } : {}),
    };
  }
}
