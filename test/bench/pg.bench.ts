// Benchmark (driven by pg.bench.sh): pgbench -S with 1 and 10 clients against PostgreSQL directly, through pgbouncer
// and through writ (writ serve + writ enforce postgres, each statement decided over HTTP and logged), all in this run,
// reported as ratios; then the enforcer's memory with N idle client connections held open.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { TestIssuer } from '../identity/issuer.ts';
import { percentile, procCpuUs } from './stats.ts';

const root = resolve(import.meta.dirname, '../..');
const writ = join(root, 'bin/writ.js');
const PGHOST = process.env.PGHOST || '127.0.0.1';
const PGPORT = Number(process.env.PGPORT || 5432);
const PGUSER = process.env.PGUSER || 'postgres';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
const duration = arg('duration', 10);
const idleCount = arg('idle', 200);
const warmup = Math.min(3, duration);
// PG_BENCH_PROTOCOL: pgbench's -M (simple, the default; extended; prepared: parsed once per connection, then
// Bind/Execute per statement, each Execute decided and logged).
const protocol = process.env.PG_BENCH_PROTOCOL ?? 'simple';
if (!['simple', 'extended', 'prepared'].includes(protocol)) throw new Error('PG_BENCH_PROTOCOL must be simple, extended or prepared');

/** Raised when the benchmark cannot run (exit 1), as opposed to a missed target (reported, exit 0). */
class CannotRun extends Error {}

const children: ChildProcess[] = [];
const say = (s: string) => process.stderr.write(`pg.bench: ${s}\n`);

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

/** Run a command to completion without blocking this process (the loopback issuer answers JWKS fetches meanwhile). */
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { env: { ...process.env, PGSSLMODE: 'disable', PGGSSENCMODE: 'disable', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (e) => fail(new CannotRun(`${cmd}: ${e.message}`)));
    p.on('close', (code) => ok({ code, stdout, stderr }));
  });
}

