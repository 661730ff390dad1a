// The enforcers `writ serve` runs in its own process (writ.yaml `enforcers:`): secrets read and upstreams checked
// before anything listens, decisions through the service's own POST /v1/decisions route (fastify inject), sessions
// recorded under the data directory and sealed into the service's decision log.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { ConfigError, type CallerConfig, type PostgresEnforcerEntry, type WritConfig } from '../service/config.ts';
import { tokenHash } from '../service/auth.ts';
import type { Service } from '../service/service.ts';
import { Masker, createDecisionClient, serviceTransport } from '../../enforcers/common/index.ts';
import { PostgresEnforcer, type UpstreamConfig } from '../../enforcers/postgres/index.ts';
import { connectUpstream } from '../../enforcers/postgres/upstream.ts';

/** An enforcer that could not start; the message names it. */
export class EnforcerStartError extends Error {
  constructor(name: string, problem: string) {
    super(`enforcer ${name}: ${problem}`);
    this.name = 'EnforcerStartError';
  }
}

/** One configured enforcer with its secrets read and its own caller token (this process only, never written). */
export interface PreparedEnforcer {
  entry: PostgresEnforcerEntry;
  upstream: UpstreamConfig;
  tls?: tls.SecureContext;
  maskHashKey?: Buffer;
  caller: CallerConfig;
  token: string;
}

export interface RunningEnforcer {
  name: string;
  address: string;
  close(): Promise<void>;
}

function readKeyFile(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(key, `cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Reads every enforcer's files and variables; a problem is a ConfigError naming the writ.yaml key. Nothing listens yet. */
export function prepareEnforcers(cfg: WritConfig, env: NodeJS.ProcessEnv = process.env): PreparedEnforcer[] {
  return cfg.enforcers.postgres.map((entry, i) => {
    const key = `enforcers.postgres[${i}]`;
    const u = entry.upstream;
    let password = u.password;
    if (u.password_file !== undefined) password = readKeyFile(u.password_file, `${key}.upstream.password_file`).trim();
    if (u.password_env !== undefined) {
      password = env[u.password_env];
      if (password === undefined) throw new ConfigError(`${key}.upstream.password_env`, `the environment variable ${u.password_env} is not set`);
    }
    let context: tls.SecureContext | undefined;
    if (entry.tls) {
      const cert = readKeyFile(entry.tls.cert, `${key}.tls.cert`);
      const pem = readKeyFile(entry.tls.key, `${key}.tls.key`);
      try {
        context = tls.createSecureContext({ cert, key: pem });
      } catch (e) {
        throw new ConfigError(`${key}.tls`, `not a usable certificate and key: ${(e as Error).message}`);
      }
    }
    const token = `writ_enforcer_${randomBytes(24).toString('base64url')}`;
    return {
      entry,
      upstream: { host: u.host, port: u.port, user: u.user, database: u.database, password },
      tls: context,
      maskHashKey: entry.mask_hash_key_file ? Buffer.from(readKeyFile(entry.mask_hash_key_file, `${key}.mask_hash_key_file`).trim()) : undefined,
      caller: { name: `enforcer:${entry.name}`, role: 'enforcer', token_sha256: tokenHash(token) },
      token,
    };
  });
}

/** Logs in upstream once with writ's credential, so a wrong host, user, password or database stops the start. */
export async function checkUpstreams(prepared: PreparedEnforcer[]): Promise<void> {
  await Promise.all(
    prepared.map(async (p) => {
      const u = p.upstream;
      try {
        const s = await connectUpstream(u, { application_name: 'writ-serve-check' });
        s.socket.end(Buffer.from([0x58, 0, 0, 0, 4])); // Terminate
      } catch (e) {
        throw new EnforcerStartError(p.entry.name, `upstream ${u.user}@${u.host}:${u.port}/${u.database} refused writ's login: ${(e as Error).message}`);
      }
    }),
  );
}

/**
 * Starts the enforcers once the service listens at `serviceUrl`. All or none: when one cannot listen, those
 * already started are closed again and the error names the one that failed.
 */
export async function startEnforcers(prepared: PreparedEnforcer[], svc: Service, serviceUrl: string, dataDir: string, say: (line: string) => void): Promise<RunningEnforcer[]> {
  const running: RunningEnforcer[] = [];
  // Statement texts can hold secrets too: recordings get every detector's redaction (the decision log keeps the decisions).
  const recordingMasker = new Masker([{ detector: '*', strategy: 'redact' }]);
  for (const p of prepared) {
    const e = p.entry;
    const enforcer = new PostgresEnforcer({
      upstream: p.upstream,
      // The same code as POST /v1/decisions (evaluation, token check, log record) as caller enforcer:<name>, without HTTP.
      decider: createDecisionClient({ transport: serviceTransport((body) => svc.app.writDecide({ name: p.caller.name, role: 'enforcer' }, body)), timeoutMs: e.decision_timeout_ms }),
      enforcerId: e.name,
      resourceName: e.resource.name,
      resourceAttributes: e.resource.attributes,
      tls: p.tls,
      allowPlaintext: e.allow_plaintext,
      approvals: { url: serviceUrl, token: p.token },
      maskHashKey: p.maskHashKey,
      recording: e.record_sessions ? { dataDir, log: svc.log, masker: recordingMasker } : undefined,
      log: (line) => say(`enforcer ${e.name}: ${line}`),
    });
    let addr: AddressInfo;
    try {
      addr = await enforcer.listen(e.listen.port, e.listen.host);
    } catch (err) {
      await enforcer.close().catch(() => undefined);
      await closeEnforcers(running);
      const code = (err as { code?: string }).code;
      const why = code === 'EADDRINUSE' ? 'the address is already in use' : (err as Error).message;
      throw new EnforcerStartError(e.name, `cannot listen on ${e.listen.host}:${e.listen.port}: ${why}`);
    }
    const address = `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    running.push({ name: e.name, address, close: () => enforcer.close() });
    const u = p.upstream;
    say(`enforcer ${e.name} listening on ${address} (postgres), upstream ${u.user}@${u.host}:${u.port}/${u.database}${p.tls ? ', TLS on' : ''}${e.record_sessions ? ', sessions recorded' : ''}`);
  }
  return running;
}

/** Closes enforcers (their sessions end and seal their recordings) in parallel. */
export async function closeEnforcers(running: RunningEnforcer[]): Promise<void> {
  await Promise.allSettled(running.map((r) => r.close()));
}
