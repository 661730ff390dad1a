// writ.yaml: validated once, defaults filled once. Errors name the key and the problem.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { validateIdentityConfig, type IdentityConfig } from '../identity/config.ts';

export type Role = 'enforcer' | 'admin' | 'pusher';

export interface CallerConfig {
  name: string;
  role: Role;
  /** sha256 hex of the bearer token; the token itself is never stored. */
  token_sha256: string;
}

export interface WritConfig {
  listen: { host: string; port: number };
  data_dir: string;
  policies: {
    /** Directory whose Rego seeds the policy repository on first start (and `--watch` reloads). */
    dir: string;
    /** Entrypoint per enforcer kind for POST /v1/decisions. */
    entrypoints: Record<string, string>;
    /** Branch of the hosted repository that is served (pushes elsewhere are stored, not activated). */
    branch: string;
    /** Only bundles signed by verification_key activate (uploads via POST /v1/bundles; git pushes are refused). */
    require_signed_bundles: boolean;
    /** PEM public key (path) that bundle signatures must verify against. */
    verification_key?: string;
    /** OPA's --strict-builtin-errors for the served policy: a failing builtin (e.g. `1 / 0`) aborts the
     *  evaluation with eval_builtin_error / eval_type_error (a deny naming it) instead of being undefined. */
    strict_builtin_errors: boolean;
  };
  /**
   * durability disk: each record is fsync'd before its decision is answered. process: each record is written to the
   * operating system before the answer (it survives writ crashing) and the log is fsync'd every sync_interval_ms
   * (a power loss can lose that window). README, "Decision log durability".
   */
  log: { checkpoint_every: number; checkpoint_seconds: number; durability: 'disk' | 'process'; sync_interval_ms: number };
  callers: CallerConfig[];
  limits: { body_bytes: number; bundle_bytes: number; request_timeout_ms: number };
  /** Trusted issuers of end clients' tokens (src/identity); absent in writ.yaml = no issuers, every client token refused. */
  identity: IdentityConfig;
  /** Enforcers `writ serve` starts in its own process (the same options as `writ enforce <protocol>`). */
  enforcers: { postgres: PostgresEnforcerEntry[] };
}

