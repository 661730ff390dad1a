// The decision client: one interface over two transports (in-process, HTTP), with a timeout, that
// FAILS CLOSED: any failure to get a valid, logged decision becomes a deny with a clear message.
import http from 'node:http';
import https from 'node:https';
import type { Registry } from 'prom-client';
import { checkDecision, type EnforcerDecision, type FailReason } from './contract.ts';
import { failClosedCounter } from './metrics.ts';
import { MAX_DECISION_BATCH } from '../../src/service/batch.ts';

/** What a transport hands back: an HTTP-like status and the body (text to parse, or a value already parsed). */
export interface TransportAnswer {
  status: number;
  body: string | unknown;
  /** True when `body` is raw text that must be parsed as JSON. */
  text?: boolean;
}

/** What goes with the input: the end client's token, forwarded for the service to verify (DESIGN.md section 4). */
export interface DecideOptions {
  clientToken?: string;
}

/** Sends one decision request; must honour `signal` where it can (the client also stops waiting on its own). */
export type Transport = (input: unknown, signal: AbortSignal, opts?: DecideOptions) => Promise<TransportAnswer>;

export interface DecisionClient {
  /** Never rejects: every failure is a deny decision with `failClosed` set. */
  decide(input: unknown, opts?: DecideOptions): Promise<EnforcerDecision>;
}

export interface DecisionClientOptions {
  transport: Transport;
  /** Default 500 ms. */
  timeoutMs?: number;
  /** Registry of writ_enforcer_fail_closed_total (default: prom-client's default registry). */
  registry?: Registry;
}

/** A transport error with its fail-closed classification (the transports throw these). */
export class TransportError extends Error {
  constructor(
    readonly reason: FailReason,
    message: string,
  ) {
    super(message);
  }
}

// Transports that never read their signal (in process: nothing to abort): they get one signal that never aborts,
// instead of an AbortController per decision.
const signalFree = new WeakSet<Transport>();
const NEVER_ABORTED = new AbortController().signal;

// Clients made here, with their timeout: a caller that guards deciders with a longer timeout of its own need not.
const clientTimeouts = new WeakMap<DecisionClient, number>();

/**
 * The timeout of a client made by createDecisionClient (its decide() never rejects and answers within it, failing
 * closed); undefined for any other decider.
 */
export function decisionClientTimeout(decider: unknown): number | undefined {
  return typeof decider === 'object' && decider !== null ? clientTimeouts.get(decider as DecisionClient) : undefined;
}

export function createDecisionClient(opts: DecisionClientOptions): DecisionClient {
  const timeoutMs = opts.timeoutMs ?? 500;
  const counter = failClosedCounter(opts.registry);
  const transport = opts.transport;
  const needsSignal = !signalFree.has(transport);

  function failClosed(reason: FailReason, what: string): EnforcerDecision {
    counter.inc({ reason });
    const message = `writ: ${what}; denied`;
    return { allow: false, reasons: [message], failClosed: { reason, message } };
  }

  // One timer per decision: whichever comes first, the transport's answer or the timeout, settles it; an answer
  // after the timeout is ignored (in-process transports cannot be aborted), and the signal aborts the others.
  function ask(input: unknown, dopts?: DecideOptions): Promise<TransportAnswer> {
    return new Promise<TransportAnswer>((resolve, reject) => {
      const ac = needsSignal ? new AbortController() : undefined;
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        ac?.abort();
        reject(new TransportError('timeout', `decision service unavailable (timeout after ${timeoutMs} ms)`));
      }, timeoutMs);
      const answered = (a: TransportAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(a);
      };
      const failed = (e: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e);
      };
      try {
        Promise.resolve(transport(input, ac?.signal ?? NEVER_ABORTED, dopts)).then(answered, failed);
      } catch (e) {
        failed(e);
      }
    });
  }

  const client: DecisionClient = {
    async decide(input: unknown, dopts?: DecideOptions): Promise<EnforcerDecision> {
      let ans: TransportAnswer;
      try {
        ans = await ask(input, dopts);
      } catch (e) {
        if (e instanceof TransportError) return failClosed(e.reason, e.message);
        return failClosed('internal', `decision client failed (${(e as Error)?.message ?? String(e)})`);
      }
      if (ans.status !== 200) return failClosed(...classifyStatus(ans));
      let body = ans.body;
      if (ans.text) {
        const t = String(body ?? '');
        if (t.trim() === '') return failClosed('undefined', 'policy decision undefined (empty answer from the decision service)');
        try {
          body = JSON.parse(t);
        } catch {
          return failClosed('malformed', 'decision service answered malformed JSON');
        }
      }
      const c = checkDecision(body);
      if ('problem' in c) {
        if (c.undefinedResult) return failClosed('undefined', 'policy decision undefined');
        return failClosed('contract', `decision outside the contract (${c.problem})`);
      }
      return c.decision;
    },
  };
  clientTimeouts.set(client, timeoutMs);
  return client;
}

