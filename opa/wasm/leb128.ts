// LEB128 and the byte-level reader/writer shared by the wasm binary layer.

/** Appends bytes to a growable buffer; every encoder in opa/wasm writes through one. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): this {
    this.ensure(1);
    this.buf[this.length++] = b & 0xff;
    return this;
  }

  bytes(bs: Uint8Array | number[]): this {
    this.ensure(bs.length);
    this.buf.set(bs, this.length);
    this.length += bs.length;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`internal: u32 out of range: ${v}`);
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  s32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new Error(`internal: s32 out of range: ${v}`);
    return this.s64(BigInt(v | 0));
  }

  s64(v: bigint): this {
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  name(s: string): this {
    const bs = new TextEncoder().encode(s);
    return this.u32(bs.length).bytes(bs);
  }

  /** A length-prefixed sub-encoding (section contents, function bodies). */
  sized(inner: Uint8Array): this {
    return this.u32(inner.length).bytes(inner);
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }
}

/** Sequential reader over a byte array; throws "internal:" on malformed input. */
export class ByteReader {
  constructor(readonly buf: Uint8Array, public pos = 0, readonly end = buf.length) {}

  eof(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new Error('internal: wasm: unexpected end of input');
    return this.buf[this.pos++];
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new Error('internal: wasm: unexpected end of input');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u32(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error('internal: wasm: u32 LEB128 too long');
  }

  s32(): number {
    return Number(this.sleb(5));
  }

  s64(): bigint {
    return this.sleb(10);
  }

  private sleb(maxBytes: number): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= 1n << shift;
        return result;
      }
    }
    throw new Error('internal: wasm: signed LEB128 too long');
  }

  name(): string {
    const n = this.u32();
    return new TextDecoder().decode(this.bytes(n));
  }
}