/** One `enforcers.postgres[]` entry: the flags of `writ enforce postgres`, as YAML keys. Secrets are read at start. */
export interface PostgresEnforcerEntry {
  /** Unique among the enforcers; also input.enforcer.id and the caller name `enforcer:<name>` in the decision log. */
  name: string;
  listen: { host: string; port: number };
  /** writ's own credential for the protected database: at most one of password, password_file, password_env. */
  upstream: { host: string; port: number; user: string; database: string; password?: string; password_file?: string; password_env?: string };
  /** input.resource (name default: the upstream database). */
  resource: { name: string; attributes: Record<string, unknown> };
  /** PEM files offered to clients that ask for TLS. */
  tls?: { cert: string; key: string };
  allow_plaintext: boolean;
  decision_timeout_ms: number;
  mask_hash_key_file?: string;
  /** Record each session under <data_dir>/sessions and seal it into the decision log at close (default true). */
  record_sessions: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`writ.yaml: ${key}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export const defaultEntrypoints: Record<string, string> = {
  postgres: 'writ/postgres/decision',
  ssh: 'writ/ssh/decision',
  http: 'writ/http/decision',
  kubernetes: 'writ/kubernetes/decision',
};

const roles: Role[] = ['enforcer', 'admin', 'pusher'];

function obj(v: unknown, key: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(key, 'must be a mapping');
  return v as Record<string, unknown>;
}

function str(v: unknown, key: string, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v === '') throw new ConfigError(key, 'must be a non-empty string');
  return v;
}

function int(v: unknown, key: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(key, `must be an integer between ${min} and ${max}`);
  return v;
}

function known(o: Record<string, unknown>, key: string, allowed: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new ConfigError(key ? `${key}.${k}` : k, `unknown key (known: ${allowed.join(', ')})`);
}

/** Validate a parsed writ.yaml (or {}), filling defaults. `base` resolves relative paths. */
export function validateConfig(raw: unknown, base = process.cwd()): WritConfig {
  const root = obj(raw, '(root)');
  known(root, '', ['listen', 'data_dir', 'policies', 'log', 'callers', 'limits', 'identity', 'enforcers']);
  const listenText = str(root.listen, 'listen', '127.0.0.1:8181');
  const m = /^(.*):(\d+)$/.exec(listenText);
  if (!m) throw new ConfigError('listen', 'must be host:port');
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError('listen', 'port must be at most 65535');
  const pol = obj(root.policies, 'policies');
  known(pol, 'policies', ['dir', 'entrypoints', 'branch', 'require_signed_bundles', 'verification_key', 'strict_builtin_errors']);
  const eps = obj(pol.entrypoints, 'policies.entrypoints');
  const entrypoints = { ...defaultEntrypoints };
  for (const [k, v] of Object.entries(eps)) entrypoints[k] = str(v, `policies.entrypoints.${k}`, '');
  const log = obj(root.log, 'log');
  known(log, 'log', ['checkpoint_every', 'checkpoint_seconds', 'durability', 'sync_interval_ms']);
  const durability = str(log.durability, 'log.durability', 'disk');
  if (durability !== 'disk' && durability !== 'process') throw new ConfigError('log.durability', 'must be disk (fsync before each answer, the default) or process (written before each answer, fsync every log.sync_interval_ms)');
  const limits = obj(root.limits, 'limits');
  known(limits, 'limits', ['body_bytes', 'bundle_bytes', 'request_timeout_ms']);
  if (root.callers !== undefined && !Array.isArray(root.callers)) throw new ConfigError('callers', 'must be a list');
  const callers = ((root.callers as unknown[]) ?? []).map((c, i) => {
    const key = `callers[${i}]`;
    const o = obj(c, key);
    known(o, key, ['name', 'role', 'token_sha256']);
    const role = str(o.role, `${key}.role`, '');
    if (!roles.includes(role as Role)) throw new ConfigError(`${key}.role`, `must be one of ${roles.join(', ')}`);
    const hash = str(o.token_sha256, `${key}.token_sha256`, '');
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new ConfigError(`${key}.token_sha256`, 'must be 64 lowercase hex characters (sha256 of the token)');
    return { name: str(o.name, `${key}.name`, ''), role: role as Role, token_sha256: hash };
  });
  if (pol.require_signed_bundles !== undefined && typeof pol.require_signed_bundles !== 'boolean') throw new ConfigError('policies.require_signed_bundles', 'must be true or false');
  const requireSigned = pol.require_signed_bundles === true;
  if (pol.strict_builtin_errors !== undefined && typeof pol.strict_builtin_errors !== 'boolean') throw new ConfigError('policies.strict_builtin_errors', 'must be true or false');
  const verificationKey = pol.verification_key === undefined ? undefined : resolve(base, str(pol.verification_key, 'policies.verification_key', ''));
  if (requireSigned && !verificationKey) throw new ConfigError('policies.verification_key', 'is required when policies.require_signed_bundles is true');
  return {
    listen: { host: m[1], port },
    data_dir: resolve(base, str(root.data_dir, 'data_dir', '.writ')),
    policies: {
      dir: resolve(base, str(pol.dir, 'policies.dir', 'policies')),
      entrypoints,
      branch: branchName(str(pol.branch, 'policies.branch', 'main')),
      require_signed_bundles: requireSigned,
      verification_key: verificationKey,
      strict_builtin_errors: pol.strict_builtin_errors === true,
    },
    log: {
      checkpoint_every: int(log.checkpoint_every, 'log.checkpoint_every', 1000, 1, 10_000_000),
      checkpoint_seconds: int(log.checkpoint_seconds, 'log.checkpoint_seconds', 60, 0, 86_400),
      durability,
      sync_interval_ms: int(log.sync_interval_ms, 'log.sync_interval_ms', 200, 1, 10_000),
    },
    callers,
    limits: {
      body_bytes: int(limits.body_bytes, 'limits.body_bytes', 1 << 20, 1024, 64 << 20),
      bundle_bytes: int(limits.bundle_bytes, 'limits.bundle_bytes', 32 << 20, 1024, 512 << 20),
      request_timeout_ms: int(limits.request_timeout_ms, 'limits.request_timeout_ms', 10_000, 100, 600_000),
    },
    identity: validateIdentityConfig(root.identity),
    enforcers: validateEnforcers(root.enforcers, base),
  };
}

function bool(v: unknown, key: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(key, 'must be true or false');
  return v;
}

function hostPort(v: unknown, key: string, dflt?: string): { host: string; port: number } {
  const text = str(v, key, dflt ?? '');
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new ConfigError(key, `must be host:port, got ${JSON.stringify(text)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) };
}

/** `enforcers:` -> one list per protocol (only postgres so far). */
function validateEnforcers(raw: unknown, base: string): WritConfig['enforcers'] {
  const e = obj(raw, 'enforcers');
  known(e, 'enforcers', ['postgres']);
  if (e.postgres !== undefined && !Array.isArray(e.postgres)) throw new ConfigError('enforcers.postgres', 'must be a list');
  const list = ((e.postgres as unknown[]) ?? []).map((x, i) => postgresEntry(x, `enforcers.postgres[${i}]`, base));
  const names = new Set<string>();
  const listens = new Map<string, string>();
  list.forEach((p, i) => {
    if (names.has(p.name)) throw new ConfigError(`enforcers.postgres[${i}].name`, `"${p.name}" is used by another enforcer`);
    names.add(p.name);
    const at = `${p.listen.host}:${p.listen.port}`;
    if (p.listen.port !== 0 && listens.has(at)) throw new ConfigError(`enforcers.postgres[${i}].listen`, `${at} is also the listen address of enforcer "${listens.get(at)}"`);
    listens.set(at, p.name);
  });
  return { postgres: list };
}