/** Error codes and messages the service sends in its error bodies: {code, message}. */
function errorBody(a: TransportAnswer): { code?: string; message?: string } {
  let b = a.body;
  if (a.text && typeof b === 'string') {
    try {
      b = JSON.parse(b);
    } catch {
      return {};
    }
  }
  if (typeof b !== 'object' || b === null) return {};
  const r = b as Record<string, unknown>;
  return { code: typeof r.code === 'string' ? r.code : undefined, message: typeof r.message === 'string' ? r.message : undefined };
}

function classifyStatus(a: TransportAnswer): [FailReason, string] {
  const { code } = errorBody(a);
  const tag = `HTTP ${a.status}${code ? ` ${code}` : ''}`;
  if (code === 'WRIT_LOG_UNAVAILABLE') return ['log_unavailable', `decision log unavailable, the decision could not be recorded (${tag})`];
  if (a.status === 401) return ['unauthorized', `this enforcer is not authenticated by the decision service (${tag})`];
  if (a.status === 403) return ['forbidden', `this enforcer is not allowed to ask the decision service (${tag})`];
  if (a.status >= 500) return ['server_error', `decision service unavailable (${tag})`];
  if (a.status >= 400) return ['bad_request', `decision service refused the request (${tag})`];
  return ['malformed', `decision service answered with unexpected status (${tag})`];
}

// ---- transports ----

/** The POST /v1/decisions body: the input, and the end client's token when forwarded. */
function requestBody(input: unknown, dopts?: DecideOptions): { input: unknown; client_token?: string } {
  return dopts?.clientToken !== undefined ? { input, client_token: dopts.clientToken } : { input };
}

/** The service's evaluate call in the same process: returns the POST /v1/decisions body for an input (and forwarded token). */
export type EvaluateFn = (input: unknown, opts?: DecideOptions) => unknown | Promise<unknown>;

export function inProcessTransport(evaluate: EvaluateFn): Transport {
  return signalFreeTransport(async (input, _signal, dopts) => {
    try {
      return { status: 200, body: await evaluate(input, dopts) };
    } catch (e) {
      // A thrown LogUnavailableError (code WRIT_LOG_UNAVAILABLE) is the in-process 503.
      const code = (e as { code?: unknown })?.code;
      if (code === 'WRIT_LOG_UNAVAILABLE') return { status: 503, body: { code } };
      throw new TransportError('internal', `decision service failed in process (${(e as Error)?.message ?? String(e)})`);
    }
  });
}

function signalFreeTransport(t: Transport): Transport {
  signalFree.add(t);
  return t;
}

/**
 * The decision service's own POST /v1/decisions in this process (the app's writDecide): the route's code,
 * authentication aside, without HTTP. The body goes through JSON as it would over HTTP, so the service
 * never holds objects the enforcer may change later.
 */
export function serviceTransport(decide: (body: unknown) => Promise<{ status: number; body: unknown }>): Transport {
  return signalFreeTransport(async (input, _signal, dopts) => {
    let body: unknown;
    try {
      body = jsonCopy(requestBody(input, dopts));
    } catch (e) {
      throw new TransportError('internal', `the decision request is not JSON (${(e as Error).message})`);
    }
    try {
      const a = await decide(body);
      return { status: a.status, body: a.body };
    } catch (e) {
      throw new TransportError('internal', `decision service failed in process (${(e as Error)?.message ?? String(e)})`);
    }
  });
}

const NOT_PLAIN = Symbol('not plain JSON data');
// Deeper than this (or cyclic) goes through JSON itself, which copies or refuses it.
const PLAIN_COPY_DEPTH = 64;

