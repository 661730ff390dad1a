// Test harness for the PostgreSQL enforcer: a loopback OIDC issuer (CI jobs, service principals, users), the shipped
// policies/postgres.rego evaluated in process behind enforcers/common's decision client, the enforcer in front of the
// real PostgreSQL on 127.0.0.1:5432, the real psql, and a schema of its own per test run (the CI job's own schema).
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID, createHash } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import pg from 'pg';
import { Registry } from 'prom-client';
import { compile, loadCompiled } from '../../../opa/index.ts';
import { loadPolicyTree } from '../../../src/files.ts';
import { TokenVerifier, validateIdentityConfig } from '../../../src/identity/index.ts';
import { createDecisionClient, inProcessTransport } from '../../../enforcers/common/index.ts';
import { PostgresEnforcer, type Decider, type PostgresEnforcerConfig } from '../../../enforcers/postgres/index.ts';
import { TestIssuer } from '../../identity/issuer.ts';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };

export interface Recorded {
  input: Record<string, any>;
  decision: Record<string, any>;
}

/** The shipped policy, compiled once per test file; each answer gets a decision id and the policy's provenance. */
export async function policyEvaluator(log: Recorded[], postgresConfig: Record<string, unknown> = {}): Promise<(input: unknown) => unknown> {
  const tree = loadPolicyTree(['policies']);
  const r = compile(tree.rego, { query: 'd := data.writ.postgres.decision' });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const policy = await loadCompiled(r.wasm!);
  // What a deployment ships in writ/config/postgres/data.json of its policy repository.
  policy.setData({ ...tree.data, writ: { ...((tree.data.writ as object) ?? {}), config: { postgres: postgresConfig } } });
  const sha = createHash('sha256').update(r.wasm!).digest('hex');
  const ep = r.entrypoints.indexOf('eval');
  return (input) => {
    const rows = policy.evaluate(input, ep) as Array<{ d: Record<string, unknown> }>;
    const decision = { ...rows[0]!.d, decision_id: randomUUID(), provenance: { revision: 'working-tree', bundle_sha256: sha } };
    log.push({ input: input as Record<string, any>, decision });
    return decision;
  };
}

/** The repository claim of the harness's CI job tokens (as GitHub Actions tokens carry one). */
export const CI_REPOSITORY = 'writ-tests/app';

/** Kinds of principal the harness issues tokens for: one loopback issuer path per principal type. */
export type PrincipalKind = 'ci_job' | 'service_principal' | 'user';
const issuerPaths: Record<PrincipalKind, string> = { ci_job: '', service_principal: '/apps', user: '/people' };
const issuerNames: Record<PrincipalKind, string> = { ci_job: 'ci', service_principal: 'apps', user: 'people' };

/** The identity issuers (writ.yaml `identity.issuers`) that trust the harness's tokens of every kind. */
export function harnessIssuers(issuer: TestIssuer): Array<Record<string, unknown>> {
  return (Object.keys(issuerPaths) as PrincipalKind[]).map((kind) => ({
    name: issuerNames[kind],
    preset: 'oidc',
    issuer: issuer.base + issuerPaths[kind],
    audiences: ['writ'],
    jwks_url: issuer.jwksUrl,
    principal_type: kind,
    groups_claim: 'groups',
  }));
}

/**
 * data.writ.config.postgres for the harness: the CI job tokens' repository owns `ciSchema` (the policy's
 * ci_schemas_by_repository, trusted from the loopback issuer), plus `extra`.
 */
export function harnessPolicyConfig(issuer: TestIssuer, ciSchema?: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ci_repository_issuers: [issuer.base],
    ci_schemas_by_repository: ciSchema ? { [CI_REPOSITORY]: ciSchema } : {},
    ...extra,
  };
}

/** A copy of policies/ with `postgresConfig` as writ/config/postgres/data.json, for a decision service to load. */
export function policiesWithConfig(postgresConfig: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'writ-pg-pol-'));
  cpSync('policies', dir, { recursive: true });
  mkdirSync(join(dir, 'writ', 'config', 'postgres'), { recursive: true });
  writeFileSync(join(dir, 'writ', 'config', 'postgres', 'data.json'), JSON.stringify(postgresConfig, null, 2));
  return dir;
}

export interface TokenOptions {
  sub?: string;
  expiresIn?: number;
  iatOffset?: number;
  /** Principal type of the token's issuer (default ci_job). */
  kind?: PrincipalKind;
  /** CI job tokens: the repository claim (default CI_REPOSITORY). */
  repository?: string;
}

