// writ serve: the decision service (config from writ.yaml, flags and WRIT_* environment variables).
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfigFile, validateConfig, ConfigError, type WritConfig } from '../service/config.ts';
import { openService } from '../service/service.ts';
import { PolicyStoreError } from '../policy/store.ts';
import { flagValue, type ParsedArgs } from './args.ts';
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
    details: 'On first start the data directory gets a bare Git repository seeded from policies.dir, the SQLite log, its signing key,\nthe replay key, and (without configured callers) tokens.json with one token per role.',
  },
  async run(args: ParsedArgs) {
    let cfg: WritConfig;
    try {
      cfg = resolveServeConfig(args);
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`writ serve: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    const watch = flagValue(args, 'watch');
    let svc;
    try {
      svc = await openService(cfg, { watch: watch ? resolve(watch) : undefined, logger: { level: 'info' } });
    } catch (e) {
      if (e instanceof PolicyStoreError) {
        process.stderr.write(`writ serve: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    const address = await svc.app.listen({ host: cfg.listen.host, port: cfg.listen.port });
    process.stderr.write(`writ serve: listening on ${address}; policies at ${address}/git/policies.git; data in ${cfg.data_dir}\n`);
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await svc.close();
    return 0;
  },
};