/**
 * JSON.parse(JSON.stringify(v)), several times cheaper for what decision requests are: plain objects, arrays,
 * strings, finite numbers, booleans and null are copied directly; anything JSON would change or refuse (undefined,
 * functions, NaN, -0, toJSON, class instances, holes, cycles, BigInt ...) sends the whole value through JSON.
 */
export function jsonCopy(v: unknown): unknown {
  const c = plainCopy(v, 0);
  return c === NOT_PLAIN ? JSON.parse(JSON.stringify(v)) : c;
}

function plainCopy(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? v : NOT_PLAIN;
    case 'object': {
      if (v === null) return null;
      if (depth >= PLAIN_COPY_DEPTH) return NOT_PLAIN;
      const proto = Object.getPrototypeOf(v);
      if (Array.isArray(v)) {
        if (proto !== Array.prototype) return NOT_PLAIN;
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) return NOT_PLAIN;
          const c = plainCopy(v[i], depth + 1);
          if (c === NOT_PLAIN) return NOT_PLAIN;
          out[i] = c;
        }
        return out;
      }
      if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN;
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        const c = plainCopy(o[k], depth + 1);
        if (c === NOT_PLAIN) return NOT_PLAIN;
        // JSON.parse makes "__proto__" an own data property; an assignment would set the prototype.
        if (k in Object.prototype) Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
        else out[k] = c;
      }
      return out;
    }
    default:
      return NOT_PLAIN;
  }
}

export interface HttpTransportOptions {
  /** Base URL of the decision service, e.g. http://127.0.0.1:8181 */
  url: string;
  /** The enforcer's bearer token (role enforcer). */
  token: string;
  /** Largest answer read (default 1 MiB): a runaway body is malformed, not a memory problem. */
  maxBytes?: number;
  /** A connection silent this long is closed, idle or waiting for an answer (default 30,000 ms). */
  idleTimeoutMs?: number;
  /** Connections kept open to the service (default 64): one per decision in flight. */
  maxSockets?: number;
  /** Decisions asked in the same event-loop turn sent in one POST /v1/decisions/batch, at most this many (default 64; 1: never). */
  maxBatch?: number;
  /** CA certificates (PEM) for an https service with a private CA. */
  ca?: string | Buffer;
}

/**
 * POST /v1/decisions over HTTP/1.1 with keep-alive connections (node:http, not fetch: about a third of the CPU
 * per request, which an enforcer pays once per statement). Idle connections close after 30 s, before the
 * service's keep-alive timeout would close them under a request; a request that fails at once on a reused
 * connection the service had just closed (ECONNRESET before any answer) is sent once more on a new one.
 */
