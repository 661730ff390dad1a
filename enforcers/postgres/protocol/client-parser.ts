// Incremental parser of PostgreSQL client (frontend) messages: bytes in, typed messages or one ProtocolError out; no I/O.

import { ProtocolError, type ProtocolErrorCode } from './errors.ts';
import { FormatError, MessageReader } from './reader.ts';
import {
  CANCEL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  MessageCodes,
  SSL_REQUEST_CODE,
  type AuthExpectation,
  type ClientMessage,
  type FormatCode,
} from './messages.ts';

// PostgreSQL's limits (src/include/libpq/pqcomm.h, postgres.c, auth.c).
export const MAX_STARTUP_PACKET_LENGTH = 10000; // body bytes after the length word
export const MAX_ALLOC_SIZE = 0x3fffffff; // MaxAllocSize: 1 GiB - 1
export const PQ_SMALL_MESSAGE_LIMIT = 10000;
export const PG_MAX_AUTH_TOKEN_LENGTH = 65535;
const MAX_CANCEL_KEY_LENGTH = 256; // protocol 3.2 allows keys up to 256 bytes

const CODE_LENGTH = 1;
const LEN_LENGTH = 4;
const HEADER_LENGTH = CODE_LENGTH + LEN_LENGTH;

export interface ClientParserOptions {
  // Upper bound for large messages (Query, Parse, Bind, FunctionCall, CopyData); default and ceiling MaxAllocSize - 1.
  maxMessageLength?: number;
  // What the first 'p' message after the startup packet is; writ's frontend asks for a cleartext password.
  authAfterStartup?: AuthExpectation | null;
}

export type MessageCallback = (message: ClientMessage) => void;

type Phase = 'startup' | 'encryption-pending' | 'typed' | 'cancelled' | 'failed';

const emptyBuffer = Buffer.alloc(0);

export class ClientParser {
  private buffer: Buffer = emptyBuffer;
  private bufferOffset = 0;
  private bufferLength = 0;
  // Stream offset of buffer[bufferOffset] (the first unread byte), for error offsets.
  private consumed = 0;
  // False while buffer aliases the caller's chunk, which must be copied before parse() returns holding bytes of it.
  private owned = false;
  private phase: Phase = 'startup';
  private auth: AuthExpectation | null = null;
  private error: ProtocolError | undefined;
  private sslTried = false;
  private gssTried = false;
  private readonly largeLimit: number;
  private readonly authAfterStartup: AuthExpectation | null;

  constructor(options: ClientParserOptions = {}) {
    const max = options.maxMessageLength ?? MAX_ALLOC_SIZE - 1;
    this.largeLimit = Math.max(HEADER_LENGTH - 1, Math.min(max, MAX_ALLOC_SIZE - 1));
    this.authAfterStartup = options.authAfterStartup === undefined ? 'password' : options.authAfterStartup;
  }

  // The server answered SSLRequest/GSSENCRequest ('S'/'G' then TLS, or 'N'); the client may now send its startup packet.
  encryptionResponded(): void {
    if (this.phase === 'encryption-pending') this.phase = 'startup';
  }

  // The server sent an authentication request (or finished: null); decides what the next 'p' message is.
  expectAuthentication(kind: AuthExpectation | null): void {
    this.auth = kind;
  }

