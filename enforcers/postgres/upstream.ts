// Opens the upstream connection with writ's own credential (trust, cleartext, md5, SCRAM-SHA-256) and reads
// the server's session parameters and backend key; the client never sees this exchange.
import net from 'node:net';
import { serializeClientMessage } from './protocol/index.ts';
import { ServerCode, ServerFramer, noticeFields, type ServerFrame } from './framer.ts';
import { ScramClient, md5Password } from './scram.ts';
import type { UpstreamConfig } from './config.ts';

export interface UpstreamSession {
  socket: net.Socket;
  framer: ServerFramer;
  /** ParameterStatus messages as the server sent them (relayed to the client unchanged). */
  parameterStatus: Buffer[];
  backendKey: { processId: number; secretKey: Buffer };
  /** The first ReadyForQuery (relayed to the client). */
  ready: Buffer;
  /** Messages that arrived in the same read after ReadyForQuery (notices, notifications): relayed first. */
  early: ServerFrame[];
}

/** The upstream refused or failed; `sqlstate`/`severity` are the server's when it sent an ErrorResponse. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly sqlstate = '08006',
  ) {
    super(message);
  }
}

const password = (text: string) => serializeClientMessage({ name: 'password', password: text });

export async function connectUpstream(cfg: UpstreamConfig, parameters: Record<string, string>): Promise<UpstreamSession> {
  const socket = net.connect({ host: cfg.host, port: cfg.port });
  socket.setNoDelay(true);
  const framer = new ServerFramer();
  const timeoutMs = cfg.connectTimeoutMs ?? 5000;
  return new Promise<UpstreamSession>((resolve, reject) => {
    const parameterStatus: Buffer[] = [];
    let backendKey: UpstreamSession['backendKey'] | undefined;
    let scram: ScramClient | undefined;
    let settled = false;
    const timer = setTimeout(() => fail(new UpstreamError(`upstream ${cfg.host}:${cfg.port} did not complete authentication within ${timeoutMs} ms`)), timeoutMs);
    function fail(e: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(e instanceof UpstreamError ? e : new UpstreamError(`upstream ${cfg.host}:${cfg.port}: ${e.message}`));
    }
    const need = (what: string): string => {
      if (cfg.password === undefined) throw new UpstreamError(`upstream asks for ${what} authentication but writ has no password for user "${cfg.user}"`, '28P01');
      return cfg.password;
    };
    function onAuth(body: Buffer): void {
      const kind = body.readInt32BE(0);
      switch (kind) {
        case 0: // AuthenticationOk
          return;
        case 3: // cleartext
          socket.write(password(need('password')));
          return;
        case 5: // md5 with a 4-byte salt
          socket.write(password(md5Password(cfg.user, need('md5'), body.subarray(4, 8))));
          return;
        case 10: {
          // SASL: mechanisms as C strings, then an empty one.
          const mechanisms = body.toString('utf8', 4).split('\0').filter(Boolean);
          if (!mechanisms.includes('SCRAM-SHA-256')) throw new UpstreamError(`upstream offers SASL mechanisms ${mechanisms.join(', ')}; writ supports SCRAM-SHA-256 only`);
          scram = new ScramClient(need('SCRAM-SHA-256'));
          socket.write(serializeClientMessage({ name: 'saslInitialResponse', mechanism: 'SCRAM-SHA-256', data: Buffer.from(scram.first()) }));
          return;
        }
        case 11: // SASLContinue
          if (!scram) throw new UpstreamError('upstream sent SASLContinue without a SASL exchange');
          socket.write(serializeClientMessage({ name: 'saslResponse', data: Buffer.from(scram.final(body.toString('utf8', 4))) }));
          return;
        case 12: // SASLFinal
          if (!scram) throw new UpstreamError('upstream sent SASLFinal without a SASL exchange');
          scram.verify(body.toString('utf8', 4));
          return;
        default:
          throw new UpstreamError(`upstream asks for an authentication method writ does not support (code ${kind})`);
      }
    }
    const early: ServerFrame[] = [];
    function onFrame(f: ServerFrame): boolean {
      const body = f.bytes.subarray(5);
      switch (f.code) {
        case ServerCode.Authentication:
          onAuth(body);
          return false;
        case ServerCode.ParameterStatus:
          parameterStatus.push(f.bytes);
          return false;
        case ServerCode.BackendKeyData:
          backendKey = { processId: body.readInt32BE(0), secretKey: Buffer.from(body.subarray(4)) };
          return false;
        case ServerCode.NoticeResponse:
          return false;
        case ServerCode.ErrorResponse: {
          const n = noticeFields(f.bytes);
          throw new UpstreamError(`upstream refused writ's connection: ${n.get('M') ?? 'error'}`, n.get('C') ?? '08006');
        }
        case ServerCode.ReadyForQuery:
          if (!backendKey) throw new UpstreamError('upstream sent no BackendKeyData');
          settled = true;
          clearTimeout(timer);
          socket.removeListener('data', onData);
          socket.removeListener('error', fail);
          socket.removeListener('close', onClose);
          // Held until the relay listens, so nothing the server sends in between is lost.
          socket.pause();
          resolve({ socket, framer, parameterStatus, backendKey, ready: f.bytes, early });
          return true;
        default:
          throw new UpstreamError(`upstream sent message ${String.fromCharCode(f.code)} during startup`);
      }
    }
    function onData(chunk: Buffer): void {
      try {
        const frames = framer.push(chunk);
        for (let i = 0; i < frames.length; i++) {
          if (onFrame(frames[i]!)) {
            early.push(...frames.slice(i + 1));
            return;
          }
        }
      } catch (e) {
        fail(e as Error);
      }
    }
    const onClose = () => fail(new UpstreamError(`upstream ${cfg.host}:${cfg.port} closed the connection during startup`));
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('close', onClose);
    socket.once('connect', () => {
      socket.write(serializeClientMessage({ name: 'startup', protocolVersion: { major: 3, minor: 0 }, parameters: { ...parameters, user: cfg.user, database: cfg.database } }));
    });
  });
}

/** Sends a CancelRequest for an upstream backend on a fresh connection, as PostgreSQL's protocol requires. */
export function sendCancel(cfg: UpstreamConfig, key: { processId: number; secretKey: Buffer }): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: cfg.host, port: cfg.port }, () => {
      s.end(serializeClientMessage({ name: 'cancelRequest', processId: key.processId, secretKey: key.secretKey }));
    });
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.setTimeout(5000, () => s.destroy());
  });
}
