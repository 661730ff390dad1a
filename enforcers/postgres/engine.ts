// One client session, in Teleport's engine shape: handleStartup -> checkAccess -> connect -> makeClientReady -> relay.
// Each step says what the client sees at that moment; toClientError is the one place errors become protocol errors.
import { randomBytes, randomUUID } from 'node:crypto';
import type net from 'node:net';
import { principalFromToken, type Principal } from '../../src/identity/index.ts';
import { authenticationCleartextPassword, authenticationOk, backendKeyData, errorResponse, ProtocolError, type CancelRequestMessage, type StartupMessage } from './protocol/index.ts';
import { ClientClosed, ClientConnection } from './client-conn.ts';
import { connectUpstream, UpstreamError, type UpstreamSession } from './upstream.ts';
import { askDecider, SessionFatal, tokenRefused, type StatementContext } from './decide.ts';
import { connectInput, type SessionFacts } from './input.ts';
import { Relay, type RelayStats } from './relay.ts';
import { SessionRecorder } from '../common/session-recorder.ts';
import type { CatalogResolver } from './catalog.ts';
import type { PostgresEnforcerConfig } from './config.ts';

/** What sessions share: cancel keys (client-facing key -> upstream backend) and the session list. */
export interface EngineShared {
  registerCancelKey(upstream: UpstreamSession['backendKey'], onCancel: () => void): { processId: number; secretKey: Buffer; release(): void };
  cancel(m: CancelRequestMessage): Promise<void>;
  /** Source-column lookups for masking (one catalog connection per enforcer). */
  catalog?: CatalogResolver;
  onSessionEnd?(summary: SessionSummary): void;
}

export interface SessionSummary {
  id: string;
  principal?: string;
  stats?: RelayStats;
  error?: string;
  /** The session ended on an error writ did not expect (a bug): logged with its stack. */
  internal?: boolean;
}

// Startup parameters passed on to the upstream; `options` (arbitrary server settings such as role) and
// `replication` never are, and the client encoding is UTF8 because masking reads and writes text as UTF-8.
const PASSED_PARAMETERS = ['application_name', 'datestyle', 'timezone', 'extra_float_digits', 'intervalstyle'];

const isLoopback = (addr: string) => addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');