  // Feed bytes; complete messages go to callback in order. Returns the error that stopped the stream, if any;
  // once failed, every later call returns the same error and delivers nothing.
  parse(chunk: Uint8Array, callback: MessageCallback): ProtocolError | undefined {
    if (this.error) return this.error;
    this.mergeBuffer(chunk);
    let offset = this.bufferOffset;
    const end = this.bufferOffset + this.bufferLength;
    while (offset < end && !this.error) {
      const available = end - offset;
      if (this.phase === 'encryption-pending') {
        // Bytes before the handshake would be read as if encrypted (CVE-2021-23214): refuse.
        this.fail('bytes_after_encryption_request', 'received unencrypted data after SSL or GSS encryption request', offset);
        break;
      }
      if (this.phase === 'cancelled') {
        this.fail('bytes_after_cancel_request', 'received data after CancelRequest', offset);
        break;
      }
      if (this.phase === 'startup') {
        if (available < LEN_LENGTH) break;
        const length = this.buffer.readUInt32BE(offset);
        if (length < LEN_LENGTH + 4 || length > LEN_LENGTH + MAX_STARTUP_PACKET_LENGTH) {
          this.fail('invalid_startup_packet_length', `invalid length of startup packet: ${length}`, offset);
          break;
        }
        if (available < length) break;
        const message = this.handleStartupPacket(offset, offset + LEN_LENGTH, offset + length);
        offset += length;
        // Decided before the callback runs, so answering from inside it cannot admit bytes that came too early.
        const early = (this.phase as Phase) === 'encryption-pending' && offset < end;
        if (message) callback(message);
        if (early) {
          this.fail('bytes_after_encryption_request', 'received unencrypted data after SSL or GSS encryption request', offset);
          break;
        }
        continue;
      }
      // Typed messages: type and length are checked as soon as they arrive, so no limit waits for a body.
      const code = this.buffer[offset]!;
      const limit = this.limitFor(code);
      if (limit === undefined) {
        this.fail('unknown_message_type', `invalid frontend message type ${code} (${printable(code)})`, offset);
        break;
      }
      // During authentication only 'p' (or a goodbye) may come; after it, 'p' is a protocol violation.
      const allowed = this.auth !== null ? code === MessageCodes.Password || code === MessageCodes.Terminate : code !== MessageCodes.Password;
      if (!allowed) {
        const why = this.auth !== null ? `expected a password message, got ${printable(code)}` : 'unexpected password message';
        this.fail('unexpected_message', why, offset);
        break;
      }
      if (available < HEADER_LENGTH) break;
      const length = this.buffer.readUInt32BE(offset + CODE_LENGTH);
      if (length < LEN_LENGTH) {
        this.fail('invalid_message_length', `invalid message length ${length}`, offset);
        break;
      }
      if (length > limit) {
        this.fail('message_too_large', `message length ${length} exceeds the limit of ${limit} for type ${printable(code)}`, offset);
        break;
      }
      if (available < CODE_LENGTH + length) break;
      const message = this.handlePacket(offset, code, offset + HEADER_LENGTH, offset + CODE_LENGTH + length);
      offset += CODE_LENGTH + length;
      if (message) callback(message);
    }
    if (this.error) {
      this.buffer = emptyBuffer;
      this.bufferOffset = this.bufferLength = 0;
      return this.error;
    }
    this.consumed += offset - this.bufferOffset;
    if (offset === end) {
      this.buffer = emptyBuffer;
      this.bufferOffset = this.bufferLength = 0;
    } else if (!this.owned) {
      this.buffer = Buffer.from(this.buffer.subarray(offset, end));
      this.owned = true;
      this.bufferOffset = 0;
      this.bufferLength = end - offset;
    } else {
      this.bufferLength = end - offset;
      this.bufferOffset = offset;
    }
    return undefined;
  }

  // Append a chunk after the unread bytes, growing by doubling (as pg-protocol's parser does).
  private mergeBuffer(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (this.bufferLength === 0) {
      this.buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.owned = false;
      this.bufferOffset = 0;
      this.bufferLength = chunk.byteLength;
      return;
    }
    const newLength = this.bufferLength + chunk.byteLength;
    if (this.owned && this.bufferOffset + newLength > this.buffer.byteLength && newLength <= this.buffer.byteLength) {
      // Room enough once the consumed prefix is dropped.
      this.buffer.copyWithin(0, this.bufferOffset, this.bufferOffset + this.bufferLength);
      this.bufferOffset = 0;
    } else if (!this.owned || this.bufferOffset + newLength > this.buffer.byteLength) {
      let capacity = 1024;
      while (capacity < newLength) capacity *= 2;
      const grown = Buffer.allocUnsafe(capacity);
      this.buffer.copy(grown, 0, this.bufferOffset, this.bufferOffset + this.bufferLength);
      this.buffer = grown;
      this.owned = true;
      this.bufferOffset = 0;
    }
    this.buffer.set(chunk, this.bufferOffset + this.bufferLength);
    this.bufferLength = newLength;
  }

