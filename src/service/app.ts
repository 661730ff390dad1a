// The decision service as a fastify app factory: build(opts) wires routes and never listens.
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { WritConfig, Role } from './config.ts';
import { WritError, errorCatalogue, type ErrorCode } from './errors.ts';
import { MAX_DECISION_BATCH } from './batch.ts';
import { bearerToken, type Caller, type CallerTable } from './auth.ts';
import { ServiceMetrics } from './metrics.ts';
import { normaliseDecision } from './normalise.ts';
import { applyMask, maskOps } from './mask.ts';
import { openapiDocument } from './openapi.ts';
import { gitRoutes } from './git.ts';
import { approvalRoutes } from '../approvals/routes.ts';
import { sessionRoutes } from './sessions.ts';
import { ActivationError, type PolicyStore } from '../policy/store.ts';
import { PolicyVersion, type Evaluation } from '../policy/version.ts';
import type { DecisionLog } from '../audit/log.ts';
import type { LogStore } from '../audit/store.ts';
import type { DecisionEntry } from '../audit/record.ts';
import { uuidv7 } from '../audit/uuid7.ts';
import { canonicalJson } from '../audit/canonical.ts';
import { TokenVerifier, principalFromToken, sessionExpired } from '../identity/index.ts';
import { VerifiedTokenCache } from './token-cache.ts';

export interface BuildOptions {
  config: WritConfig;
  store: PolicyStore;
  log: DecisionLog;
  /** Read side of the log (GET /v1/decisions/{id}). */
  logStore: LogStore;
  callers: CallerTable;
  metrics?: ServiceMetrics;
  /** The clock of decisions, log records and end-client token checks (expiry, nbf). */
  now?: () => Date;
  /** Verifier of end clients' tokens (owns the JWKS caches); default: one built from config.identity. */
  verifier?: TokenVerifier;
  /** fastify logger option (default off). */
  logger?: boolean | object;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent = public (health, readiness, the OpenAPI document). */
    roles?: Role[];
  }
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyInstance {
    /** POST /v1/decisions in process: the caller (an enforcer of this process) and the request body as the route takes it. */
    writDecide(caller: Caller, body: unknown): Promise<Answer>;
  }
}

const MASK_ENTRYPOINT = 'system/log/mask';


