// Rewrites function indices inside existing code when new imports shift the function index space.
import { ByteReader, ByteWriter } from './leb128.ts';

/**
 * Copies a function body, passing every `call` / `ref.func` index through `map`.
 * Knows the immediates of MVP opcodes plus sign-extension, saturating conversions and bulk
 * memory (what clang emits); anything else is an internal error rather than a silent miscopy.
 */
export function remapBody(body: Uint8Array, map: (index: number) => number): Uint8Array {
  const r = new ByteReader(body);
  const w = new ByteWriter();
  const copyFrom = (start: number) => w.bytes(body.subarray(start, r.pos));
  let start = r.pos;
  for (let n = r.u32(); n > 0; n--) { r.u32(); r.byte(); }
  copyFrom(start);
  while (!r.eof()) {
    start = r.pos;
    const op = r.byte();
    if (op === 0x10 || op === 0xd2) { // call, ref.func
      w.byte(op).u32(map(r.u32()));
      continue;
    }
    skipImmediates(r, op);
    copyFrom(start);
  }
  return w.finish();
}

/** Calls `f` with the target of every `call` / `ref.func` in a function body (read only, fast). */
export function forEachCall(body: Uint8Array, f: (index: number) => void): void {
  const r = new ByteReader(body);
  for (let n = r.u32(); n > 0; n--) { r.u32(); r.byte(); }
  while (!r.eof()) {
    const op = r.byte();
    if (op === 0x10 || op === 0xd2) f(r.u32());
    else skipImmediates(r, op);
  }
}

function skipImmediates(r: ByteReader, op: number): void {
  if (op === 0x02 || op === 0x03 || op === 0x04) { blockType(r); return; }
  if (op === 0x0c || op === 0x0d) { r.u32(); return; }
  if (op === 0x0e) { for (let n = r.u32(); n >= 0; n--) r.u32(); return; } // br_table: n labels + default
  if (op === 0x11) { r.u32(); r.u32(); return; }
  if (op === 0x1c) { r.bytes(r.u32()); return; } // typed select
  if (op >= 0x20 && op <= 0x24) { r.u32(); return; }
  if (op === 0x25 || op === 0x26) { r.u32(); return; } // table.get/set
  if (op >= 0x28 && op <= 0x3e) { r.u32(); r.u32(); return; }
  if (op === 0x3f || op === 0x40) { r.byte(); return; }
  if (op === 0x41) { r.s32(); return; }
  if (op === 0x42) { r.s64(); return; }
  if (op === 0x43) { r.bytes(4); return; }
  if (op === 0x44) { r.bytes(8); return; }
  if (op === 0xd0) { r.byte(); return; }
  if (op === 0xfc) {
    const sub = r.u32();
    if (sub <= 7) return;
    if (sub === 8) { r.u32(); r.byte(); return; }
    if (sub === 9) { r.u32(); return; }
    if (sub === 10) { r.byte(); r.byte(); return; }
    if (sub === 11) { r.byte(); return; }
    if (sub === 12 || sub === 14) { r.u32(); r.u32(); return; }
    if (sub === 13 || (sub >= 15 && sub <= 17)) { r.u32(); return; }
    throw new Error(`internal: wasm: unknown 0xfc opcode ${sub}`);
  }
  // Opcodes without immediates: control (unreachable/nop/else/end/return/drop/select),
  // ref.is_null, and the numeric range 0x45..0xc4.
  if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b ||
      op === 0xd1 || (op >= 0x45 && op <= 0xc4)) return;
  throw new Error(`internal: wasm: unsupported opcode 0x${op.toString(16)}`);
}

function blockType(r: ByteReader): void {
  const b = r.buf[r.pos];
  if (b === 0x40 || b === 0x7f || b === 0x7e || b === 0x7d || b === 0x7c || b === 0x70 || b === 0x6f) { r.byte(); return; }
  r.s64(); // type index as s33
}