export interface Harness {
  issuer: TestIssuer;
  enforcer: PostgresEnforcer;
  port: number;
  log: Recorded[];
  /** A token of a CI job (default), a service principal or a user, in these groups. */
  token(groups: string[], opts?: TokenOptions): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `ciSchema`: the schema the harness's CI job tokens own (policy data ci_schemas_by_repository); `policyConfig`:
 * more of data.writ.config.postgres. Both only for the in-process policy (no `decider`).
 */
export async function startHarness(
  opts: { decider?: Decider; tls?: SecureContext; config?: Partial<PostgresEnforcerConfig>; host?: string; ciSchema?: string; policyConfig?: Record<string, unknown> } = {},
): Promise<Harness> {
  const issuer = await TestIssuer.start();
  await issuer.addKey('k1', 'ES256');
  const verifier = new TokenVerifier(validateIdentityConfig({ issuers: harnessIssuers(issuer) }));
  const log: Recorded[] = [];
  const decider =
    opts.decider ??
    createDecisionClient({ transport: inProcessTransport(await policyEvaluator(log, harnessPolicyConfig(issuer, opts.ciSchema, opts.policyConfig))), registry: new Registry(), timeoutMs: 2000 });
  const enforcer = new PostgresEnforcer({
    upstream: { host: PG.host, port: PG.port, user: PG.user, database: PG.database },
    decider,
    verifier,
    resourceName: 'test-db',
    tls: opts.tls,
    ...opts.config,
  });
  const addr = await enforcer.listen(0, opts.host ?? '127.0.0.1');
  return {
    issuer,
    enforcer,
    port: addr.port,
    log,
    token(groups, o = {}) {
      return harnessToken(issuer, groups, o);
    },
    async stop() {
      await enforcer.close();
      await issuer.stop();
    },
  };
}

/** A token from the harness's loopback issuer (see harnessIssuers for the principal types). */
export function harnessToken(issuer: TestIssuer, groups: string[], o: TokenOptions = {}): Promise<string> {
  const kind = o.kind ?? 'ci_job';
  const now = Math.floor(Date.now() / 1000) + (o.iatOffset ?? 0);
  const claims: Record<string, unknown> = { iss: issuer.base + issuerPaths[kind], aud: 'writ', sub: o.sub ?? 'job-1', groups, iat: now - 10, nbf: now - 10, exp: now + (o.expiresIn ?? 600) };
  if (kind === 'ci_job') claims.repository = o.repository ?? CI_REPOSITORY;
  return issuer.sign(claims, 'k1');
}

export interface PsqlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real psql against the enforcer; the token is the password. */
export function psql(port: number, token: string, sql: string, extra: string[] = [], env: Record<string, string> = {}, host = '127.0.0.1', input = ''): Promise<PsqlResult> {
  return new Promise((resolve) => {
    const p = spawn('psql', ['-h', host, '-p', String(port), '-U', 'ci', '-d', 'test', '-X', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', ...extra, '-c', sql], {
      env: { ...process.env, PGPASSWORD: token, PGSSLMODE: 'disable', PGGSSENCMODE: 'disable', PGCONNECT_TIMEOUT: '10', ...env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.on('error', () => undefined);
    p.stdin.end(input);
  });
}

/** A node-postgres client through the enforcer. */
export async function pgClient(port: number, token: string, extra: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'ci', database: 'test', password: token, ...extra });
  await c.connect();
  return c;
}

/** Direct admin connection to PostgreSQL (fixtures only, never through writ). */
export async function direct<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(PG);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A schema of this run's own with a people table holding PII. */
export async function createSchema(): Promise<string> {
  const schema = `writ_pg_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  await direct(async (c) => {
    await c.query(`create schema ${schema}`);
    await c.query(`create table ${schema}.people (id int primary key, name text, email text, note text, phone text)`);
    await c.query(`insert into ${schema}.people values (1, 'Alice', 'alice@example.com', 'call me', '+1 415 555 0100'), (2, 'Bob', 'bob.smith@example.org', 'reach bob at bob@corp.example', '+44 20 7946 0958')`);
  });
  return schema;
}

export async function dropSchema(schema: string): Promise<void> {
  await direct((c) => c.query(`drop schema if exists ${schema} cascade`));
}
