// `writ serve` starting the PostgreSQL enforcer from writ.yaml (`enforcers:`) in front of the real PostgreSQL: the real
// psql through it, the decision in the service's log, the session recorded and sealed (`writ replay`), start failures
// named, and SIGTERM closing the enforcer before the service.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestIssuer } from '../../identity/issuer.ts';
import { createSchema, dropSchema, pgClient, psql } from './harness.ts';
import { callerToken, root, run, serve, stop, writ, type Started } from './writ-cli.ts';


let dir: string;
let issuer: TestIssuer;
let service: Started | undefined;
let port: number;
let schema: string;
let identity: string;

function yaml(enforcers: string): string {
  return `policies:\n  dir: ${join(dir, 'policies')}\n${identity}enforcers:\n  postgres:\n${enforcers}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'writ-serve-enf-'));
  issuer = await TestIssuer.start();
  await issuer.addKey('k1', 'ES256');
  identity = `identity:\n  issuers:\n    - name: ci\n      preset: oidc\n      issuer: ${issuer.base}\n      audiences: [writ]\n      jwks_url: ${issuer.jwksUrl}\n      principal_type: ci_job\n      groups_claim: groups\n`;
  schema = await createSchema();
  // The shipped policy keeps a CI job in a schema of its own (data.writ.config.postgres, as a deployment's
  // writ/config/postgres/data.json): this run's schema is the test job's. Principal ids are <issuer name>:<sub>.
  cpSync(join(root, 'policies'), join(dir, 'policies'), { recursive: true });
  mkdirSync(join(dir, 'policies', 'writ', 'config', 'postgres'), { recursive: true });
  writeFileSync(join(dir, 'policies', 'writ', 'config', 'postgres', 'data.json'), JSON.stringify({ ci_schemas_by_principal: { 'ci:serve-job': schema } }));
  writeFileSync(
    join(dir, 'writ.yaml'),
    yaml(
      '    - name: orders\n      listen: 127.0.0.1:0\n      upstream: {host: 127.0.0.1, port: 5432, user: postgres, database: test}\n      resource: {name: orders-db, attributes: {env: test}}\n',
    ),
  );
  service = await serve(join(dir, 'writ.yaml'), join(dir, 'data'));
  port = Number(/enforcer orders listening on 127\.0\.0\.1:(\d+)/.exec(service.stderr())![1]);
}, 60_000);

afterAll(async () => {
  await stop(service?.p);
  await issuer?.stop();
  if (schema) await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

// The CI job reads and writes its own schema; DROP TABLE is refused whatever the grants (policies/postgres.rego).
const token = () => {
  const now = Math.floor(Date.now() / 1000);
  return issuer.sign({ iss: issuer.base, aud: 'writ', sub: 'serve-job', groups: ['db-readers'], iat: now, exp: now + 600 }, 'k1');
};

/** The recorded session whose file mentions `text` (recordings are named by session id). */
function sessionWith(text: string): { id: string; events: Array<Record<string, any>> } {
  const sessions = join(dir, 'data', 'sessions');
  for (const f of readdirSync(sessions).filter((n) => n.endsWith('.jsonl'))) {
    const body = readFileSync(join(sessions, f), 'utf8');
    if (body.includes(text)) return { id: f.replace(/\.jsonl$/, ''), events: body.trim().split('\n').map((l) => JSON.parse(l)) };
  }
  throw new Error(`no recorded session mentions ${text}`);
}

/** The seal is written when the session ends, just after psql exits. */
async function sealed(id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (readdirSync(join(dir, 'data', 'sessions')).includes(`${id}.seal.json`)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`session ${id} was not sealed`);
}

describe('writ serve with enforcers.postgres', () => {
  it('logs the enforcer and its address', () => {
    expect(service!.stderr()).toMatch(/writ serve: enforcer orders listening on 127\.0\.0\.1:\d+ \(postgres\), upstream postgres@127\.0\.0\.1:5432\/test, sessions recorded/);
  });

  it('psql through the serve-started enforcer: a SELECT runs and its decision is in the log; DROP TABLE is denied', async () => {
    const t = await token();
    const ok = await psql(port, t, `select name from ${schema}.people where id = 1`);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Alice');
    const denied = await psql(port, t, `drop table ${schema}.people`);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/ERROR:\s+42501: writ: /);

    // The statement's decision id is in the recording; `writ audit show` prints the service's record of it.
    const s = sessionWith(`select name from ${schema}.people`);
    const st = s.events.find((e) => e.type === 'statement');
    expect(st).toMatchObject({ allow: true, operation: 'select' });
    const shown = await run(['audit', 'show', st!.decision_id, '--data-dir', join(dir, 'data')]);
    expect(shown.code).toBe(0);
    const rec = JSON.parse(shown.stdout);
    expect(rec).toMatchObject({ kind: 'decision', decision_id: st!.decision_id, caller: 'enforcer:orders', api: expect.anything() });
    expect(rec.enforcer).toMatchObject({ id: 'orders', kind: 'postgres' });
    expect(rec.resource).toMatchObject({ name: 'orders-db', attributes: { env: 'test' } });
    expect(rec.principal).toMatchObject({ subject: 'serve-job', type: 'ci_job' });
    expect(rec.result.allow).toBe(true);
    expect(rec.action.sql.operation).toBe('select');
    const verify = await run(['audit', 'verify', '--data-dir', join(dir, 'data')]);
    expect(verify.code).toBe(0);
  });

  it('writ replay prints the session recorded through psql, checked against its seal', async () => {
    const t = await token();
    const r = await psql(port, t, `select count(*) from ${schema}.people`);
    expect(r.code).toBe(0);
    const s = sessionWith(`select count(*) from ${schema}.people`);
    await sealed(s.id);
    const out = await run(['replay', s.id, '--data-dir', join(dir, 'data')]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`session ${s.id}`);
    expect(out.stdout).toMatch(/seal: sealed: sha256 [0-9a-f]{64} matches the audit record/);
    expect(out.stdout).toMatch(/connect .*allow/);
    expect(out.stdout).toMatch(new RegExp(`statement .*allow.*select count\\(\\*\\) from ${schema}\\.people`));
    expect(out.stdout).toMatch(/close /);
  });

  it('a config error names the key and nothing starts', async () => {
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, yaml('    - name: orders\n      listen: nowhere\n      upstream: postgres://postgres@127.0.0.1:5432/test\n'));
    const r = await run(['serve', '--config', cfg, '--data-dir', join(dir, 'bad-data'), '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('writ serve: writ.yaml: enforcers.postgres[0].listen: must be host:port');
    writeFileSync(cfg, yaml('    - name: orders\n      upstream: {host: 127.0.0.1, database: test}\n'));
    const r2 = await run(['serve', '--config', cfg, '--data-dir', join(dir, 'bad-data'), '--listen', '127.0.0.1:0']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('writ.yaml: enforcers.postgres[0].upstream.user: is required');
  });

  it("an enforcer that cannot start (port taken, upstream refusing writ's login) stops the whole start, naming it", async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const busy = (taken.address() as net.AddressInfo).port;
    try {
      const cfg = join(dir, 'busy.yaml');
      writeFileSync(cfg, yaml(`    - name: busy-one\n      listen: 127.0.0.1:${busy}\n      upstream: postgres://postgres@127.0.0.1:5432/test\n`));
      const r = await run(['serve', '--config', cfg, '--data-dir', join(dir, 'busy-data'), '--listen', '127.0.0.1:0']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`writ serve: enforcer busy-one: cannot listen on 127.0.0.1:${busy}: the address is already in use`);
      expect(r.stderr).not.toContain('writ serve: listening on');
    } finally {
      taken.close();
    }
    const cfg = join(dir, 'nodb.yaml');
    writeFileSync(cfg, yaml('    - name: nodb\n      listen: 127.0.0.1:0\n      upstream: postgres://postgres@127.0.0.1:5432/writ_no_such_database\n'));
    const r = await run(['serve', '--config', cfg, '--data-dir', join(dir, 'nodb-data'), '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/writ serve: enforcer nodb: upstream postgres@127\.0\.0\.1:5432\/writ_no_such_database refused writ's login: .*writ_no_such_database/);
  }, 30_000);

  it('writ enforce postgres (its own process) records in its data directory and seals through the service; writ replay checks it', async () => {
    const enfDir = join(dir, 'enforcer-data');
    writeFileSync(join(dir, 'enforcer.token'), callerToken(join(dir, 'data'), 'enforcer'));
    const serviceUrl = /writ serve: listening on (http:\/\/\S+?);/.exec(service!.stderr())![1]!;
    const enf = spawn(
      process.execPath,
      [writ, 'enforce', 'postgres', '--listen', '127.0.0.1:0', '--upstream', 'postgres://postgres@127.0.0.1:5432/test', '--service', serviceUrl, '--token-file', join(dir, 'enforcer.token'), '--data-dir', enfDir],
      { cwd: root, env: { ...process.env, WRIT_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let err = '';
      const enfPort = await new Promise<number>((done, fail) => {
        enf.stderr!.on('data', (d) => {
          err += d;
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
          if (m) done(Number(m[1]));
        });
        enf.on('exit', (code) => fail(new Error(`writ enforce postgres exited ${code}: ${err}`)));
      });
      expect(err).toContain(`sessions recorded in ${enfDir}/sessions`);
      const r = await psql(enfPort, await token(), `select id from ${schema}.people order by id`);
      expect(r.code).toBe(0);
      const sessions = join(enfDir, 'sessions');
      let id = '';
      for (let i = 0; i < 100 && !id; i++) {
        id = readdirSync(sessions).find((n) => n.endsWith('.seal.json'))?.replace(/\.seal\.json$/, '') ?? '';
        if (!id) await new Promise((w) => setTimeout(w, 50));
      }
      expect(id).not.toBe('');
      const out = await run(['replay', id, '--data-dir', enfDir, '--store', join(dir, 'data', 'log.db')]);
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/seal: sealed: sha256 [0-9a-f]{64} matches the audit record/);
      expect(out.stdout).toMatch(new RegExp(`statement .*allow.*select id from ${schema}\\.people order by id`));
      // The seal record names the enforcer that sent it.
      const sealId = JSON.parse(readFileSync(join(sessions, `${id}.seal.json`), 'utf8')).decision_id as string;
      const shown = JSON.parse((await run(['audit', 'show', sealId, '--data-dir', join(dir, 'data')])).stdout);
      expect(shown).toMatchObject({ kind: 'session_seal', session_id: id, caller: 'default-enforcer' });
    } finally {
      await stop(enf);
    }
  }, 30_000);

  it('SIGTERM closes the enforcer, whose open session is ended and sealed, and then the service', async () => {
    const c = await pgClient(port, await token());
    c.on('error', () => undefined);
    await c.query(`select 'open at shutdown' as note from ${schema}.people limit 1`);
    const code = await stop(service!.p);
    expect(code).toBe(0);
    const s = sessionWith('open at shutdown');
    const out = await run(['replay', s.id, '--data-dir', join(dir, 'data')]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/seal: sealed: sha256 [0-9a-f]{64} matches/);
    const refused = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), r(false)));
      s.on('error', () => r(true));
    });
    expect(refused).toBe(true);
  });
});