/** A route's answer before it is sent: an HTTP status and the JSON body. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function errorAnswer(code: ErrorCode, message?: string, extra: Record<string, unknown> = {}): Answer {
  return { status: errorCatalogue[code].status, body: { code, message: message ?? errorCatalogue[code].message, ...extra } };
}

function sendError(reply: FastifyReply, code: ErrorCode, message?: string, extra: Record<string, unknown> = {}): FastifyReply {
  const a = errorAnswer(code, message, extra);
  return reply.code(a.status).send(a.body);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function build(opts: BuildOptions): FastifyInstance {
  const { config, store, log, logStore, callers } = opts;
  const metrics = opts.metrics ?? new ServiceMetrics();
  const now = opts.now ?? (() => new Date());
  const verifier = opts.verifier ?? new TokenVerifier(config.identity);
  const verifiedTokens = new VerifiedTokenCache(config.identity.verified_token_cache_seconds * 1000);
  const app = Fastify({
    logger: opts.logger ?? false,
    // Every decision is already a record in the decision log; a second line per request on stdout
    // would cost a write per decision and say less. Errors and operational messages are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.body_bytes,
    requestTimeout: config.limits.request_timeout_ms,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    // Node checks request timeouts on an interval (30 s by default): check often enough to honour ours.
    // (and the headers timeout must not exceed the request timeout, or node ignores the latter).
    http: {
      connectionsCheckingInterval: Math.max(50, Math.min(1000, config.limits.request_timeout_ms >> 1)),
      headersTimeout: Math.min(config.limits.request_timeout_ms, 60_000),
      requestTimeout: config.limits.request_timeout_ms,
    },
  });
  const opLog = (msg: string) => app.log.info(msg);
  const current = store.active.current();
  if (current) metrics.setActive(current);
  store.active.onSwap((v) => metrics.setActive(v));

  // Closing: node closes the keep-alive connections idle at that moment, but one whose request is still
  // running stays open after its answer until the keep-alive timeout (72 s), and the close waits for it.
  // From now on a connection that goes idle is dropped at once.
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1;
    done();
  });

  // JSON only: fastify's text/plain parser goes; anything else answers 415.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
    if (err instanceof WritError) return sendError(reply, err.code, err.message);
    const status = err.statusCode ?? 500;
    if (status === 413) return sendError(reply, 'WRIT_PAYLOAD_TOO_LARGE', `request body larger than ${config.limits.body_bytes} bytes`);
    if (status === 415) return sendError(reply, 'WRIT_UNSUPPORTED_MEDIA_TYPE');
    if (status === 408) return sendError(reply, 'WRIT_TIMEOUT');
    if (status >= 400 && status < 500) return sendError(reply, 'WRIT_BAD_REQUEST', err.message);
    app.log.error(err);
    return sendError(reply, 'WRIT_INTERNAL');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 'WRIT_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));

  // Authentication before anything is parsed: 401 without a known token, 403 for the wrong role.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const roles = req.routeOptions.config?.roles;
    if (!roles) return;
    const token = bearerToken(req.headers.authorization);
    const caller = token ? callers.identify(token) : undefined;
    if (!caller) {
      void reply.header('www-authenticate', 'Bearer realm="writ"');
      return sendError(reply, 'WRIT_UNAUTHENTICATED');
    }
    if (!roles.includes(caller.role)) return sendError(reply, 'WRIT_FORBIDDEN', `caller ${caller.name} has role ${caller.role}; this route needs ${roles.join(' or ')}`);
    req.caller = caller;
  });

  /** Evaluate, mask, seal and log one decision; the answer leaves only after the record is durable. */
  async function decide(
    caller: Caller,
    api: DecisionEntry['api'],
    v: PolicyVersion,
    entrypoint: string,
    input: unknown,
    t0: bigint,
    shape: (ev: Evaluation) => { result: unknown; body: Record<string, unknown>; outcome: string; failed?: string },
  ): Promise<Answer> {
    const ev = v.evaluate(entrypoint, input);
    const { result, body, outcome, failed } = shape(ev);
    let recordedInput = input;
    if (v.entrypointSet.has(MASK_ENTRYPOINT)) {
      const m = v.evaluate(MASK_ENTRYPOINT, { input, result });
      if (m.error) recordedInput = null; // fail closed: a broken mask rule must not leak the input
      else if (m.defined) recordedInput = applyMask(input, maskOps(m.result));
    }
    const decision_id = uuidv7(now().getTime());
    const inp = isObj(input) ? input : {};
    const latency_us = Number((process.hrtime.bigint() - t0) / 1000n);
    const entry: DecisionEntry = {
      kind: 'decision',
      decision_id,
      time: now().toISOString(),
      caller: caller.name,
      api,
      entrypoint,
      principal: inp.principal ?? null,
      enforcer: inp.enforcer ?? null,
      resource: inp.resource ?? null,
      action: inp.action ?? null,
      input: recordedInput ?? null,
      // Digested (and, when masked, sealed) by the log where it writes, on its writer thread: record.ts sealEntry.
      ...(recordedInput === input ? { digest_input: true as const } : { unsealed_input: input ?? null }),
      result,
      policy: v.provenance,
      nondeterministic: ev.nondeterministic,
      latency_us,
    };
    const tl = process.hrtime.bigint();
    try {
      await log.append(entry);
    } catch (e) {
      metrics.failures.inc({ kind: 'log_unavailable' });
      metrics.decisionSeconds.observe({ entrypoint, outcome: 'log_unavailable' }, Number(process.hrtime.bigint() - t0) / 1e9);
      return errorAnswer('WRIT_LOG_UNAVAILABLE', `${errorCatalogue.WRIT_LOG_UNAVAILABLE.message}: ${(e as Error).message}`);
    }
    metrics.logWriteSeconds.observe(Number(process.hrtime.bigint() - tl) / 1e9);
    metrics.decisionSeconds.observe({ entrypoint: v.entrypointSet.has(entrypoint) ? entrypoint : '(unknown)', outcome }, Number(process.hrtime.bigint() - t0) / 1e9);
    if (failed) {
      metrics.failures.inc({ kind: 'evaluation_error' });
      return errorAnswer('WRIT_EVAL_FAILED', failed, { decision_id, provenance: v.provenance });
    }
    return { status: 200, body: { ...body, decision_id, provenance: v.provenance } };
  }

  /**
   * The end client's identity for a decision. A forwarded token is verified here and its principal replaces whatever the
   * enforcer sent (enforcers never build principals); the session carries the token's expiry. A refusal is a reason to deny.
   */
  async function identify(raw: Record<string, unknown>, token: string | undefined): Promise<{ input: Record<string, unknown>; refusal?: string; token_expires_at?: string }> {
    const session = isObj(raw.session) ? raw.session : undefined;
    if (token === undefined) {
      if (config.identity.require_client_token) return { input: { ...raw, principal: null }, refusal: 'WRIT_TOKEN_REQUIRED: no client_token was forwarded with this decision and identity.require_client_token is set; send the end client\'s token' };
      // A later command of a session opened with a token: the token's expiry (from the first answer) still binds.
      const exp = session?.token_expires_at;
      if (exp === undefined) return { input: raw };
      const expired = sessionExpired(typeof exp === 'string' ? exp : JSON.stringify(exp), now());
      return expired ? { input: raw, refusal: `${expired.code}: ${expired.message}` } : { input: raw };
    }
    const t = now();
    let r = verifiedTokens.get(token, t.getTime());
    if (!r) {
      let v;
      try {
        v = await principalFromToken(token, verifier, { now: t });
      } catch (e) {
        app.log.error(e);
        return { input: { ...raw, principal: null }, refusal: `WRIT_INTERNAL: the client token could not be verified: ${(e as Error).message}` };
      }
      if (!v.ok) return { input: { ...raw, principal: null }, refusal: `${v.error.code}: ${v.error.message}` };
      verifiedTokens.set(token, v, t.getTime());
      r = v;
    }
    return { input: { ...raw, principal: r.principal, session: { ...session, token_expires_at: r.expires_at } }, token_expires_at: r.expires_at };
  }

  /** The active version, taken once: this request evaluates, logs and answers with it even if a swap happens. */
  function activeVersion(): PolicyVersion | Answer {
    const v = store.active.current();
    if (v) return v;
    metrics.failures.inc({ kind: 'no_policy' });
    return errorAnswer('WRIT_NO_POLICY');
  }

  /** POST /v1/decisions, given its caller and parsed body: the answer the route sends (and in-process enforcers get). */
  async function nativeDecision(caller: Caller, body: unknown, t0: bigint): Promise<Answer> {
    if (!isObj(body) || !isObj(body.input)) return errorAnswer('WRIT_BAD_REQUEST', 'the body must be {"input": {...}} (policy contract version 1)');
    const token = body.client_token;
    if (token !== undefined && (typeof token !== 'string' || token === '')) return errorAnswer('WRIT_BAD_REQUEST', "client_token must be the end client's token as a non-empty string (compact JWT)");
    const { input, refusal, token_expires_at } = await identify(body.input, token);
    const v = activeVersion();
    if (!(v instanceof PolicyVersion)) return v;
    const kind = isObj(input.enforcer) && typeof input.enforcer.kind === 'string' ? input.enforcer.kind : undefined;
    const entrypoint = kind !== undefined && Object.hasOwn(config.policies.entrypoints, kind) ? config.policies.entrypoints[kind] : undefined;
    return decide(caller, 'v1/decisions', v, entrypoint ?? '(none)', input, t0, (ev) => {
      let d;
      if (refusal !== undefined) d = { allow: false, reasons: [refusal] };
      else if (input.version !== 1) d = { allow: false, reasons: [`unsupported input version ${JSON.stringify(input.version ?? null)}: writ's policy contract is version 1`] };
      else if (kind === undefined) d = { allow: false, reasons: ['input.enforcer.kind is missing: no entrypoint can be chosen'] };
      else if (entrypoint === undefined) d = { allow: false, reasons: [`no entrypoint is configured for enforcer kind "${kind}" (policies.entrypoints)`] };
      else d = normaliseDecision(entrypoint, ev);
      return { result: d, body: { ...d, ...(token_expires_at !== undefined ? { token_expires_at } : {}) }, outcome: d.allow ? 'allow' : 'deny' };
    });
  }

  app.post('/v1/data/*', { config: { roles: ['enforcer'] } }, async (req, reply) => {
    const t0 = process.hrtime.bigint();
    const body = req.body;
    if (body !== undefined && !isObj(body)) return sendError(reply, 'WRIT_BAD_REQUEST', 'the body must be a JSON object: {"input": ...}');
    const path = (req.params as { '*': string })['*'].split('/').filter((s) => s !== ''); // already URL-decoded by the router
    if (path.length === 0) return sendError(reply, 'WRIT_BAD_REQUEST', 'a data path is required: POST /v1/data/<package>/<rule>');
    if (body?.client_token !== undefined) return sendError(reply, 'WRIT_BAD_REQUEST', 'client_token is verified by POST /v1/decisions only (a data document has no deny to answer a refused token with)');
    const v = activeVersion();
    const a =
      v instanceof PolicyVersion
        ? await decide(req.caller!, 'v1/data', v, path.join('/'), body?.input, t0, (ev) => {
            if (ev.error) return { result: { error: ev.error }, body: {}, outcome: 'error', failed: `evaluation of data.${path.join('.')} failed: ${ev.error}` };
            if (!ev.defined) return { result: undefined, body: {}, outcome: 'undefined' };
            return { result: ev.result, body: { result: ev.result }, outcome: 'defined' };
          })
        : v;
    return reply.code(a.status).send(a.body);
  });

  app.post('/v1/decisions', { config: { roles: ['enforcer'] } }, async (req, reply) => {
    const a = await nativeDecision(req.caller!, req.body, process.hrtime.bigint());
    return reply.code(a.status).send(a.body);
  });

  // Several decisions in one request (a remote enforcer's decisions asked in the same turn): each element is
  // exactly a POST /v1/decisions body and each answer exactly its {status, body}, so one bad element fails alone.
  // The answer leaves once every record is durable (they share the log's group commits).
  app.post('/v1/decisions/batch', { config: { roles: ['enforcer'] } }, async (req, reply) => {
    const t0 = process.hrtime.bigint();
    const body = req.body as { requests?: unknown } | undefined;
    const requests = isObj(body) && Array.isArray(body.requests) ? body.requests : undefined;
    if (!requests || requests.length === 0 || requests.length > MAX_DECISION_BATCH) {
      return sendError(reply, 'WRIT_BAD_REQUEST', `the body must be {"requests": [...]} with 1 to ${MAX_DECISION_BATCH} POST /v1/decisions bodies`);
    }
    const answers = await Promise.all(requests.map((r) => nativeDecision(req.caller!, r, t0)));
    return reply.code(200).send({ answers: answers.map((a) => ({ status: a.status, body: a.body })) });
  });

  // In-process enforcers (writ serve's own): the same function as the route, without HTTP.
  app.decorate('writDecide', (caller: Caller, body: unknown) => nativeDecision(caller, body, process.hrtime.bigint()));

  app.get('/v1/decisions/:id', { config: { roles: ['admin'] } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const rec = logStore.get(id);
    if (!rec) return sendError(reply, 'WRIT_NOT_FOUND', `no decision ${id} in the log`);
    // Canonical text: records may hold integers beyond 2^53 (bigint), which JSON.stringify refuses.
    return reply.type('application/json').send(canonicalJson(rec));
  });

  app.get('/v1/policies', { config: { roles: ['admin'] } }, async () => {
    const v = store.active.current();
    return { active: v ? v.info() : null, history: store.listHistory() };
  });

  // Bundle uploads: the only route taking a non-JSON body, in its own scope.
  void app.register(async (scope) => {
    scope.addContentTypeParser(['application/gzip', 'application/octet-stream', 'application/x-gzip'], { parseAs: 'buffer', bodyLimit: config.limits.bundle_bytes }, (_req, body, done) => done(null, body));
    scope.post('/v1/bundles', { config: { roles: ['admin'] }, bodyLimit: config.limits.bundle_bytes }, async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) return sendError(reply, 'WRIT_UNSUPPORTED_MEDIA_TYPE', 'send the bundle as application/gzip');
      try {
        const v = await store.activateBundle(req.body, req.caller!.name);
        return v.info();
      } catch (e) {
        if (!(e instanceof ActivationError)) throw e;
        metrics.failures.inc({ kind: 'activation_refused' });
        return sendError(reply, 'WRIT_BUNDLE_REFUSED', e.message);
      }
    });
  });

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const v = store.active.current();
    const problems = [...(v ? [] : ['no policy version is active']), ...(log.healthy ? [] : ['the decision log cannot be written'])];
    if (problems.length) return reply.code(503).send({ status: 'not ready', problems });
    return { status: 'ready', revision: v!.revision };
  });
  app.get('/metrics', { config: { roles: ['admin'] } }, async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', async () => openapiDocument);

  void app.register(gitRoutes, { callers, store, metrics, log: opLog });
  void app.register(approvalRoutes, { dataDir: config.data_dir, log, logStore, now });
  void app.register(sessionRoutes, { log, now });
  return app;
}