  // The client closed its side: a partial message left over is an error.
  end(): ProtocolError | undefined {
    if (this.error) return this.error;
    if (this.bufferLength > 0) {
      this.fail('truncated_message', `connection closed inside a message (${this.bufferLength} bytes pending)`, this.bufferOffset);
    }
    return this.error;
  }

  private fail(code: ProtocolErrorCode, message: string, bufferPosition: number, sqlstate?: string): void {
    const streamOffset = this.consumed + (bufferPosition - this.bufferOffset);
    this.error = new ProtocolError(code, message, streamOffset, sqlstate);
    this.phase = 'failed';
  }

  // Per-type length ceilings, as PostgreSQL's SocketBackend and auth code apply them; undefined = unknown type.
  private limitFor(code: number): number | undefined {
    switch (code) {
      case MessageCodes.Query:
      case MessageCodes.Parse:
      case MessageCodes.Bind:
      case MessageCodes.FunctionCall:
      case MessageCodes.CopyData:
        return this.largeLimit;
      case MessageCodes.Describe:
      case MessageCodes.Execute:
      case MessageCodes.Sync:
      case MessageCodes.Flush:
      case MessageCodes.Close:
      case MessageCodes.CopyDone:
      case MessageCodes.CopyFail:
      case MessageCodes.Terminate:
        return Math.min(PQ_SMALL_MESSAGE_LIMIT, this.largeLimit);
      case MessageCodes.Password:
        return Math.min(PG_MAX_AUTH_TOKEN_LENGTH, this.largeLimit);
      default:
        return undefined;
    }
  }

