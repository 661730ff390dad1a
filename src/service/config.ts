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
  log: { checkpoint_every: number; checkpoint_seconds: number };
  callers: CallerConfig[];
  limits: { body_bytes: number; bundle_bytes: number; request_timeout_ms: number };
  /** Trusted issuers of end clients' tokens (src/identity); absent in writ.yaml = no issuers, every client token refused. */
  identity: IdentityConfig;
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
  known(root, '', ['listen', 'data_dir', 'policies', 'log', 'callers', 'limits', 'identity']);
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
  known(log, 'log', ['checkpoint_every', 'checkpoint_seconds']);
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
    },
    callers,
    limits: {
      body_bytes: int(limits.body_bytes, 'limits.body_bytes', 1 << 20, 1024, 64 << 20),
      bundle_bytes: int(limits.bundle_bytes, 'limits.bundle_bytes', 32 << 20, 1024, 512 << 20),
      request_timeout_ms: int(limits.request_timeout_ms, 'limits.request_timeout_ms', 10_000, 100, 600_000),
    },
    identity: validateIdentityConfig(root.identity),
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
