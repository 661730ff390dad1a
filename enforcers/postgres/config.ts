// The PostgreSQL enforcer's configuration, checked once with defaults filled once (clock and decider injected).
import type { SecureContext } from 'node:tls';
import type { EnforcerDecision } from '../common/contract.ts';
import type { Masker } from '../common/masker.ts';
import type { SealLog } from '../common/session-recorder.ts';
import type { TokenVerifier } from '../../src/identity/index.ts';

/** What the enforcer needs of a decision client (enforcers/common's DecisionClient satisfies it; it never rejects). */
export interface Decider {
  /** `clientToken`: the client's token, forwarded for the service to verify (only when no local `verifier` is set). */
  decide(input: unknown, opts?: { clientToken?: string }): Promise<EnforcerDecision>;
}

/** writ's own credential for the protected database; it never reaches the client. */
export interface UpstreamConfig {
  host: string;
  port: number;
  user: string;
  database: string;
  /** Used for md5 and SCRAM-SHA-256 when the server asks; trust needs none. */
  password?: string;
  /** Longest wait for the TCP connection and authentication (default 5000 ms). */
  connectTimeoutMs?: number;
}

export interface ApprovalsConfig {
  /** Base URL of the decision service (its /v1/approvals routes). */
  url: string;
  /** The enforcer's bearer token. */
  token: string;
  pollMs?: number;
  /** Longest wait for a human (default: the decision's ttl). */
  timeoutMs?: number;
}

export interface PostgresEnforcerConfig {
  upstream: UpstreamConfig;
  decider: Decider;
  /**
   * Verifies the client's OIDC token (sent as the PostgreSQL password) in this process: for in-process deciders that do
   * not verify tokens themselves. Without it the token is forwarded as `client_token` with every decision and the
   * decision service verifies it and fills input.principal (DESIGN.md section 4: enforcers never build principals).
   */
  verifier?: TokenVerifier;
  /** input.enforcer.id (default "postgres") and input.resource.name (default the upstream database). */
  enforcerId?: string;
  resourceName?: string;
  resourceAttributes?: Record<string, unknown>;
  /** TLS for clients that send SSLRequest; without it SSLRequest is answered 'N'. */
  tls?: SecureContext;
  /** Accept plaintext connections from non-loopback addresses (default false: they must use TLS). */
  allowPlaintext?: boolean;
  approvals?: ApprovalsConfig;
  /**
   * Look result columns up in pg_attribute (writ's own catalog connection) so column mask rules also hold under
   * aliases and through views (default true). Off: rules match result column names only.
   */
  resolveSourceColumns?: boolean;
  /** Key of the `hash` masking strategy (masking.hash_key); without it a hash rule is refused. */
  maskHashKey?: Buffer;
  /** Per-session event files (enforcers/common SessionRecorder), sealed into the audit chain at close when `log` is set. */
  recording?: { dataDir: string; log?: SealLog; masker?: Masker };
  now?: () => Date;
  /** Operational messages (connections refused, upstream failures); default: none. */
  log?: (line: string) => void;
}

export function parseUpstreamUrl(url: string, password?: string): UpstreamConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--upstream: not a URL: ${url}`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`--upstream: expected postgres://user@host:port/database, got ${url}`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(u.username);
  if (!user) throw new Error('--upstream: the URL names no user (writ connects with its own credential: postgres://USER@host/db)');
  if (!database) throw new Error('--upstream: the URL names no database');
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    user,
    database,
    password: password ?? (u.password ? decodeURIComponent(u.password) : undefined),
  };
}
