// Instruction builder for generated function bodies (only the opcodes codegen uses).
import { ByteWriter } from './leb128.ts';
import { I32 } from './module.ts';

export class Code {
  readonly w = new ByteWriter();

  private op(b: number): this { this.w.byte(b); return this; }

  unreachable(): this { return this.op(0x00); }
  block(): this { return this.op(0x02).op(0x40); }
  loop(): this { return this.op(0x03).op(0x40); }
  if_(): this { return this.op(0x04).op(0x40); }
  else_(): this { return this.op(0x05); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { this.w.byte(0x0c).u32(depth); return this; }
  brIf(depth: number): this { this.w.byte(0x0d).u32(depth); return this; }
  return_(): this { return this.op(0x0f); }
  call(func: number): this { this.w.byte(0x10).u32(func); return this; }
  drop(): this { return this.op(0x1a); }
  select(): this { return this.op(0x1b); }
  localGet(i: number): this { this.w.byte(0x20).u32(i); return this; }
  localSet(i: number): this { this.w.byte(0x21).u32(i); return this; }
  localTee(i: number): this { this.w.byte(0x22).u32(i); return this; }
  /** i32.load with natural (4-byte) alignment. */
  i32Load(offset = 0): this { this.w.byte(0x28).u32(2).u32(offset); return this; }
  i32Store(offset = 0): this { this.w.byte(0x36).u32(2).u32(offset); return this; }
  i32Const(v: number): this { this.w.byte(0x41).s32(v); return this; }
  i64Const(v: bigint): this { this.w.byte(0x42).s64(v); return this; }
  i32Eqz(): this { return this.op(0x45); }
  i32Eq(): this { return this.op(0x46); }
  i32Ne(): this { return this.op(0x47); }
  i32LtU(): this { return this.op(0x49); }
  i32GeU(): this { return this.op(0x4f); }
  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i64ExtendI32U(): this { return this.op(0xad); }

  /** Encoded function body: `extraLocals` i32 locals after the parameters, the code, `end`. */
  body(extraLocals: number): Uint8Array {
    const out = new ByteWriter();
    if (extraLocals > 0) out.u32(1).u32(extraLocals).byte(I32);
    else out.u32(0);
    out.bytes(this.w.finish()).byte(0x0b);
    return out.finish();
  }
}
