// The PostgreSQL enforcer's listener: accepts clients, runs one engine session each, maps cancel requests
// from writ's client-facing backend keys to the upstream backends they stand for.
import net from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { runSession, newCancelKey, type EngineShared, type SessionSummary } from './engine.ts';
import { sendCancel, type UpstreamSession } from './upstream.ts';
import type { PostgresEnforcerConfig } from './config.ts';
import { CatalogResolver } from './catalog.ts';

export class PostgresEnforcer {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  // Sessions still running (their recordings are sealed at the end): close() waits for them.
  private readonly sessions = new Set<Promise<void>>();
  // Client-facing process id -> its secret and the upstream backend it cancels.
  private readonly cancelKeys = new Map<number, { secretKey: Buffer; upstream: UpstreamSession['backendKey']; onCancel: () => void }>();
  /** Finished sessions (tests and the CLI's log read them). */
  readonly finished: SessionSummary[] = [];
  private readonly shared: EngineShared;
  private readonly catalog: CatalogResolver | undefined;

  constructor(readonly config: PostgresEnforcerConfig) {
    this.catalog = config.resolveSourceColumns === false ? undefined : new CatalogResolver(config.upstream);
    this.shared = {
      catalog: this.catalog,
      registerCancelKey: (upstream, onCancel) => {
        let key = newCancelKey();
        while (this.cancelKeys.has(key.processId)) key = newCancelKey();
        this.cancelKeys.set(key.processId, { secretKey: key.secretKey, upstream, onCancel });
        return { ...key, release: () => this.cancelKeys.delete(key.processId) };
      },
      cancel: async (m) => {
        const k = this.cancelKeys.get(m.processId);
        // A wrong key is ignored silently, as PostgreSQL does: no oracle for guessing keys.
        if (!k || k.secretKey.length !== m.secretKey.length || !timingSafeEqual(k.secretKey, m.secretKey)) return;
        k.onCancel();
        await sendCancel(config.upstream, k.upstream);
      },
      onSessionEnd: (s) => {
        this.finished.push(s);
        if (this.finished.length > 1000) this.finished.shift();
      },
    };
  }

  get activeSessions(): number {
    return this.sockets.size;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<net.AddressInfo> {
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const session = runSession(socket, this.config, this.shared)
        .catch((e) => this.config.log?.(`postgres: session crashed: ${(e as Error)?.stack ?? e}`))
        .finally(() => this.sessions.delete(session));
      this.sessions.add(session);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server.address() as net.AddressInfo;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    // Sessions end once their sockets are gone; waiting lets each seal its recording before the caller closes the log.
    await Promise.allSettled([...this.sessions]);
    await this.catalog?.close();
  }
}