  private handleStartupPacket(packetStart: number, start: number, end: number): ClientMessage | undefined {
    const reader = new MessageReader(this.buffer, start, end);
    const code = reader.uint32('protocol version');
    if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
      const ssl = code === SSL_REQUEST_CODE;
      if (reader.remaining() !== 0) {
        this.fail('invalid_startup_packet', `${ssl ? 'SSLRequest' : 'GSSENCRequest'} must be 8 bytes`, packetStart);
        return undefined;
      }
      if (ssl ? this.sslTried : this.gssTried) {
        this.fail('unexpected_message', `${ssl ? 'SSL' : 'GSS'} encryption was already negotiated`, packetStart);
        return undefined;
      }
      if (ssl) this.sslTried = true;
      else this.gssTried = true;
      this.phase = 'encryption-pending';
      return { name: ssl ? 'sslRequest' : 'gssEncRequest' };
    }
    if (code === CANCEL_REQUEST_CODE) {
      const keyLength = reader.remaining() - 4;
      if (keyLength < 4 || keyLength > MAX_CANCEL_KEY_LENGTH) {
        this.fail('invalid_startup_packet', `invalid length of CancelRequest: ${end - packetStart}`, packetStart);
        return undefined;
      }
      const processId = reader.int32('process id');
      const secretKey = reader.bytes(keyLength, 'secret key');
      this.phase = 'cancelled';
      return { name: 'cancelRequest', processId, secretKey };
    }
    const major = code >>> 16;
    const minor = code & 0xffff;
    if (major !== 3) {
      this.fail('unsupported_protocol_version', `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.x`, packetStart);
      return undefined;
    }
    return this.parseStartupParameters(reader, packetStart, major, minor);
  }

  private parseStartupParameters(reader: MessageReader, packetStart: number, major: number, minor: number): ClientMessage | undefined {
    const entries: Array<[string, string]> = [];
    const seen = new Set<string>();
    try {
      for (;;) {
        if (reader.remaining() === 0) {
          this.fail('invalid_startup_packet', 'invalid startup packet layout: expected terminator as last byte', packetStart);
          return undefined;
        }
        const name = reader.cstring('startup parameter name');
        if (name === '') break;
        const value = reader.cstring(`startup parameter ${name}`);
        // Duplicates could make writ and the server read different users or databases.
        if (seen.has(name)) {
          this.fail('invalid_startup_packet', `duplicate startup parameter "${name}"`, packetStart);
          return undefined;
        }
        seen.add(name);
        entries.push([name, value]);
      }
      reader.done('startup packet');
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      this.fail(e.kind === 'encoding' ? 'invalid_string_encoding' : 'invalid_startup_packet', `invalid startup packet: ${e.message}`, packetStart);
      return undefined;
    }
    if (!seen.has('user')) {
      this.fail('invalid_startup_packet', 'no PostgreSQL user name specified in startup packet', packetStart, '28000');
      return undefined;
    }
    this.phase = 'typed';
    this.auth = this.authAfterStartup;
    return { name: 'startup', protocolVersion: { major, minor }, parameters: Object.fromEntries(entries) };
  }

  private handlePacket(packetStart: number, code: number, start: number, end: number): ClientMessage | undefined {
    const reader = new MessageReader(this.buffer, start, end);
    try {
      const message = this.parseTyped(code, reader);
      reader.done(message.name);
      return message;
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      if (e.kind === 'encoding') this.fail('invalid_string_encoding', e.message, packetStart);
      else this.fail('invalid_message_format', `invalid ${printable(code)} message: ${e.message}`, packetStart);
      return undefined;
    }
  }

  private parseTyped(code: number, reader: MessageReader): ClientMessage {
    switch (code) {
      case MessageCodes.Query:
        return { name: 'query', text: reader.cstring('query') };
      case MessageCodes.Parse:
        return parseParseMessage(reader);
      case MessageCodes.Bind:
        return parseBindMessage(reader);
      case MessageCodes.Describe:
        return { name: 'describe', target: parseTarget(reader), objectName: reader.cstring('name') };
      case MessageCodes.Execute:
        return parseExecuteMessage(reader);
      case MessageCodes.Sync:
        return { name: 'sync' };
      case MessageCodes.Flush:
        return { name: 'flush' };
      case MessageCodes.Close:
        return { name: 'close', target: parseTarget(reader), objectName: reader.cstring('name') };
      case MessageCodes.CopyData:
        return { name: 'copyData', data: reader.bytes(reader.remaining(), 'copy data') };
      case MessageCodes.CopyDone:
        return { name: 'copyDone' };
      case MessageCodes.CopyFail:
        return { name: 'copyFail', message: reader.cstring('copy fail message') };
      case MessageCodes.FunctionCall:
        return parseFunctionCallMessage(reader);
      case MessageCodes.Password:
        return this.parsePasswordMessage(reader);
      case MessageCodes.Terminate:
        return { name: 'terminate' };
      default:
        // limitFor() admitted only the codes above.
        throw new Error(`internal: no parser for message type ${code}`);
    }
  }

  // One type byte, three messages: which one is set by the last authentication request.
  private parsePasswordMessage(reader: MessageReader): ClientMessage {
    switch (this.auth) {
      case 'password':
        this.auth = null;
        return { name: 'password', password: reader.cstring('password') };
      case 'sasl-initial': {
        const mechanism = reader.cstring('SASL mechanism');
        const length = reader.int32('SASL data length');
        if (length < -1) throw new FormatError('format', `invalid SASL data length ${length}`);
        const data = length === -1 ? null : reader.bytes(length, 'SASL data');
        this.auth = 'sasl-continue';
        return { name: 'saslInitialResponse', mechanism, data };
      }
      case 'sasl-continue':
        this.auth = null;
        return { name: 'saslResponse', data: reader.bytes(reader.remaining(), 'SASL data') };
      default:
        throw new Error('internal: password message outside authentication');
    }
  }
}

