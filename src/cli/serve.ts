// writ serve: the decision service (config from writ.yaml, flags and WRIT_* environment variables).
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfigFile, validateConfig, ConfigError, type WritConfig } from '../service/config.ts';
import { openService } from '../service/service.ts';
import { PolicyStoreError } from '../policy/store.ts';
import { flagValue, type ParsedArgs } from './args.ts';
import { EnforcerStartError, checkUpstreams, closeEnforcers, prepareEnforcers, startEnforcers, type PreparedEnforcer, type RunningEnforcer } from './serve-enforcers.ts';
import type { Command } from './main.ts';

function parseListen(text: string, key: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new ConfigError(key, 'must be host:port');
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

/** writ.yaml (flag, WRIT_CONFIG, or ./writ.yaml when present), then environment, then flags. */
export function resolveServeConfig(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): WritConfig {
  const file = flagValue(args, 'config') ?? env.WRIT_CONFIG ?? (existsSync('writ.yaml') ? 'writ.yaml' : undefined);
  const cfg = file ? loadConfigFile(file) : validateConfig({});
  const dataDir = flagValue(args, 'data-dir') ?? env.WRIT_DATA_DIR;
  if (dataDir) cfg.data_dir = resolve(dataDir);
  const listen = flagValue(args, 'listen') ?? env.WRIT_LISTEN;
  if (listen) cfg.listen = parseListen(listen, flagValue(args, 'listen') ? '--listen' : 'WRIT_LISTEN');
  return cfg;
}

/** What keeps the process alive, by kind ("2 Socket, 1 Server"), for a shutdown that does not finish. */
function openHandles(): string {
  const counts = new Map<string, number>();
  for (const h of (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles()) {
    const k = h?.constructor?.name ?? typeof h;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing';
}

/** How long a SIGINT/SIGTERM shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 15_000;

export const serveCommand: Command = {
  spec: {
    name: 'serve',
    usage: 'writ serve [--config writ.yaml] [--data-dir DIR] [--listen host:port] [--watch DIR]',
    summary: 'run the decision service (decision API, Git policy store, decision log)',
    flags: [
      { name: 'config', short: 'c', value: true, valueName: 'file', help: 'writ.yaml (env WRIT_CONFIG; default ./writ.yaml if present)' },
      { name: 'data-dir', value: true, valueName: 'dir', help: 'data directory (env WRIT_DATA_DIR; default ./.writ)' },
      { name: 'listen', value: true, valueName: 'host:port', help: 'address to listen on (env WRIT_LISTEN; default 127.0.0.1:8181)' },
      { name: 'watch', value: true, valueName: 'dir', help: 'development: serve this directory and recompile on save (keeps the last good version)' },
    ],
    details:
      'On first start the data directory gets a bare Git repository seeded from policies.dir, the SQLite log, its signing key,\n' +
      'the replay key, and (without configured callers) tokens.json with one token per role.\n' +
      '\n' +
      'Decision log durability (writ.yaml log.durability): disk, the default, fsyncs each record before its decision is\n' +
      'answered; process writes it to the operating system before the answer (it survives writ crashing) and fsyncs every\n' +
      'log.sync_interval_ms (default 200; a power loss can lose that window). The listening line says which is in force.\n' +
      '\n' +
      'Enforcers: with an enforcers: section in writ.yaml the service also runs those enforcers in this process, e.g.\n' +
      '  enforcers:\n' +
      '    postgres:\n' +
      '      - name: orders                      # input.enforcer.id; caller enforcer:orders in the log\n' +
      '        listen: 127.0.0.1:6432\n' +
      '        upstream: {host: 127.0.0.1, port: 5432, user: writ, database: app, password_file: writ.pw}\n' +
      '        resource: {name: orders-db, attributes: {env: prod}}\n' +
      '        tls: {cert: server.pem, key: server.key}   # allow_plaintext, decision_timeout_ms, mask_hash_key_file too\n' +
      "The keys are 'writ enforce postgres' flags as YAML (upstream may also be its postgres://USER@HOST:PORT/DB URL).\n" +
      "Before listening, writ logs in to each enforcer's upstream once; a refused login, or an enforcer's port being taken,\n" +
      'stops the start with a message naming the enforcer (nothing is left running). Decisions go through the code of\n' +
      'the POST /v1/decisions route, in process (no HTTP), as caller enforcer:<name>; sessions are\n' +
      'recorded under <data_dir>/sessions and sealed into the decision log (record_sessions: false turns it off;\n' +
      "'writ replay <session_id>' prints one). SIGINT/SIGTERM closes the enforcers, then the service; a second signal,\n" +
      'or a shutdown still running after 15 s, exits at once.',
  },
  async run(args: ParsedArgs) {
    const fail = (e: unknown, status: number) => {
      process.stderr.write(`writ serve: ${(e as Error).message}\n`);
      return status;
    };
    let cfg: WritConfig;
    let prepared: PreparedEnforcer[];
    try {
      cfg = resolveServeConfig(args);
      prepared = prepareEnforcers(cfg);
    } catch (e) {
      if (e instanceof ConfigError) return fail(e, 2);
      throw e;
    }
    // Before anything listens: a wrong upstream stops the start instead of failing every session later.
    try {
      await checkUpstreams(prepared);
    } catch (e) {
      if (e instanceof EnforcerStartError) return fail(e, 1);
      throw e;
    }
    const watch = flagValue(args, 'watch');
    let svc;
    try {
      svc = await openService(cfg, { watch: watch ? resolve(watch) : undefined, logger: { level: 'info' }, internalCallers: prepared.map((p) => p.caller) });
    } catch (e) {
      if (e instanceof PolicyStoreError) return fail(e, 1);
      throw e;
    }
    let address: string;
    try {
      address = await svc.app.listen({ host: cfg.listen.host, port: cfg.listen.port });
    } catch (e) {
      await svc.close();
      return fail(new Error(`cannot listen on ${cfg.listen.host}:${cfg.listen.port}: ${(e as Error).message}`), 1);
    }
    let enforcers: RunningEnforcer[];
    try {
      enforcers = await startEnforcers(prepared, svc, loopbackUrl(svc), cfg.data_dir, (line) => process.stderr.write(`writ serve: ${line}\n`));
    } catch (e) {
      // All or nothing: the service does not run on with some of its enforcers missing.
      await svc.close();
      if (e instanceof EnforcerStartError) return fail(e, 1);
      throw e;
    }
    const durability = cfg.log.durability === 'process' ? `decision log fsync'd every ${cfg.log.sync_interval_ms} ms (log.durability: process)` : 'decision log fsync\'d before each answer';
    process.stderr.write(`writ serve: listening on ${address}; policies at ${address}/git/policies.git; data in ${cfg.data_dir}; ${durability}\n`);
    const signal = await new Promise<string>((done) => {
      process.once('SIGINT', () => done('SIGINT'));
      process.once('SIGTERM', () => done('SIGTERM'));
    });
    // A shutdown that hangs (a client holding a request open, say) must not keep the process: a second signal,
    // or SHUTDOWN_GRACE_MS, ends it. Records already answered are durable; nothing unanswered is lost.
    let stage = 'closing the enforcers';
    const force = (why: string) => {
      process.stderr.write(`writ serve: ${why} (${stage}; still open: ${openHandles()}); exiting without finishing the shutdown\n`);
      process.exit(1);
    };
    process.once('SIGINT', () => force('second signal'));
    process.once('SIGTERM', () => force('second signal'));
    setTimeout(() => force(`shutdown took longer than ${SHUTDOWN_GRACE_MS / 1000} s`), SHUTDOWN_GRACE_MS).unref();
    process.stderr.write(`writ serve: ${signal}: closing the enforcers, then the service\n`);
    // Enforcers first: their sessions end and seal their recordings into the log the service still has open.
    await closeEnforcers(enforcers);
    stage = 'closing the service';
    await svc.close();
    return 0;
  },
};

/** The service as its own enforcers reach it (approvals): a wildcard listen address is reached on loopback. */
function loopbackUrl(svc: { app: { server: { address(): unknown } } }): string {
  const a = svc.app.server.address() as { address: string; family: string; port: number };
  const host = a.address === '0.0.0.0' ? '127.0.0.1' : a.address === '::' ? '::1' : a.address;
  return `http://${a.family === 'IPv6' ? `[${host}]` : host}:${a.port}`;
}