export async function runSession(raw: net.Socket, cfg: PostgresEnforcerConfig, shared: EngineShared): Promise<void> {
  raw.setNoDelay(true);
  const client = new ClientConnection(raw);
  const sessionId = randomUUID();
  const summary: SessionSummary = { id: sessionId };
  let upstream: UpstreamSession | undefined;
  let releaseKey: (() => void) | undefined;
  let recorder: SessionRecorder | undefined;
  // Recording is part of the evidence: when it cannot be written, the session ends (fail closed).
  const record = (type: string, fields: Record<string, unknown>) => {
    if (!recorder) return;
    try {
      recorder.record(type, fields);
    } catch (e) {
      throw new SessionFatal(`writ: the session recording cannot be written (${(e as Error).message}); the session is closed`, '58030');
    }
  };
  const ended = new AbortController();
  // A client that leaves ends whatever its session waits for (an approval, most of all).
  raw.once('close', () => ended.abort());
  // The approval wait in progress, if any: a CancelRequest ends it as PostgreSQL's cancel ends a running statement.
  let waiting: AbortController | undefined;
  const waitSignal = () => {
    waiting = new AbortController();
    const w = waiting;
    if (ended.signal.aborted) w.abort('gone');
    else ended.signal.addEventListener('abort', () => w.abort('gone'), { once: true });
    return w.signal;
  };
  try {
    // 1. handleStartup: the client sees 'S' + TLS or 'N' for encryption requests, then nothing until authenticated.
    const startup = await handleStartup(client, cfg, shared);
    if (!startup) return;
    const params = startup.parameters;
    const database = params.database ?? params.user!;
    if (database !== cfg.upstream.database) throw new SessionFatal(`writ: this enforcer serves database "${cfg.upstream.database}" only, not "${database}"`, '3D000');
    if (params.replication !== undefined) throw new SessionFatal('writ: replication connections are not served', '42501');
    // Server settings in the startup packet (PGOPTIONS: role, search_path ...) would bypass per-statement decisions.
    if (params.options !== undefined) throw new SessionFatal('writ: the "options" startup parameter (PGOPTIONS) is not accepted; change settings with SET, which policy decides', '42501');

    // The client sees AuthenticationCleartextPassword: its password is its OIDC access token.
    const auth = await authenticate(client, cfg);
    const clientToken = 'token' in auth ? auth.token : undefined;
    const principal = 'principal' in auth ? auth.principal : null;
    if (principal) summary.principal = principal.id;
    const facts: SessionFacts = {
      id: sessionId,
      clientAddr: client.remoteAddress,
      startedAt: (cfg.now?.() ?? new Date()).toISOString(),
      principal,
      enforcerId: cfg.enforcerId ?? 'postgres',
      resourceName: cfg.resourceName ?? cfg.upstream.database,
      resourceAttributes: cfg.resourceAttributes ?? {},
    };

    if (cfg.recording) {
      try {
        recorder = await SessionRecorder.open({
          dataDir: cfg.recording.dataDir,
          sessionId,
          log: cfg.recording.log,
          masker: cfg.recording.masker,
          now: cfg.now,
          meta: { enforcer: 'postgres', enforcer_id: facts.enforcerId, resource: facts.resourceName, principal: facts.principal?.id ?? null, client_addr: facts.clientAddr, tls: client.tls },
        });
      } catch (e) {
        throw new SessionFatal(`writ: the session recording cannot be opened (${(e as Error).message}); denied`, '58030');
      }
    }

    // 2. checkAccess: still waiting for AuthenticationOk; a denial is a FATAL with the policy's reasons.
    // A forwarded token is verified by the service here: a refusal is a FATAL 28000 with the service's reason.
    const d = await askDecider(cfg, connectInput(facts, cfg.now?.() ?? new Date(), database, params.user!), clientToken);
    record('connect', { database, decision_id: d.decision_id ?? null, allow: d.allow, ...(d.allow ? {} : { reasons: d.reasons }) });
    const refused = tokenRefused(d, clientToken);
    if (refused) throw refused;
    if (!d.allow) {
      const why = d.failClosed ? d.failClosed.message : `writ: connection denied by policy: ${d.reasons.join('; ') || 'no reason given'}`;
      throw new SessionFatal(why, '42501');
    }
    // The session's expiry: the locally verified token's, or the one the service verified (it answers it on every
    // decision with a token; an allow without it means the decider did not verify the token: fail closed).
    const expiresAt = 'expiresAt' in auth ? auth.expiresAt : d.token_expires_at;
    if (expiresAt === undefined) throw new SessionFatal('writ: the decision service did not verify the client token (no token_expires_at in its answer); denied', '28000');

    // 3. connect: writ's own credential; the client still waits.
    const upParams: Record<string, string> = { client_encoding: 'UTF8' };
    for (const k of PASSED_PARAMETERS) for (const [name, v] of Object.entries(params)) if (name.toLowerCase() === k) upParams[name] = v;
    upstream = await connectUpstream(cfg.upstream, upParams);

    // 4. makeClientReady: AuthenticationOk, the server's parameters, a backend key of writ's own, ReadyForQuery.
    const key = shared.registerCancelKey(upstream.backendKey, () => waiting?.abort('cancel'));
    releaseKey = key.release;
    client.write([authenticationOk(), ...upstream.parameterStatus, backendKeyData(key.processId, key.secretKey), upstream.ready]);

    // 5. relay: statements are decided one by one until the client leaves.
    await relay(client, upstream, { cfg, facts, expiresAt, clientToken, notify: (f) => client.write(f), waitSignal, record }, summary, shared.catalog);
  } catch (e) {
    toClientError(client, e, cfg, summary);
  } finally {
    ended.abort();
    releaseKey?.();
    if (upstream) {
      // end(), not destroy(): a Terminate just written must still reach the server.
      const s = upstream.socket;
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    }
    client.close();
    if (recorder) {
      try {
        await recorder.close({ ...(summary.stats ?? {}), ...(summary.error ? { error: summary.error } : {}) });
      } catch (e) {
        cfg.log?.(`postgres session ${sessionId}: sealing the recording failed: ${(e as Error).message}`);
      }
    }
    shared.onSessionEnd?.(summary);
  }
}

async function handleStartup(client: ClientConnection, cfg: PostgresEnforcerConfig, shared: EngineShared): Promise<StartupMessage | undefined> {
  for (;;) {
    const m = await client.next();
    switch (m.name) {
      case 'sslRequest':
        if (cfg.tls && !client.tls) await client.startTls(cfg.tls);
        else client.refuseEncryption();
        continue;
      case 'gssEncRequest':
        // writ has no GSSAPI: 'N', and the client may go on with TLS or plaintext.
        client.refuseEncryption();
        continue;
      case 'cancelRequest':
        await shared.cancel(m);
        return undefined;
      case 'startup':
        if (!client.tls && !cfg.allowPlaintext && !isLoopback(client.remoteAddress)) {
          throw new SessionFatal(`writ: connections from ${client.remoteAddress} must use TLS (sslmode=require)`, '28000');
        }
        return m;
      default:
        throw new SessionFatal(`writ: unexpected ${m.name} message before startup`, '08P01');
    }
  }
}