function postgresEntry(raw: unknown, key: string, base: string): PostgresEnforcerEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(key, 'must be a mapping');
  const o = raw as Record<string, unknown>;
  known(o, key, ['name', 'listen', 'upstream', 'resource', 'tls', 'allow_plaintext', 'decision_timeout_ms', 'mask_hash_key_file', 'record_sessions']);
  if (o.name === undefined) throw new ConfigError(`${key}.name`, 'is required (names the enforcer in messages and the log)');
  const name = str(o.name, `${key}.name`, '');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ConfigError(`${key}.name`, 'must be 1 to 64 letters, digits, ".", "_" or "-"');
  if (o.upstream === undefined) throw new ConfigError(`${key}.upstream`, 'is required (postgres://USER@HOST:PORT/DB, or a mapping with host, port, user, database)');
  const upstream = postgresUpstream(o.upstream, `${key}.upstream`, base);
  let resource = { name: upstream.database, attributes: {} as Record<string, unknown> };
  if (typeof o.resource === 'string') resource.name = str(o.resource, `${key}.resource`, '');
  else if (o.resource !== undefined) {
    const r = obj(o.resource, `${key}.resource`);
    known(r, `${key}.resource`, ['name', 'attributes']);
    resource = { name: str(r.name, `${key}.resource.name`, upstream.database), attributes: obj(r.attributes, `${key}.resource.attributes`) };
  }
  let tls: PostgresEnforcerEntry['tls'];
  if (o.tls !== undefined) {
    const t = obj(o.tls, `${key}.tls`);
    known(t, `${key}.tls`, ['cert', 'key']);
    if (t.cert === undefined || t.key === undefined) throw new ConfigError(`${key}.tls`, 'needs both cert and key (PEM files)');
    tls = { cert: resolve(base, str(t.cert, `${key}.tls.cert`, '')), key: resolve(base, str(t.key, `${key}.tls.key`, '')) };
  }
  return {
    name,
    listen: hostPort(o.listen, `${key}.listen`, '127.0.0.1:6432'),
    upstream,
    resource,
    tls,
    allow_plaintext: bool(o.allow_plaintext, `${key}.allow_plaintext`, false),
    decision_timeout_ms: int(o.decision_timeout_ms, `${key}.decision_timeout_ms`, 500, 1, 600_000),
    mask_hash_key_file: o.mask_hash_key_file === undefined ? undefined : resolve(base, str(o.mask_hash_key_file, `${key}.mask_hash_key_file`, '')),
    record_sessions: bool(o.record_sessions, `${key}.record_sessions`, true),
  };
}

/** The upstream as `writ enforce postgres --upstream` takes it (a URL) or as a mapping; one password source at most. */
function postgresUpstream(raw: unknown, key: string, base: string): PostgresEnforcerEntry['upstream'] {
  let u: Record<string, unknown>;
  if (typeof raw === 'string') {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(key, `not a URL: ${raw} (expected postgres://USER@HOST:PORT/DB)`);
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new ConfigError(key, `expected postgres://USER@HOST:PORT/DB, got ${raw}`);
    if (url.password) throw new ConfigError(key, 'holds a password: use password_file or password_env in the mapping form instead');
    u = { host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: url.port ? Number(url.port) : 5432, user: decodeURIComponent(url.username) || undefined, database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined };
  } else {
    u = obj(raw, key);
    known(u, key, ['host', 'port', 'user', 'database', 'password', 'password_file', 'password_env']);
  }
  if (u.user === undefined) throw new ConfigError(`${key}.user`, "is required (writ's own user on the protected database)");
  if (u.database === undefined) throw new ConfigError(`${key}.database`, 'is required');
  const sources = ['password', 'password_file', 'password_env'].filter((k) => u[k] !== undefined);
  if (sources.length > 1) throw new ConfigError(key, `give one of password, password_file, password_env, not ${sources.join(' and ')}`);
  const passwordEnv = u.password_env === undefined ? undefined : str(u.password_env, `${key}.password_env`, '');
  if (passwordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordEnv)) throw new ConfigError(`${key}.password_env`, 'must be the name of an environment variable');
  return {
    host: str(u.host, `${key}.host`, '127.0.0.1'),
    port: int(u.port, `${key}.port`, 5432, 1, 65535),
    user: str(u.user, `${key}.user`, ''),
    database: str(u.database, `${key}.database`, ''),
    password: u.password === undefined ? undefined : str(u.password, `${key}.password`, ''),
    password_file: u.password_file === undefined ? undefined : resolve(base, str(u.password_file, `${key}.password_file`, '')),
    password_env: passwordEnv,
  };
}

function branchName(b: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(b) || b.includes('..') || b.startsWith('/') || b.endsWith('/')) throw new ConfigError('policies.branch', 'must be a plain branch name');
  return b;
}

export function loadConfigFile(path: string): WritConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('(file)', `cannot read ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new ConfigError('(file)', `not YAML: ${(e as Error).message}`);
  }
  return validateConfig(raw ?? {}, resolve(path, '..'));
}