async function psqlDirect(sql: string, db = 'postgres'): Promise<void> {
  const r = await run('psql', ['-h', PGHOST, '-p', String(PGPORT), '-U', PGUSER, '-d', db, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  if (r.code !== 0) throw new CannotRun(`psql ${sql}: ${r.stderr.trim()}`);
}

/** Start a long-running child; resolves with the first match of `ready` in its stderr (or stdout). */
function startChild(cmd: string, args: string[], ready: RegExp, what: string): Promise<{ p: ChildProcess; m: RegExpExecArray; out: () => string }> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { cwd: root, env: { ...process.env, WRIT_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(p);
    let out = '';
    let done = false;
    const timer = setTimeout(() => !done && ((done = true), fail(new CannotRun(`${what} did not start in 60 s: ${out.slice(-2000)}`))), 60_000);
    const on = (d: Buffer) => {
      out += d;
      if (out.length > 1 << 20) out = out.slice(-65536); // long runs: keep the tail only
      const m = ready.exec(out);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        ok({ p, m, out: () => out });
      }
    };
    p.stdout!.on('data', on);
    p.stderr!.on('data', on);
    p.on('error', (e) => !done && ((done = true), clearTimeout(timer), fail(new CannotRun(`${what}: ${e.message}`))));
    p.on('exit', (code) => !done && ((done = true), clearTimeout(timer), fail(new CannotRun(`${what} exited ${code}: ${out.slice(-2000)}`))));
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CannotRun(`${what} is not answering`);
}

function procStatus(pid: number): { rssKiB: number; hwmKiB: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
}

interface Result {
  target: string;
  clients: number;
  tps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  txns: number;
  failed: number;
  /** writ only: the service's mean decision time and durable log write time during the run, and records logged. */
  service?: { decisionMs: number; logMs: number; logged: number };
  /** writ's processes' CPU per statement during the run (µs, all threads). */
  writCpuUsPerTxn?: number;
  /** Of it, the event loops' (each process's main thread: the rest is worker threads and libuv's pool). */
  loopCpuUsPerTxn?: number;
}

/** One pgbench -S run; latencies per transaction from its --log files (field 3: microseconds). */
async function pgbench(target: string, port: number, user: string, db: string, clients: number, seconds: number, dir: string, password?: string): Promise<Result> {
  const prefix = join(dir, `log_${target}_${clients}_${seconds}`);
  const threads = Math.min(clients, Math.max(1, cpus().length));
  const r = await run(
    'pgbench',
    ['-n', '-S', '-M', protocol, '-c', String(clients), '-j', String(threads), '-T', String(seconds), '-l', `--log-prefix=${prefix}`, '-h', '127.0.0.1', '-p', String(port), '-U', user, db],
    password ? { PGPASSWORD: password } : {},
  );
  const num = (re: RegExp) => Number(re.exec(r.stdout)?.[1] ?? NaN);
  const tps = num(/tps = ([\d.]+) \(without initial connection time\)/);
  const txns = num(/number of transactions actually processed: (\d+)/);
  const failed = num(/number of failed transactions: (\d+)/) || 0;
  if (r.code !== 0 || !Number.isFinite(tps) || !(txns > 0) || /aborted/.test(r.stdout + r.stderr)) {
    throw new CannotRun(`pgbench against ${target} (${clients} clients) failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  const lat: number[] = [];
  const base = prefix.slice(dir.length + 1);
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(base + '.')) continue;
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const us = Number(line.split(' ')[2]);
      if (line && Number.isFinite(us)) lat.push(us);
    }
    rmSync(join(dir, f));
  }
  lat.sort((a, b) => a - b);
  return { target, clients, tps, avgMs: num(/latency average = ([\d.]+) ms/), p50Ms: percentile(lat, 50) / 1000, p99Ms: percentile(lat, 99) / 1000, txns, failed };
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'writ-pgbench-'));
  chmodSync(dir, 0o755);
  const db = `writ_bench_${process.pid}`;
  let issuer: TestIssuer | undefined;
  let dbCreated = false;
  try {
    // (a) the database: a pgbench schema of our own, scale 1 (100,000 accounts).
    await psqlDirect(`create database ${db}`);
    dbCreated = true;
    const init = await run('pgbench', ['-i', '-q', '-s', '1', '-h', PGHOST, '-p', String(PGPORT), '-U', PGUSER, db]);
    if (init.code !== 0) throw new CannotRun(`pgbench -i: ${init.stderr}`);

    // (b) pgbouncer, transaction pooling, run as an unprivileged user when we are root.
    const bdir = join(dir, 'pgbouncer');
    mkdirSync(bdir);
    chmodSync(bdir, 0o777);
    const bport = await freePort();
    writeFileSync(join(bdir, 'userlist.txt'), `"${PGUSER}" ""\n`);
    writeFileSync(
      join(bdir, 'pgbouncer.ini'),
      [
        '[databases]',
        `${db} = host=${PGHOST} port=${PGPORT} dbname=${db} user=${PGUSER}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${bport}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(bdir, 'userlist.txt')}`,
        'pool_mode = transaction',
        'default_pool_size = 20',
        `max_client_conn = ${idleCount + 100}`,
        'ignore_startup_parameters = extra_float_digits',
        `logfile = ${join(bdir, 'pgbouncer.log')}`,
        'log_connections = 0',
        'log_disconnections = 0',
        '',
      ].join('\n'),
    );
    for (const f of readdirSync(bdir)) chmodSync(join(bdir, f), 0o644);
    const asRoot = process.getuid?.() === 0;
    const pgbouncerBin = spawnSync('sh', ['-c', 'command -v pgbouncer || echo /usr/sbin/pgbouncer'], { encoding: 'utf8' }).stdout.trim();
    const bouncer = spawn(asRoot ? 'setpriv' : pgbouncerBin, asRoot ? ['--reuid=postgres', '--regid=postgres', '--init-groups', pgbouncerBin, join(bdir, 'pgbouncer.ini')] : [join(bdir, 'pgbouncer.ini')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(bouncer);
    let bouncerErr = '';
    bouncer.stderr!.on('data', (d) => (bouncerErr += d));
    await waitFor(`pgbouncer on port ${bport} (${bouncerErr})`, async () => (await run('psql', ['-h', '127.0.0.1', '-p', String(bport), '-U', PGUSER, '-d', db, '-X', '-Atc', 'select 1'])).code === 0);

    // (b2) node-pipe: a Node.js TCP relay that only copies bytes both ways, in a process of its own. It is the floor
    // for any enforcer written in Node on this machine: what is left once every per-statement step is free.
    const pipe = await startChild(
      process.execPath,
      [
        '-e',
        `const net = require('node:net');
         const s = net.createServer({ noDelay: true }, (c) => {
           const u = net.connect(${PGPORT}, ${JSON.stringify(PGHOST)});
           u.setNoDelay(true);
           c.pipe(u); u.pipe(c);
           c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
           c.on('close', () => u.destroy()); u.on('close', () => c.destroy());
         });
         s.listen(0, '127.0.0.1', () => console.error('node-pipe listening on ' + s.address().port));`,
      ],
      /node-pipe listening on (\d+)/,
      'node-pipe',
    );
    const pipePort = Number(pipe.m[1]);

    // (c) writ: a loopback OIDC issuer, writ serve with the shipped policies (groups set through
    // data.writ.config.postgres), and writ enforce postgres asking it over HTTP.
    issuer = await TestIssuer.start();
    await issuer.addKey('k1', 'ES256');
    cpSync(join(root, 'policies'), join(dir, 'policies'), { recursive: true });
    mkdirSync(join(dir, 'policies/writ/config/postgres'), { recursive: true });
    writeFileSync(join(dir, 'policies/writ/config/postgres/data.json'), JSON.stringify({ readers: ['bench-readers'] }));
    // The issuers: the service verifies the tokens writ enforce postgres forwards; the in-process enforcer verifies its own.
    // pgbench's principal is a service principal in bench-readers: the policy confines CI jobs to a schema of their own,
    // and pgbench's statements name pgbench_accounts unqualified.
    const identityYaml = `identity:\n  issuers:\n    - name: bench\n      preset: oidc\n      issuer: ${issuer.base}\n      audiences: [writ]\n      jwks_url: ${issuer.jwksUrl}\n      principal_type: service_principal\n      groups_claim: groups\n`;
    writeFileSync(join(dir, 'serve.yaml'), `listen: 127.0.0.1:0\ndata_dir: ${join(dir, 'data')}\npolicies:\n  dir: ${join(dir, 'policies')}\n${identityYaml}`);
    writeFileSync(join(dir, 'enforcer.yaml'), identityYaml);
    const service = await startChild(process.execPath, [writ, 'serve', '--config', join(dir, 'serve.yaml')], /listening on (http:\/\/\S+?);/, 'writ serve');
    const serviceUrl = service.m[1]!;
    const callers = JSON.parse(readFileSync(join(dir, 'data', 'tokens.json'), 'utf8')).callers as Array<{ role: string; token: string }>;
    writeFileSync(join(dir, 'enforcer.token'), callers.find((c) => c.role === 'enforcer')!.token);
    const admin = callers.find((c) => c.role === 'admin')!.token;
    const enforce = (upstreamPort: number) =>
      startChild(
        process.execPath,
        [writ, 'enforce', 'postgres', '--listen', '127.0.0.1:0', '--upstream', `postgres://${PGUSER}@127.0.0.1:${upstreamPort}/${db}`, '--service', serviceUrl, '--token-file', join(dir, 'enforcer.token'), '--resource', 'bench-db', '--data-dir', join(dir, 'enforcer-data')],
        /listening on 127\.0\.0\.1:(\d+)/,
        'writ enforce postgres',
      );
    const enforcer = await enforce(PGPORT);
    const wport = Number(enforcer.m[1]);
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.sign({ iss: issuer.base, aud: 'writ', sub: 'pgbench', groups: ['bench-readers'], iat: now - 5, exp: now + 3600 }, 'k1');
    const smoke = await run('psql', ['-h', '127.0.0.1', '-p', String(wport), '-U', 'pgbench', '-d', db, '-X', '-Atc', 'SELECT abalance FROM pgbench_accounts WHERE aid = 1'], { PGPASSWORD: token });
    if (smoke.code !== 0) throw new CannotRun(`pgbench's statement through writ was refused: ${smoke.stderr.trim()}`);

    // The service's own view (its /metrics histograms: decision = evaluation + durable log write).
    const serviceStats = async (url = serviceUrl, token = admin) => {
      const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      const sum = (name: string, part: 'count' | 'sum') => [...text.matchAll(new RegExp(`^${name}_${part}(?:\\{[^}]*\\})? ([\\d.e+-]+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
      return { decisions: sum('writ_decision_duration_seconds', 'count'), decisionSec: sum('writ_decision_duration_seconds', 'sum'), logs: sum('writ_log_write_duration_seconds', 'count'), logSec: sum('writ_log_write_duration_seconds', 'sum') };
    };
    // writ serve with the enforcer in writ.yaml: decisions in the service's process (no HTTP hop), each one
    // evaluated and logged durably before the statement goes upstream, as with the remote enforcer.
    const embeddedPort = await freePort();
    writeFileSync(
      join(dir, 'serve-embedded.yaml'),
      `listen: 127.0.0.1:0\ndata_dir: ${join(dir, 'data-embedded')}\npolicies:\n  dir: ${join(dir, 'policies')}\n${identityYaml}` +
        `enforcers:\n  postgres:\n    - name: bench\n      listen: 127.0.0.1:${embeddedPort}\n      upstream: postgres://${PGUSER}@127.0.0.1:${PGPORT}/${db}\n      resource: bench-db\n`,
    );
    // PG_BENCH_PROFILE=<dir>: a V8 CPU profile of this process, written when it stops.
    // PG_BENCH_NODE_FLAGS: more node flags for it (e.g. --perf-basic-prof for `perf record`).
    const profile = [...(process.env.PG_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PG_BENCH_PROFILE}`] : []), ...(process.env.PG_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
    const embedded = await startChild(process.execPath, [...profile, writ, 'serve', '--config', join(dir, 'serve-embedded.yaml')], /listening on (http:\/\/\S+?);/, 'writ serve (embedded enforcer)');
    const embeddedUrl = embedded.m[1]!;
    const embeddedAdmin = (JSON.parse(readFileSync(join(dir, 'data-embedded', 'tokens.json'), 'utf8')).callers as Array<{ role: string; token: string }>).find((c) => c.role === 'admin')!.token;
    // The same with log.durability: process (records written before each answer, fsync'd every 200 ms).
    const processPort = await freePort();
    writeFileSync(
      join(dir, 'serve-process.yaml'),
      `listen: 127.0.0.1:0\ndata_dir: ${join(dir, 'data-process')}\npolicies:\n  dir: ${join(dir, 'policies')}\nlog:\n  durability: process\n${identityYaml}` +
        `enforcers:\n  postgres:\n    - name: bench\n      listen: 127.0.0.1:${processPort}\n      upstream: postgres://${PGUSER}@127.0.0.1:${PGPORT}/${db}\n      resource: bench-db\n`,
    );
    const processServe = await startChild(process.execPath, [writ, 'serve', '--config', join(dir, 'serve-process.yaml')], /listening on (http:\/\/\S+?);/, 'writ serve (log.durability: process)');
    const processUrl = processServe.m[1]!;
    const processAdmin = (JSON.parse(readFileSync(join(dir, 'data-process', 'tokens.json'), 'utf8')).callers as Array<{ role: string; token: string }>).find((c) => c.role === 'admin')!.token;
    const targets = [
      { name: 'direct', port: PGPORT, user: PGUSER, password: undefined as string | undefined, stats: undefined as undefined | (() => ReturnType<typeof serviceStats>), pids: undefined as number[] | undefined },
      { name: 'pgbouncer', port: bport, user: PGUSER, password: undefined },
      { name: 'node-pipe', port: pipePort, user: PGUSER, password: undefined, pids: [pipe.p.pid!] },
      { name: 'writ-serve', port: embeddedPort, user: 'pgbench', password: token, stats: () => serviceStats(embeddedUrl, embeddedAdmin), pids: [embedded.p.pid!] },
      { name: 'writ-process', port: processPort, user: 'pgbench', password: token, stats: () => serviceStats(processUrl, processAdmin), pids: [processServe.p.pid!] },
      { name: 'writ', port: wport, user: 'pgbench', password: token, stats: () => serviceStats(), pids: [service.p.pid!, enforcer.p.pid!] },
    ];
    const results: Result[] = [];
    for (const clients of (process.env.PG_BENCH_CLIENTS ?? "1,10").split(",").map(Number)) {
      // pgbouncer's transaction pooling does not keep protocol-level prepared statements across transactions.
      const runnable = targets.filter((x) => !(protocol === 'prepared' && x.name === 'pgbouncer'));
      if (runnable.length < targets.length && clients === 1) say('pgbouncer left out: its transaction pooling does not keep prepared statements (-M prepared)');
      for (const t of runnable.filter((x) => !process.env.PG_BENCH_TARGETS || process.env.PG_BENCH_TARGETS.split(",").includes(x.name))) {
        say(`${t.name}, ${clients} client(s): ${warmup} s warm-up, ${duration} s measured`);
        await pgbench(t.name, t.port, t.user, db, clients, warmup, dir, t.password);
        const s0 = await t.stats?.();
        const cpu0 = t.pids?.reduce((a, pid) => a + procCpuUs(`/proc/${pid}/stat`), 0);
        const loop0 = t.pids?.reduce((a, pid) => a + procCpuUs(`/proc/${pid}/task/${pid}/stat`), 0);
        const r = await pgbench(t.name, t.port, t.user, db, clients, duration, dir, t.password);
        if (t.pids && cpu0 !== undefined && loop0 !== undefined) {
          r.writCpuUsPerTxn = (t.pids.reduce((a, pid) => a + procCpuUs(`/proc/${pid}/stat`), 0) - cpu0) / r.txns;
          r.loopCpuUsPerTxn = (t.pids.reduce((a, pid) => a + procCpuUs(`/proc/${pid}/task/${pid}/stat`), 0) - loop0) / r.txns;
        }
        if (t.stats && s0) {
          const s1 = await t.stats();
          // pgbench logs in and counts the branches first: a few decisions more than statements measured.
          if (s1.logs - s0.logs < r.txns) throw new CannotRun(`the service logged ${s1.logs - s0.logs} decisions for ${r.txns} statements through ${t.name}`);
          r.service = { decisionMs: ((s1.decisionSec - s0.decisionSec) / (s1.decisions - s0.decisions)) * 1000, logMs: ((s1.logSec - s0.logSec) / (s1.logs - s0.logs)) * 1000, logged: s1.logs - s0.logs };
        }
        results.push(r);
      }
    }
    const afterRuns = procStatus(enforcer.p.pid!);
    embedded.p.kill('SIGTERM');
    processServe.p.kill('SIGTERM');

    const writTxns = results.filter((r) => r.target === 'writ').reduce((a, r) => a + r.txns, 0);
    const totals = await serviceStats();
    const logNote = `remote service totals: ${totals.decisions} decisions, ${totals.logs} durable log writes; ${writTxns} measured statements through writ (the rest: warm-ups, logins, the smoke test)`;

    // Memory: N idle clients held open through a second enforcer (upstream: pgbouncer, since PostgreSQL's
    // max_connections would not hold N backends), sampled from /proc while they sit idle.
    await enforcer.p.kill('SIGTERM');
    const idleEnforcer = await enforce(bport);
    const iport = Number(idleEnforcer.m[1]);
    const ipid = idleEnforcer.p.pid!;
    const warm = new pg.Client({ host: '127.0.0.1', port: iport, user: 'pgbench', database: db, password: token });
    await warm.connect();
    await warm.query('SELECT abalance FROM pgbench_accounts WHERE aid = 1');
    await warm.end();
    await new Promise((r) => setTimeout(r, 500));
    const before = procStatus(ipid);
    const bouncerBefore = procStatus(bouncer.pid!);
    const conns: pg.Client[] = [];
    try {
      for (let i = 0; i < idleCount; i += 20) {
        const batch = Array.from({ length: Math.min(20, idleCount - i) }, () => new pg.Client({ host: '127.0.0.1', port: iport, user: 'pgbench', database: db, password: token }));
        await Promise.all(batch.map((c) => c.connect()));
        conns.push(...batch);
      }
      await new Promise((r) => setTimeout(r, 2000));
      const held = procStatus(ipid);
      const bouncerHeld = procStatus(bouncer.pid!);
      report(results, { before, held, bouncerBefore, bouncerHeld, afterRuns }, logNote);
    } finally {
      await Promise.all(conns.map((c) => c.end().catch(() => undefined)));
    }
    return 0;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await issuer?.stop();
    if (dbCreated) {
      try {
        await psqlDirect(`drop database if exists ${db} with (force)`);
      } catch (e) {
        say(`could not drop ${db}: ${(e as Error).message}`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Mem {
  before: { rssKiB: number };
  held: { rssKiB: number; hwmKiB: number };
  bouncerBefore: { rssKiB: number };
  bouncerHeld: { rssKiB: number };
  afterRuns: { rssKiB: number; hwmKiB: number };
}

function report(results: Result[], mem: Mem, logNote: string): void {
  const pad = (s: string, n: number) => s.padStart(n);
  const get = (t: string, c: number): Result | undefined => results.find((r) => r.target === t && r.clients === c);
  const lines: string[] = [];
  lines.push(`pgbench -S (select-only, ${protocol} protocol), ${duration} s per run after a ${warmup} s warm-up; ${cpus().length} CPUs shared by pgbench, PostgreSQL, pgbouncer and writ`);
  lines.push('writ-serve: writ serve with the enforcer in writ.yaml (enforcers.postgres): one decision in the service process and one durable log record per statement');
  lines.push('writ-process: writ-serve with log.durability: process (each record written before the answer, fsync\'d every 200 ms)');
  lines.push('node-pipe: a Node.js process that only copies bytes between client and PostgreSQL (the floor for any Node.js enforcer)');
  lines.push('writ: writ enforce postgres against a remote writ serve: one HTTP decision and one durable log record per statement');
  lines.push('(both: shipped policies/postgres.rego, readers from data.writ.config.postgres; sessions recorded)');
  lines.push('');
  lines.push(`${'target'.padEnd(13)} ${pad('clients', 7)} ${pad('tps', 10)} ${pad('avg ms', 8)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('txns', 9)} ${pad('failed', 6)}`);
  for (const r of results) {
    lines.push(`${r.target.padEnd(13)} ${pad(String(r.clients), 7)} ${pad(r.tps.toFixed(0), 10)} ${pad(r.avgMs.toFixed(3), 8)} ${pad(r.p50Ms.toFixed(3), 8)} ${pad(r.p99Ms.toFixed(3), 8)} ${pad(String(r.txns), 9)} ${pad(String(r.failed), 6)}`);
  }
  for (const r of results.filter((x) => x.service)) {
    lines.push(`  ${r.target} ${r.clients} client(s): service mean per decision ${r.service!.decisionMs.toFixed(3)} ms, of which log write ${r.service!.logMs.toFixed(3)} ms; ${r.service!.logged} decisions logged; writ CPU ${r.writCpuUsPerTxn?.toFixed(0)} µs per statement (event loop ${r.loopCpuUsPerTxn?.toFixed(0)})`);
  }
  for (const r of results.filter((x) => !x.service && x.writCpuUsPerTxn !== undefined)) {
    lines.push(`  ${r.target} ${r.clients} client(s): CPU ${r.writCpuUsPerTxn!.toFixed(0)} µs per statement (event loop ${r.loopCpuUsPerTxn?.toFixed(0)})`);
  }
  lines.push('');
  // Ratios and targets for the targets this run measured (PG_BENCH_TARGETS / PG_BENCH_CLIENTS may leave some out).
  const tpsRatio = (a: string, b: string, c: number) => {
    const x = get(a, c);
    const y = get(b, c);
    return x && y ? x.tps / y.tps : undefined;
  };
  const cell = (v: number | undefined, n: number) => pad(v === undefined ? '-' : v.toFixed(2) + 'x', n);
  lines.push(`${'ratio'.padEnd(26)} ${pad('1 client', 9)} ${pad('10 clients', 10)}`);
  const pairs = [['writ-serve', 'direct'], ['writ-process', 'direct'], ['writ', 'direct'], ['writ-serve', 'node-pipe'], ['writ-serve', 'pgbouncer'], ['node-pipe', 'direct'], ['pgbouncer', 'direct']] as const;
  for (const [a, b] of pairs) {
    const r1 = tpsRatio(a, b, 1);
    const r10 = tpsRatio(a, b, 10);
    if (r1 !== undefined || r10 !== undefined) lines.push(`${`tps ${a}/${b}`.padEnd(26)} ${cell(r1, 9)} ${cell(r10, 10)}`);
  }
  for (const w of ['writ-serve', 'writ-process', 'writ', 'node-pipe']) {
    const one = get(w, 1);
    const direct = get('direct', 1);
    if (!one || !direct) continue;
    const bouncer = get('pgbouncer', 1);
    lines.push(`${`p50 added by ${w}`.padEnd(26)} ${pad((one.p50Ms - direct.p50Ms).toFixed(3), 9)} ms vs direct${bouncer ? `, ${(one.p50Ms - bouncer.p50Ms).toFixed(3)} ms vs pgbouncer` : ''} (1 client)`);
  }
  lines.push('');
  for (const w of ['writ-serve', 'writ-process', 'writ']) {
    const ratio10 = tpsRatio(w, 'direct', 10);
    if (ratio10 !== undefined) lines.push(`target (${w}): >= 0.5x direct tps at 10 clients: ${ratio10.toFixed(2)}x  ${ratio10 >= 0.5 ? 'MET' : 'MISSED'}`);
    const one = get(w, 1);
    const direct = get('direct', 1);
    if (one && direct) {
      const added1 = one.p50Ms - direct.p50Ms;
      lines.push(`target (${w}): added p50 latency < 0.3 ms with 1 client: ${added1.toFixed(3)} ms  ${added1 < 0.3 ? 'MET' : 'MISSED'}`);
    }
  }
  lines.push('');
  const mib = (k: number) => (k / 1024).toFixed(1);
  lines.push(`memory, ${idleCount} idle clients held open through writ enforce postgres (upstream via pgbouncer):`);
  const perClient = (mem.held.rssKiB - mem.before.rssKiB) / idleCount;
  // V8 may collect garbage while the clients log in, so the difference can be small or negative: the held RSS is the figure.
  const perNote = perClient >= 0 ? `+${perClient.toFixed(1)} KiB per client` : `${perClient.toFixed(1)} KiB per client: a GC ran meanwhile`;
  lines.push(`  enforcer RSS ${mib(mem.before.rssKiB)} MiB idle with no clients -> ${mib(mem.held.rssKiB)} MiB with ${idleCount} held (${perNote}; peak ${mib(mem.held.hwmKiB)} MiB)`);
  lines.push(`  pgbouncer RSS ${mib(mem.bouncerBefore.rssKiB)} MiB -> ${mib(mem.bouncerHeld.rssKiB)} MiB with the same ${idleCount} clients behind writ`);
  lines.push(`  enforcer after the pgbench runs: RSS ${mib(mem.afterRuns.rssKiB)} MiB, peak ${mib(mem.afterRuns.hwmKiB)} MiB`);
  lines.push(`(${logNote})`);
  process.stdout.write(lines.join('\n') + '\n');
}

try {
  process.exitCode = await main();
} catch (e) {
  process.stderr.write(`pg.bench: could not run: ${e instanceof CannotRun ? e.message : (e as Error).stack}\n`);
  process.exitCode = 1;
}
