// Test harness for the PostgreSQL enforcer: a loopback OIDC issuer, the shipped policies/postgres.rego evaluated
// in process behind enforcers/common's decision client, the enforcer in front of the real PostgreSQL on
// 127.0.0.1:5432, the real psql, and a schema of its own per test run.
import { spawn } from 'node:child_process';
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
export async function policyEvaluator(log: Recorded[]): Promise<(input: unknown) => unknown> {
  const tree = loadPolicyTree(['policies']);
  const r = compile(tree.rego, { query: 'd := data.writ.postgres.decision' });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const policy = await loadCompiled(r.wasm!);
  policy.setData(tree.data);
  const sha = createHash('sha256').update(r.wasm!).digest('hex');
  const ep = r.entrypoints.indexOf('eval');
  return (input) => {
    const rows = policy.evaluate(input, ep) as Array<{ d: Record<string, unknown> }>;
    const decision = { ...rows[0]!.d, decision_id: randomUUID(), provenance: { revision: 'working-tree', bundle_sha256: sha } };
    log.push({ input: input as Record<string, any>, decision });
    return decision;
  };
}

export interface Harness {
  issuer: TestIssuer;
  enforcer: PostgresEnforcer;
  port: number;
  log: Recorded[];
  token(groups: string[], opts?: { sub?: string; expiresIn?: number; iatOffset?: number }): Promise<string>;
  stop(): Promise<void>;
}

export async function startHarness(opts: { decider?: Decider; tls?: SecureContext; config?: Partial<PostgresEnforcerConfig>; host?: string } = {}): Promise<Harness> {
  const issuer = await TestIssuer.start();
  await issuer.addKey('k1', 'ES256');
  const verifier = new TokenVerifier(
    validateIdentityConfig({ issuers: [{ name: 'ci', preset: 'oidc', issuer: issuer.base, audiences: ['writ'], jwks_url: issuer.jwksUrl, principal_type: 'ci_job', groups_claim: 'groups' }] }),
  );
  const log: Recorded[] = [];
  const decider = opts.decider ?? createDecisionClient({ transport: inProcessTransport(await policyEvaluator(log)), registry: new Registry(), timeoutMs: 2000 });
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
    async token(groups, o = {}) {
      const now = Math.floor(Date.now() / 1000) + (o.iatOffset ?? 0);
      return issuer.sign({ iss: issuer.base, aud: 'writ', sub: o.sub ?? 'job-1', groups, iat: now - 10, nbf: now - 10, exp: now + (o.expiresIn ?? 600) }, 'k1');
    },
    async stop() {
      await enforcer.close();
      await issuer.stop();
    },
  };
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