/**
 * The password is the client's OIDC token. With a local verifier (in-process deciders) it is verified here; without one
 * it is only read, and forwarded as client_token for the decision service to verify (DESIGN.md section 4).
 */
async function authenticate(client: ClientConnection, cfg: PostgresEnforcerConfig): Promise<{ principal: Principal; expiresAt: string } | { token: string }> {
  client.write(authenticationCleartextPassword());
  const m = await client.next();
  if (m.name === 'terminate') throw new ClientClosed();
  if (m.name !== 'password') throw new SessionFatal(`writ: expected a password message, got ${m.name}`, '08P01');
  const token = m.password.trim();
  if (!token) throw new SessionFatal('writ: password authentication failed: send your OIDC access token as the password', '28P01');
  if (!cfg.verifier) return { token };
  const r = await principalFromToken(token, cfg.verifier, { now: cfg.now?.() ?? new Date() });
  if (!r.ok) {
    if (r.error.code === 'WRIT_TOKEN_EXPIRED') throw new SessionFatal(`writ: ${r.error.message}: re-authenticate (get a new token) and reconnect`, '28000');
    throw new SessionFatal(`writ: token refused (${r.error.code}): ${r.error.message}`, '28P01');
  }
  return { principal: r.principal, expiresAt: r.expires_at };
}

async function relay(client: ClientConnection, up: UpstreamSession, ctx: StatementContext, summary: SessionSummary, catalog?: CatalogResolver): Promise<void> {
  let fatal: unknown;
  const stop = (e: unknown) => {
    fatal ??= e;
    client.interrupt(e instanceof Error ? e : new Error(String(e)));
  };
  const r = new Relay(client, up, ctx, stop, catalog);
  summary.stats = r.stats;
  up.socket.on('data', (chunk: Buffer) => {
    try {
      r.onUpstreamData(chunk);
    } catch (e) {
      stop(e);
      return;
    }
    // The client reads slower than the database answers: hold the upstream until it catches up.
    if (client.socket.writableNeedDrain) {
      up.socket.pause();
      client.socket.once('drain', () => up.socket.resume());
    }
  });
  up.socket.on('close', () => stop(new SessionFatal('writ: the database closed the connection', '08006')));
  r.start();
  up.socket.resume();
  up.socket.on('error', () => undefined);
  try {
    for (;;) {
      const m = await client.next();
      if (fatal) break;
      if (!(await r.handle(m))) return;
    }
  } catch (e) {
    if (!fatal) throw e;
  }
  if (fatal) throw fatal;
}

/** The one place any failure becomes what the client sees: a FATAL ErrorResponse, then the connection closes. */
function toClientError(client: ClientConnection, e: unknown, cfg: PostgresEnforcerConfig, summary: SessionSummary): void {
  const fatal = (code: string, message: string) => client.close(errorResponse({ severity: 'FATAL', code, message }));
  if (e instanceof ClientClosed) return;
  summary.error = (e as Error)?.message ?? String(e);
  if (e instanceof ProtocolError) {
    if (e.code === 'truncated_message') return; // the client is gone
    cfg.log?.(`postgres session ${summary.id}: protocol error: ${e.message}`);
    return fatal(e.sqlstate, `writ: invalid client message: ${e.message}`);
  }
  if (e instanceof SessionFatal) return fatal(e.sqlstate, e.message);
  if (e instanceof UpstreamError) {
    cfg.log?.(`postgres session ${summary.id}: ${e.message}`);
    // Refusals of writ's own credential are the operator's business: the client learns only that it happened.
    if (e.sqlstate.startsWith('28')) return fatal('08006', `writ: cannot open the database connection: the database refused writ's credential (SQLSTATE ${e.sqlstate}); see the enforcer's log`);
    return fatal(e.sqlstate, `writ: cannot open the database connection: ${e.message}`);
  }
  summary.internal = true;
  cfg.log?.(`postgres session ${summary.id}: internal error: ${(e as Error)?.stack ?? String(e)}`);
  fatal('XX000', 'writ: internal error in the enforcer; the session is closed');
}

export function newCancelKey(): { processId: number; secretKey: Buffer } {
  return { processId: randomBytes(4).readUInt32BE(0) & 0x7fffffff || 1, secretKey: randomBytes(4) };
}
