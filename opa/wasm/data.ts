// The data segment codegen appends after the runtime's static data: texts, tables, messages.

export class DataBuilder {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private texts = new Map<string, number>();

  /** `base` is the first byte after the runtime's static data (8-aligned by the caller). */
  constructor(readonly base: number) {}

  /** Address of a NUL-terminated UTF-8 copy of `s` (shared between equal texts). */
  cstring(s: string): number {
    const known = this.texts.get(s);
    if (known !== undefined) return known;
    const bytes = new TextEncoder().encode(s);
    const withNul = new Uint8Array(bytes.length + 1);
    withNul.set(bytes);
    const addr = this.append(withNul, 1);
    this.texts.set(s, addr);
    return addr;
  }

  /** Reserve `n` zeroed bytes aligned to `align`; returns their address. */
  reserve(n: number, align: number): number {
    return this.append(new Uint8Array(n), align);
  }

  private append(bytes: Uint8Array, align: number): number {
    const pad = (align - ((this.base + this.size) % align)) % align;
    if (pad) { this.chunks.push(new Uint8Array(pad)); this.size += pad; }
    const addr = this.base + this.size;
    this.chunks.push(bytes);
    this.size += bytes.length;
    return addr;
  }

  /** First free 8-aligned byte after everything appended. */
  end(): number {
    return align8(this.base + this.size);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}

export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