function parseTarget(reader: MessageReader): 'S' | 'P' {
  const t = reader.byte('target');
  if (t === 0x53) return 'S';
  if (t === 0x50) return 'P';
  throw new FormatError('format', `invalid target type ${printable(t)}`);
}

function parseParseMessage(reader: MessageReader): ClientMessage {
  const statement = reader.cstring('statement name');
  const text = reader.cstring('query');
  const count = reader.int16('parameter type count');
  if (count < 0) throw new FormatError('format', `invalid parameter type count ${count}`);
  const parameterTypes: number[] = [];
  for (let i = 0; i < count; i++) parameterTypes.push(reader.uint32('parameter type'));
  return { name: 'parse', statement, text, parameterTypes };
}

function parseFormats(reader: MessageReader, what: string): FormatCode[] {
  const count = reader.int16(`${what} count`);
  if (count < 0) throw new FormatError('format', `invalid ${what} count ${count}`);
  const formats: FormatCode[] = [];
  for (let i = 0; i < count; i++) {
    const f = reader.int16(what);
    if (f !== 0 && f !== 1) throw new FormatError('format', `unsupported format code ${f}`);
    formats.push(f);
  }
  return formats;
}

// Values with length -1 are SQL NULL; any other negative length is malformed.
function parseValues(reader: MessageReader, what: string): Array<Buffer | null> {
  const count = reader.int16(`${what} count`);
  if (count < 0) throw new FormatError('format', `invalid ${what} count ${count}`);
  const values: Array<Buffer | null> = [];
  for (let i = 0; i < count; i++) {
    const length = reader.int32(`${what} length`);
    if (length === -1) values.push(null);
    else if (length < 0) throw new FormatError('format', `invalid ${what} length ${length}`);
    else values.push(reader.bytes(length, what));
  }
  return values;
}

// PostgreSQL accepts 0 format codes (all text), 1 (applies to all) or one per value.
function checkFormatCount(formats: number, values: number, what: string): void {
  if (formats > 1 && formats !== values) {
    throw new FormatError('format', `${what} has ${formats} format codes but ${values} values`);
  }
}

function parseBindMessage(reader: MessageReader): ClientMessage {
  const portal = reader.cstring('portal name');
  const statement = reader.cstring('statement name');
  const parameterFormats = parseFormats(reader, 'parameter format');
  const parameters = parseValues(reader, 'parameter');
  checkFormatCount(parameterFormats.length, parameters.length, 'bind message');
  const resultFormats = parseFormats(reader, 'result format');
  return { name: 'bind', portal, statement, parameterFormats, parameters, resultFormats };
}

function parseExecuteMessage(reader: MessageReader): ClientMessage {
  const portal = reader.cstring('portal name');
  // PostgreSQL reads any value <= 0 as "no limit"; kept as sent.
  const maxRows = reader.int32('row limit');
  return { name: 'execute', portal, maxRows };
}

function parseFunctionCallMessage(reader: MessageReader): ClientMessage {
  const functionOid = reader.uint32('function oid');
  const argumentFormats = parseFormats(reader, 'argument format');
  const args = parseValues(reader, 'argument');
  checkFormatCount(argumentFormats.length, args.length, 'function call message');
  const resultFormat = reader.int16('result format');
  if (resultFormat !== 0 && resultFormat !== 1) throw new FormatError('format', `unsupported format code ${resultFormat}`);
  return { name: 'functionCall', functionOid, argumentFormats, arguments: args, resultFormat };
}

function printable(code: number): string {
  return code >= 0x20 && code < 0x7f ? `'${String.fromCharCode(code)}'` : `0x${code.toString(16).padStart(2, '0')}`;
}
