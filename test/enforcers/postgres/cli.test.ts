// `writ enforce postgres` as a process in front of the real PostgreSQL, deciding through a real `writ serve`
// (HTTP API, the shipped policies, the decision log): psql allowed, denied, and the logged decision fetched back.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestIssuer } from '../../identity/issuer.ts';
import { CI_REPOSITORY, createSchema, dropSchema, harnessPolicyConfig, policiesWithConfig, psql } from './harness.ts';

const root = resolve(import.meta.dirname, '../../..');
const writ = join(root, 'bin/writ.js');

function start(args: string[], ready: RegExp): Promise<{ p: ChildProcess; match: RegExpExecArray; stderr: () => string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [writ, ...args], { cwd: root, env: { ...process.env, WRIT_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => {
      err += d;
      const m = ready.exec(err);
      if (m) done({ p, match: m, stderr: () => err });
    });
    p.stdout!.resume();
    p.on('exit', (code) => fail(new Error(`writ ${args[0]} exited ${code}: ${err}`)));
  });
}
const stop = (p?: ChildProcess) => new Promise<void>((r) => (!p || p.exitCode !== null ? r() : (p.on('exit', () => r()), p.kill('SIGTERM'))));

let dir: string;
let issuer: TestIssuer;
let service: Awaited<ReturnType<typeof start>>;
let enforcer: Awaited<ReturnType<typeof start>>;
let serviceUrl: string;
let port: number;
let admin: string;
let schema: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'writ-enforce-'));
  issuer = await TestIssuer.start();
  await issuer.addKey('k1', 'ES256');
  schema = await createSchema();
  // The shipped policies with the deployment's data (writ/config/postgres/data.json): the CI job's repository owns the schema.
  const policies = policiesWithConfig(harnessPolicyConfig(issuer, schema));
  writeFileSync(join(dir, 'writ.yaml'), `policies:\n  dir: ${policies}\nidentity:\n  issuers:\n    - name: ci\n      preset: oidc\n      issuer: ${issuer.base}\n      audiences: [writ]\n      jwks_url: ${issuer.jwksUrl}\n      principal_type: ci_job\n      groups_claim: groups\n`);
  // The service holds the issuers and verifies clients' tokens; the enforcer only forwards them.
  service = await start(['serve', '--config', join(dir, 'writ.yaml'), '--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0'], /listening on (http:\/\/\S+?);/);
  serviceUrl = service.match[1]!;
  const callers = JSON.parse(readFileSync(join(dir, 'data', 'tokens.json'), 'utf8')).callers as Array<{ role: string; token: string }>;
  writeFileSync(join(dir, 'enforcer.token'), callers.find((c) => c.role === 'enforcer')!.token);
  admin = callers.find((c) => c.role === 'admin')!.token;
  enforcer = await start(
    ['enforce', 'postgres', '--listen', '127.0.0.1:0', '--upstream', 'postgres://postgres@127.0.0.1:5432/test', '--service', serviceUrl, '--token-file', join(dir, 'enforcer.token'), '--resource', 'orders-db', '--data-dir', join(dir, 'enforcer-data')],
    /listening on 127\.0\.0\.1:(\d+)/,
  );
  port = Number(enforcer.match[1]);
}, 50_000);
afterAll(async () => {
  await stop(enforcer?.p);
  await stop(service?.p);
  await issuer?.stop();
  if (schema) await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

const token = (groups: string[]) => {
  const now = Math.floor(Date.now() / 1000);
  return issuer.sign({ iss: issuer.base, aud: 'writ', sub: 'cli-job', repository: CI_REPOSITORY, groups, iat: now, exp: now + 600 }, 'k1');
};

describe('writ enforce postgres', () => {
  it('--help names the flags', async () => {
    const r = await new Promise<string>((done) => {
      const p = spawn(process.execPath, [writ, 'enforce', 'postgres', '--help'], { cwd: root });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('exit', () => done(out));
    });
    for (const f of ['--listen', '--upstream', '--service', '--token-file', '--tls-cert', '--tls-key', '--resource']) expect(r).toContain(f);
  });

  it('psql through the enforcer: allowed and masked, denied with the reasons; the decision is in the service log with its policy revision', async () => {
    const t = await token([]);
    const ok = await psql(port, t, `select name, email from ${schema}.people where id = 1`);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('Alice');
    expect(ok.stdout).not.toContain('alice@example.com');
    const denied = await psql(port, t, `delete from ${schema}.people`);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/ERROR:\s+42501: writ: permission denied by policy: unbounded_write: DELETE without WHERE is forbidden/);
    const id = /decision ([0-9a-f-]{36}) \(policy revision ([0-9a-f]+)\)/.exec(denied.stderr);
    expect(id).not.toBeNull();
    const rec = await (await fetch(`${serviceUrl}/v1/decisions/${id![1]}`, { headers: { authorization: `Bearer ${admin}` } })).json();
    expect(JSON.stringify(rec)).toContain(id![2]!);
    expect(JSON.stringify(rec)).toContain('"operation":"delete"');
    expect(JSON.stringify(rec)).toContain('orders-db');
  });

  it('forwards the token to the service: a forged token is refused at login with the service reason (the enforcer has no issuers)', async () => {
    const [head, body, sig] = (await token(['db-readers'])).split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'));
    const forged = [head, Buffer.from(JSON.stringify({ ...claims, groups: ['db-admins'] })).toString('base64url'), sig].join('.');
    const r = await psql(port, forged, 'select 1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FATAL:\s+writ: token refused by the decision service: WRIT_TOKEN_BAD_SIGNATURE: /);
  });

  it('stops the service: statements fail closed with a clear message', async () => {
    const t = await token(['db-readers']);
    await stop(service.p);
    const r = await psql(port, t, 'select 1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FATAL:\s+writ: decision service unavailable \(connection refused\); denied/);
  });
});

describe('writ enforce postgres: usage errors', () => {
  it('a --service that is not an http(s) URL stops the start with a message naming the flag (exit 2), before anything listens', async () => {
    const { run } = await import('./writ-cli.ts');
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'writ-enf-usage-')), 'enforcer.token');
    writeFileSync(tokenFile, 'tok');
    for (const [url, msg] of [
      ['ftp://decisions.example', '--service must be an http:// or https:// URL (got ftp://decisions.example)'],
      ['127.0.0.1 8181', "--service must be the decision service's URL, e.g. http://127.0.0.1:8181 (got 127.0.0.1 8181)"],
    ]) {
      const r = await run(['enforce', 'postgres', '--listen', '127.0.0.1:0', '--upstream', 'postgres://postgres@127.0.0.1:5432/test', '--service', url, '--token-file', tokenFile]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});