export function httpTransport(opts: HttpTransportOptions): Transport {
  const endpoint = new URL(serviceUrl(opts.url, 'v1/decisions'));
  const secure = endpoint.protocol === 'https:';
  if (!secure && endpoint.protocol !== 'http:') throw new Error(`decision service URL must be http:// or https:// (got ${endpoint.protocol})`);
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 64, scheduling: 'lifo' as const, timeout: idleMs };
  const agent = secure ? new https.Agent({ ...agentOpts, ...(opts.ca ? { ca: opts.ca } : {}) }) : new http.Agent(agentOpts);
  const send = secure ? https.request : http.request;
  const maxBytes = opts.maxBytes ?? 1 << 20;
  const authorization = `Bearer ${opts.token}`;

  const once = (body: string, signal: AbortSignal, url: URL = endpoint): Promise<TransportAnswer> =>
    new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      const req = send(
        url,
        {
          method: 'POST',
          agent,
          signal,
          headers: { authorization, 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let n = 0;
          res.on('data', (c: Buffer) => {
            n += c.length;
            if (n > maxBytes) {
              fail(new TransportError('malformed', `decision service answer larger than ${maxBytes} bytes`));
              res.destroy();
              return;
            }
            chunks.push(c);
          });
          res.on('error', (e) => fail(networkError(e, signal)));
          res.on('aborted', () => fail(networkError(new Error('the answer was cut off'), signal)));
          res.on('end', () => {
            if (settled) return;
            settled = true;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks, n).toString('utf8'), text: true });
          });
        },
      );
      // The agent's socket timeout: a request nothing aborts (a batch) must not hold its connection forever.
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${idleMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (!settled && req.reusedSocket && e.code === 'ECONNRESET' && !signal.aborted) {
          settled = true;
          resolve(RETRY);
          return;
        }
        fail(networkError(e, signal));
      });
      req.end(body);
    });

  /** One request, sent once more when it met a stale keep-alive connection. */
  const post = async (body: string, signal: AbortSignal, url: URL = endpoint): Promise<TransportAnswer> => {
    const a = await once(body, signal, url);
    if (a !== RETRY) return a;
    const b = await once(body, signal, url);
    if (b === RETRY) throw networkError(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }), signal);
    return b;
  };

  // Batching: decisions asked in the same turn of the event loop (several client sessions' statements read in one
  // poll) go in one POST /v1/decisions/batch; a lone one goes to POST /v1/decisions as before. A service without
  // the batch route (404) gets single requests from then on.
  const batchUrl = new URL(serviceUrl(opts.url, 'v1/decisions/batch'));
  const maxBatch = Math.max(1, Math.min(opts.maxBatch ?? MAX_DECISION_BATCH, MAX_DECISION_BATCH));
  let batching = maxBatch > 1;
  const queue: Array<{ body: string; signal: AbortSignal; resolve: (a: TransportAnswer) => void; reject: (e: unknown) => void }> = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    while (queue.length) {
      // At most maxBatch elements and BATCH_BYTES of bodies a request (the service's body limit is 1 MiB by default).
      let n = 0;
      let bytes = 0;
      while (n < queue.length && n < maxBatch && (n === 0 || bytes + queue[n]!.body.length <= BATCH_BYTES)) bytes += queue[n++]!.body.length;
      const items = queue.splice(0, n);
      if (items.length === 1 || !batching) {
        for (const i of items) post(i.body, i.signal).then(i.resolve, i.reject);
        continue;
      }
      // Each element keeps its own timeout in the decision client; the shared request is not aborted by one of them.
      post(`{"requests":[${items.map((i) => i.body).join(',')}]}`, NO_SIGNAL, batchUrl).then(
        (a) => {
          if (a.status === 404) {
            batching = false;
            for (const i of items) post(i.body, i.signal).then(i.resolve, i.reject);
            return;
          }
          // Refused as a whole (401, 403, 413, 5xx ...): that answer is each element's.
          if (a.status !== 200) return items.forEach((i) => i.resolve(a));
          let answers: unknown;
          try {
            answers = (JSON.parse(String(a.body)) as { answers?: unknown }).answers;
          } catch {
            answers = undefined;
          }
          if (!Array.isArray(answers) || answers.length !== items.length) {
            const e = new TransportError('malformed', 'decision service answered a batch with a malformed body');
            return items.forEach((i) => i.reject(e));
          }
          items.forEach((i, k) => {
            const x = answers[k] as { status?: unknown; body?: unknown } | null;
            if (typeof x !== 'object' || x === null || typeof x.status !== 'number') i.reject(new TransportError('malformed', 'decision service answered a batch element without a status'));
            else i.resolve({ status: x.status, body: x.body });
          });
        },
        (e) => items.forEach((i) => i.reject(e)),
      );
    }
  };

  return (input, signal, dopts) => {
    let body: string;
    try {
      body = JSON.stringify(requestBody(input, dopts));
    } catch (e) {
      return Promise.reject(new TransportError('internal', `the input cannot be sent as JSON (${(e as Error).message})`));
    }
    if (!batching) return post(body, signal);
    return new Promise((resolve, reject) => {
      queue.push({ body, signal, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  };
}

/** Bodies in one batch request, at most (the service's default body limit is 1 MiB). */
const BATCH_BYTES = 256 * 1024;
const NO_SIGNAL = new AbortController().signal;

/** A stale keep-alive connection: the request is sent again on a fresh one. */
const RETRY: TransportAnswer = { status: -1, body: '' };

/** A route under the service's base URL, keeping any path prefix (a service behind a reverse proxy at /writ/). */
export function serviceUrl(base: string, route: string): string {
  return new URL(route, base.endsWith('/') ? base : `${base}/`).toString();
}

function networkError(e: unknown, signal: AbortSignal): TransportError {
  if (signal.aborted) return new TransportError('timeout', 'decision service unavailable (request aborted)');
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const code = (e as { code?: string })?.code ?? cause?.code;
  const detail = code === 'ECONNREFUSED' ? 'connection refused' : code ? code : (cause?.message ?? (e as Error)?.message ?? String(e));
  return new TransportError('unavailable', `decision service unavailable (${detail})`);
}

