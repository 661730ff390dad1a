// Growable big-endian writer that frames PostgreSQL messages (type byte, then a length that counts itself).

export class MessageWriter {
  private buffer: Buffer;
  private offset = 0;

  constructor(capacity = 256) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  private ensure(n: number): void {
    if (this.offset + n <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.offset + n) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  byte(v: number): this {
    this.ensure(1);
    this.buffer[this.offset++] = v;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.buffer.writeInt16BE(v, this.offset);
    this.offset += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(v, this.offset);
    this.offset += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buffer.writeUInt32BE(v, this.offset);
    this.offset += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buffer.set(b, this.offset);
    this.offset += b.length;
    return this;
  }

  // NUL-terminated UTF-8; a NUL inside would end the field early on the peer's side, so it is refused.
  cstring(s: string): this {
    if (s.includes('\0')) throw new Error('internal: NUL byte inside a protocol string');
    const len = Buffer.byteLength(s, 'utf8');
    this.ensure(len + 1);
    this.buffer.write(s, this.offset, 'utf8');
    this.offset += len;
    this.buffer[this.offset++] = 0;
    return this;
  }

  // A length-prefixed value; null is written as length -1 (SQL NULL).
  value(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1);
    return this.int32(v.length).bytes(v);
  }

  // Frame as a typed message: code byte, then int32 length (including itself) and the body written so far.
  typed(code: number): Buffer {
    const out = Buffer.allocUnsafe(5 + this.offset);
    out[0] = code;
    out.writeUInt32BE(4 + this.offset, 1);
    this.buffer.copy(out, 5, 0, this.offset);
    return out;
  }

  // Frame as an untyped packet (startup, SSLRequest, CancelRequest): int32 length then body.
  untyped(): Buffer {
    const out = Buffer.allocUnsafe(4 + this.offset);
    out.writeUInt32BE(4 + this.offset, 0);
    this.buffer.copy(out, 4, 0, this.offset);
    return out;
  }
}
