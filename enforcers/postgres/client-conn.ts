// The client's side of a session: its socket (plain or upgraded to TLS), the incremental client-message parser,
// and a pull interface (next()) so the engine reads the protocol top to bottom.
import type net from 'node:net';
import tls from 'node:tls';
import { ClientParser, ProtocolError, type ClientMessage } from './protocol/index.ts';

// Messages parsed but not yet handled before the socket is paused (backpressure on a flooding client).
const HIGH_WATER = 64;

export class ClientClosed extends Error {
  constructor(message = 'client closed the connection') {
    super(message);
  }
}

export class ClientConnection {
  readonly parser = new ClientParser();
  socket: net.Socket;
  tls = false;
  private queue: ClientMessage[] = [];
  private waiter: ((v: void) => void) | undefined;
  private failure: Error | undefined;
  // Stops delivery while an SSLRequest is answered: later bytes belong to the TLS handshake.
  private holding = false;
  private readonly onData = (chunk: Buffer) => this.feed(chunk);
  private readonly onEnd = () => this.finish(this.parser.end() ?? new ClientClosed());

  constructor(readonly raw: net.Socket) {
    this.socket = raw;
    this.attach(raw);
  }

  get remoteAddress(): string {
    return this.raw.remoteAddress ?? '';
  }

  private attach(s: net.Socket): void {
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('close', () => this.finish(new ClientClosed()));
    s.on('error', () => this.finish(new ClientClosed()));
  }

  private feed(chunk: Buffer): void {
    if (this.failure) return;
    const err = this.parser.parse(chunk, (m) => {
      this.queue.push(m);
      // Encryption requests must be answered before any later byte is read (it may be a TLS ClientHello).
      if (m.name === 'sslRequest' || m.name === 'gssEncRequest') {
        this.holding = true;
        this.socket.removeListener('data', this.onData);
        this.socket.pause();
      }
    });
    if (err) this.finish(err);
    if (this.queue.length >= HIGH_WATER) this.socket.pause();
    this.wake();
  }

  private finish(e: Error): void {
    this.failure ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The next client message; throws the ProtocolError that broke the stream, or ClientClosed. */
  async next(): Promise<ClientMessage> {
    for (;;) {
      // A broken stream ends the session at once: nothing queued before the bad bytes is answered (an SSLRequest
      // followed by plaintext must not get its 'S').
      if (this.failure instanceof ProtocolError) throw this.failure;
      const m = this.queue.shift();
      if (m) {
        if (this.queue.length < HIGH_WATER / 2 && !this.holding) this.socket.resume();
        return m;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  /** Ends next() with this error (the engine stops the session from the upstream side). */
  interrupt(e: Error): void {
    this.finish(e);
  }

  /** Answers an SSLRequest/GSSENCRequest with 'N': the client continues in plaintext. */
  refuseEncryption(): void {
    this.socket.write('N');
    this.parser.encryptionResponded();
    this.release();
  }

  /** Answers an SSLRequest with 'S' and runs the TLS handshake on the same socket. */
  async startTls(secureContext: tls.SecureContext): Promise<void> {
    this.raw.removeListener('data', this.onData);
    this.raw.write('S');
    this.parser.encryptionResponded();
    const t = new tls.TLSSocket(this.raw, { isServer: true, secureContext });
    await new Promise<void>((resolve, reject) => {
      t.once('secure', () => resolve());
      // A failed handshake (not TLS, wrong version, client gave up) is a client that left, not a writ bug.
      t.once('error', (e) => reject(new ClientClosed(`TLS handshake failed: ${e.message}`)));
      t.once('close', () => reject(new ClientClosed()));
    });
    this.socket = t;
    this.tls = true;
    t.on('data', this.onData);
    t.on('end', this.onEnd);
    t.on('error', () => this.finish(new ClientClosed()));
    this.holding = false;
    t.resume();
  }

  private release(): void {
    this.holding = false;
    this.socket.on('data', this.onData);
    this.socket.resume();
  }

  write(b: Buffer | Buffer[]): void {
    if (this.socket.destroyed) return;
    if (Array.isArray(b)) {
      if (b.length) this.socket.write(b.length === 1 ? b[0]! : Buffer.concat(b));
    } else this.socket.write(b);
  }

  /** Writes a last message (FATAL ErrorResponse) and closes. */
  close(last?: Buffer): void {
    if (!this.socket.destroyed) {
      if (last) this.socket.end(last);
      else this.socket.end();
      // A client that never reads must not hold the socket open.
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }
  }
}
