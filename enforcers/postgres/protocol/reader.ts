// Bounded reader over one message body: any overrun is a format error, never a read past the message.

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Thrown inside the parser only, and turned into a ProtocolError before parse() returns.
export class FormatError {
  constructor(
    readonly kind: 'format' | 'encoding',
    readonly message: string,
  ) {}
}

export class MessageReader {
  private offset: number;

  constructor(
    private readonly buffer: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.offset = start;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.end) throw new FormatError('format', `message too short for ${what}`);
  }

  byte(what: string): number {
    this.need(1, what);
    return this.buffer[this.offset++]!;
  }

  int16(what: string): number {
    this.need(2, what);
    const v = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(what: string): number {
    this.need(4, what);
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(what: string): number {
    this.need(4, what);
    const v = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  // A copy, so messages stay valid after the parser reuses its buffer.
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const out = Buffer.from(this.buffer.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  // NUL-terminated string, strictly UTF-8: a lenient decode could make writ classify other text than the server runs.
  cstring(what: string): string {
    const nul = this.buffer.indexOf(0, this.offset);
    if (nul < 0 || nul >= this.end) throw new FormatError('format', `unterminated string in ${what}`);
    const raw = this.buffer.subarray(this.offset, nul);
    this.offset = nul + 1;
    try {
      return utf8.decode(raw);
    } catch {
      throw new FormatError('encoding', `invalid UTF-8 in ${what}`);
    }
  }

  // PostgreSQL rejects a message with bytes left after its last field (pq_getmsgend); so do we.
  done(what: string): void {
    if (this.offset !== this.end) throw new FormatError('format', `${this.end - this.offset} unexpected trailing bytes in ${what}`);
  }
}
