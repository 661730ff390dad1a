// Opening a service instance from a validated config: data directory, log, keys, callers, policy
// store. `writ serve` listens on the result; tests use the same function with inject or port 0.
import { join } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import chokidar from 'chokidar';
import type { CallerConfig, WritConfig } from './config.ts';
import { build } from './app.ts';
import { CallerTable, loadOrCreateTokens } from './auth.ts';
import { ServiceMetrics } from './metrics.ts';
import { PolicyStore } from '../policy/store.ts';
import { DecisionLog } from '../audit/log.ts';
import type { SqliteLogStore } from '../audit/store.ts';
import { BufferedLogStore } from '../audit/buffered-store.ts';
import { WorkerLogStore } from '../audit/worker-store.ts';
import { loadOrCreateSigningKey } from '../audit/keys.ts';
import { dataDirLayout, loadOrCreateReplayKey } from '../audit/record.ts';

export interface OpenOptions {
  /** Development mode: activate this directory and reload it on save (keep last good). */
  watch?: string;
  logger?: boolean | object;
  /** Operational messages (tokens file, activations, refused reloads); default stderr. */
  say?: (msg: string) => void;
  now?: () => Date;
  /** Callers of this process only (enforcers `writ serve` starts), added to the configured or generated ones. */
  internalCallers?: CallerConfig[];
}

export interface Service {
  app: FastifyInstance;
  store: PolicyStore;
  log: DecisionLog;
  /** The log's read side (a connection of this thread); writes go through `log` to the writer. */
  logStore: SqliteLogStore;
  /** The log's writer: a worker thread owning the write connection (log.durability: disk), or this thread's (process). */
  logWriter: WorkerLogStore | BufferedLogStore;
  metrics: ServiceMetrics;
  /** Path of the generated tokens file when no callers are configured. */
  tokensFile?: string;
  close(): Promise<void>;
}

export async function openService(config: WritConfig, opts: OpenOptions = {}): Promise<Service> {
  const say = opts.say ?? ((m: string) => process.stderr.write(`writ serve: ${m}\n`));
  const dd = config.data_dir;
  mkdirSync(dd, { recursive: true, mode: 0o700 });
  let callerConfigs = config.callers;
  let tokensFile: string | undefined;
  if (callerConfigs.length === 0) {
    tokensFile = join(dd, dataDirLayout.tokens);
    const t = loadOrCreateTokens(tokensFile);
    callerConfigs = t.callers;
    say(`no callers configured: ${t.created ? 'generated' : 'using'} one token per role (admin, enforcer, pusher) in ${tokensFile}`);
  }
  const replayKey = loadOrCreateReplayKey(join(dd, dataDirLayout.replayKey));
  const store = await PolicyStore.open({
    dataDir: dd,
    seedDir: config.policies.dir,
    branch: config.policies.branch,
    requireSignedBundles: config.policies.require_signed_bundles,
    strictBuiltinErrors: config.policies.strict_builtin_errors,
    verificationKey: config.policies.verification_key ? readFileSync(config.policies.verification_key, 'utf8') : undefined,
    now: opts.now,
    log: say,
  });
  const logPath = join(dd, dataDirLayout.logDb);
  const logWriter =
    config.log.durability === 'process' ? new BufferedLogStore(logPath, { replayKey, syncIntervalMs: config.log.sync_interval_ms }) : await WorkerLogStore.open(logPath, { replayKey });
  const logStore = logWriter instanceof BufferedLogStore ? logWriter : logWriter.reader;
  const log = new DecisionLog({ store: logWriter, key: loadOrCreateSigningKey(join(dd, dataDirLayout.logKey)), checkpointEvery: config.log.checkpoint_every, checkpointIntervalMs: config.log.checkpoint_seconds * 1000, now: opts.now });
  const metrics = new ServiceMetrics(true);
  const app = build({ config, store, log, logStore, callers: new CallerTable([...callerConfigs, ...(opts.internalCallers ?? [])]), metrics, now: opts.now, logger: opts.logger });

  let watcher: ReturnType<typeof chokidar.watch> | undefined;
  if (opts.watch) {
    const dir = opts.watch;
    const reload = async () => {
      try {
        await store.activateDirectory(dir);
      } catch (e) {
        metrics.failures.inc({ kind: 'activation_refused' });
        say(`${(e as Error).message}\n${(e as { diagnostics?: string }).diagnostics ?? ''}`);
      }
    };
    await reload();
    let timer: NodeJS.Timeout | undefined;
    watcher = chokidar.watch(dir, { ignoreInitial: true, ignored: (p: string) => /(^|[/\\])\.[^/\\]/.test(p.slice(dir.length)) });
    watcher.on('all', () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 100);
    });
    // Saves made before the initial scan finishes would be missed.
    await new Promise<void>((ready) => watcher!.once('ready', () => ready()));
  }

  return {
    app,
    store,
    log,
    logStore,
    logWriter,
    metrics,
    tokensFile,
    async close() {
      // Every part is closed even when one fails (the log last, after the last answers were logged);
      // the first failure is rethrown.
      let first: unknown;
      for (const step of [() => watcher?.close(), () => app.close(), () => store.close(), () => log.close()]) {
        try {
          await step();
        } catch (e) {
          first ??= e;
        }
      }
      if (first !== undefined) throw first;
    },
  };
}
