// Minimal ustar writer and reader for OPA bundles (regular files only), deterministic output.

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;

function writeOctal(buf: Buffer, off: number, len: number, value: number): void {
  const s = value.toString(8).padStart(len - 1, '0');
  buf.write(s + '\0', off, len, 'ascii');
}

export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const nameBytes = Buffer.from(e.name, 'utf8');
    if (nameBytes.length > 100) throw new Error(`internal: tar entry name too long: ${e.name}`);
    const h = Buffer.alloc(BLOCK, 0);
    nameBytes.copy(h, 0);
    writeOctal(h, 100, 8, 0o644);
    writeOctal(h, 108, 8, 0);
    writeOctal(h, 116, 8, 0);
    writeOctal(h, 124, 12, e.data.length);
    writeOctal(h, 136, 12, 0);
    h.fill(0x20, 148, 156); // checksum field counts as spaces
    h.write('0', 156, 'ascii');
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
    parts.push(h, Buffer.from(e.data));
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

export class TarError extends Error {}

/** Read regular files from a tar archive; refuses anything it does not understand. */
export function readTar(buf: Buffer, limits = { maxFiles: 10_000, maxBytes: 512 * 1024 * 1024 }): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let total = 0;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    const want = parseInt(h.subarray(148, 156).toString('ascii').replace(/\0.*$/, '').trim(), 8);
    if (sum !== want) throw new TarError(`bad tar header checksum at offset ${off}`);
    const name0 = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const prefix = h.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const name = prefix ? `${prefix}/${name0}` : name0;
    const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(h[156] || 0x30);
    if (!Number.isFinite(size) || size < 0) throw new TarError(`bad size for ${name}`);
    off += BLOCK;
    if (off + size > buf.length) throw new TarError(`truncated tar entry ${name}`);
    if (type === '0' || type === '\0') {
      total += size;
      if (out.length >= limits.maxFiles || total > limits.maxBytes) throw new TarError('bundle too large');
      out.push({ name, data: buf.subarray(off, off + size) });
    } else if (type !== '5' && type !== 'g' && type !== 'x') {
      throw new TarError(`unsupported tar entry type '${type}' for ${name}`);
    }
    off += size + ((BLOCK - (size % BLOCK)) % BLOCK);
  }
  return out;
}
