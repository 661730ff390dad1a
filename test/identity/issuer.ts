// A real OIDC issuer on loopback for the tests: discovery + JWKS over node:http, keys generated at test time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface IssuerKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

export class TestIssuer {
  readonly keys = new Map<string, IssuerKey>();
  /** kids served at /keys, in order; rotation edits this list. */
  published: string[] = [];
  /** Requests seen, by path (to check caching and rate limits). */
  readonly hits = new Map<string, number>();
  /** When set, /keys answers with this HTTP status instead of the key set. */
  failWith?: number;
  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(): Promise<TestIssuer> {
    let self: TestIssuer | undefined;
    const server = createServer((req, res) => self!.handle(req.url ?? '/', res));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    self = new TestIssuer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  get jwksUrl(): string {
    return `${this.base}/keys`;
  }

  hitCount(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  private handle(url: string, res: import('node:http').ServerResponse): void {
    const path = url.split('?')[0];
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/.well-known/openid-configuration') return json(200, { issuer: this.base, jwks_uri: this.jwksUrl, id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
    // Entra's multi-tenant discovery document publishes an issuer template, as login.microsoftonline.com/common does.
    if (path === '/common/v2.0/.well-known/openid-configuration') return json(200, { issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', jwks_uri: this.jwksUrl });
    const tenantDoc = /^\/([0-9a-f-]{36})\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    if (tenantDoc) return json(200, { issuer: `https://login.microsoftonline.com/${tenantDoc[1]}/v2.0`, jwks_uri: this.jwksUrl });
    if (path === '/keys') {
      if (this.failWith) return json(this.failWith, { error: 'unavailable' });
      return json(200, { keys: this.published.map((k) => this.keys.get(k)!.jwk) });
    }
    json(404, { error: 'not found' });
  }

  /** Generate a key pair now; published at once unless `publish` is false. */
  async addKey(kid: string, alg = 'RS256', publish = true): Promise<IssuerKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const key = { kid, alg, privateKey, publicKey, jwk };
    this.keys.set(kid, key);
    if (publish) this.published.push(kid);
    return key;
  }

  retire(kid: string): void {
    this.published = this.published.filter((k) => k !== kid);
  }

  /** Sign `claims` with key `kid`; `header` adds or overrides protected header fields. */
  async sign(claims: Record<string, unknown>, kid: string, header: Record<string, unknown> = {}): Promise<string> {
    const k = this.keys.get(kid)!;
    return new SignJWT(claims).setProtectedHeader({ alg: k.alg, typ: 'JWT', kid, ...header }).sign(k.privateKey);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}
