// The wasm module as editable sections: reader and writer (custom sections are dropped).
import { ByteReader, ByteWriter } from './leb128.ts';

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;

export enum ExternKind { Func = 0, Table = 1, Memory = 2, Global = 3 }

export interface FuncType { params: number[]; results: number[] }
export interface Limits { min: number; max?: number }

export type ImportDesc =
  | { kind: ExternKind.Func; type: number }
  | { kind: ExternKind.Table; refType: number; limits: Limits }
  | { kind: ExternKind.Memory; limits: Limits }
  | { kind: ExternKind.Global; valType: number; mutable: boolean };

export interface Import { module: string; name: string; desc: ImportDesc }
export interface Table { refType: number; limits: Limits }
/** `init` is a constant expression including its final `end` (0x0b). */
export interface Global { valType: number; mutable: boolean; init: Uint8Array }
export interface Export { name: string; kind: ExternKind; index: number }
/** A function body exactly as encoded after its size: local declarations + expression. */
export interface Code { body: Uint8Array }

export type Element =
  /** flags 0: active on table 0 with function indices (what wasm-ld emits). */
  | { form: 'funcs'; table: number; offset: Uint8Array; funcs: number[] }
  /** any other form, kept as raw bytes (function indices inside are not remapped). */
  | { form: 'raw'; raw: Uint8Array };

export type Data =
  | { mode: 'active'; memory: number; offset: Uint8Array; bytes: Uint8Array }
  | { mode: 'passive'; bytes: Uint8Array };

export interface WasmModule {
  types: FuncType[];
  imports: Import[];
  /** Type index of each defined (non-imported) function. */
  funcs: number[];
  tables: Table[];
  memories: Limits[];
  globals: Global[];
  exports: Export[];
  start?: number;
  elements: Element[];
  dataCount?: number;
  codes: Code[];
  datas: Data[];
  /** Non-custom sections we do not model (e.g. tags), kept verbatim by section id. */
  unknown: Array<{ id: number; bytes: Uint8Array }>;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function readLimits(r: ByteReader): Limits {
  const flag = r.byte();
  const min = r.u32();
  if (flag & 1) return { min, max: r.u32() };
  if (flag & ~1) throw new Error(`internal: wasm: unsupported limits flag ${flag}`);
  return { min };
}

/** A constant expression up to and including its `end`; only simple MVP forms. */
function readConstExpr(r: ByteReader): Uint8Array {
  const start = r.pos;
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) break;
    if (op === 0x41) r.s32();
    else if (op === 0x42) r.s64();
    else if (op === 0x43) r.bytes(4);
    else if (op === 0x44) r.bytes(8);
    else if (op === 0x23 || op === 0xd2) r.u32();
    else if (op === 0xd0) r.byte();
    else throw new Error(`internal: wasm: unsupported opcode 0x${op.toString(16)} in constant expression`);
  }
  return r.buf.slice(start, r.pos);
}

/** Value of an `i32.const N; end` expression, or undefined for anything else. */
export function constI32(expr: Uint8Array): number | undefined {
  if (expr[0] !== 0x41) return undefined;
  const r = new ByteReader(expr, 1);
  const v = r.s32();
  return r.byte() === 0x0b && r.eof() ? v : undefined;
}

export function i32ConstExpr(v: number): Uint8Array {
  return new ByteWriter().byte(0x41).s32(v).byte(0x0b).finish();
}

export function readModule(bytes: Uint8Array): WasmModule {
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== MAGIC[i]) throw new Error('internal: wasm: not a version 1 wasm module');
  }
  const m: WasmModule = {
    types: [], imports: [], funcs: [], tables: [], memories: [], globals: [], exports: [],
    elements: [], codes: [], datas: [], unknown: [],
  };
  const top = new ByteReader(bytes, 8);
  while (!top.eof()) {
    const id = top.byte();
    const size = top.u32();
    const r = new ByteReader(bytes, top.pos, top.pos + size);
    top.pos += size;
    const vec = (f: () => void) => { for (let n = r.u32(); n > 0; n--) f(); };
    switch (id) {
      case 0: break; // custom: dropped for size
      case 1: vec(() => {
        if (r.byte() !== 0x60) throw new Error('internal: wasm: bad function type');
        const params = Array.from(r.bytes(r.u32()));
        const results = Array.from(r.bytes(r.u32()));
        m.types.push({ params, results });
      }); break;
      case 2: vec(() => {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        let desc: ImportDesc;
        if (kind === 0) desc = { kind, type: r.u32() };
        else if (kind === 1) desc = { kind, refType: r.byte(), limits: readLimits(r) };
        else if (kind === 2) desc = { kind, limits: readLimits(r) };
        else if (kind === 3) desc = { kind, valType: r.byte(), mutable: r.byte() === 1 };
        else throw new Error(`internal: wasm: bad import kind ${kind}`);
        m.imports.push({ module, name, desc });
      }); break;
      case 3: vec(() => m.funcs.push(r.u32())); break;
      case 4: vec(() => m.tables.push({ refType: r.byte(), limits: readLimits(r) })); break;
      case 5: vec(() => m.memories.push(readLimits(r))); break;
      case 6: vec(() => {
        const valType = r.byte();
        const mutable = r.byte() === 1;
        m.globals.push({ valType, mutable, init: readConstExpr(r) });
      }); break;
      case 7: vec(() => m.exports.push({ name: r.name(), kind: r.byte(), index: r.u32() })); break;
      case 8: m.start = r.u32(); break;
      case 9: vec(() => {
        const start = r.pos;
        const flags = r.u32();
        if (flags === 0) {
          const offset = readConstExpr(r);
          const funcs: number[] = [];
          for (let n = r.u32(); n > 0; n--) funcs.push(r.u32());
          m.elements.push({ form: 'funcs', table: 0, offset, funcs });
        } else {
          skipElement(r, flags);
          m.elements.push({ form: 'raw', raw: bytes.slice(start, r.pos) });
        }
      }); break;
      case 10: vec(() => {
        const n = r.u32();
        m.codes.push({ body: r.bytes(n).slice() });
      }); break;
      case 11: vec(() => {
        const flags = r.u32();
        if (flags === 1) {
          m.datas.push({ mode: 'passive', bytes: r.bytes(r.u32()).slice() });
        } else {
          const memory = flags === 2 ? r.u32() : 0;
          const offset = readConstExpr(r);
          m.datas.push({ mode: 'active', memory, offset, bytes: r.bytes(r.u32()).slice() });
        }
      }); break;
      case 12: m.dataCount = r.u32(); break;
      default: m.unknown.push({ id, bytes: bytes.slice(r.pos, r.end) });
    }
    if (id !== 0 && id <= 12 && r.pos !== r.end) throw new Error(`internal: wasm: section ${id} has trailing bytes`);
  }
  if (m.funcs.length !== m.codes.length) throw new Error('internal: wasm: function and code section sizes differ');
  return m;
}

function skipElement(r: ByteReader, flags: number): void {
  const usesExprs = (flags & 4) !== 0;
  if ((flags & 3) === 2) r.u32(); // table index
  if ((flags & 1) === 0) readConstExpr(r); // active: offset
  if ((flags & 3) !== 0) r.byte(); // elemkind / reftype
  for (let n = r.u32(); n > 0; n--) {
    if (usesExprs) readConstExpr(r);
    else r.u32();
  }
}

function writeLimits(w: ByteWriter, l: Limits): void {
  if (l.max === undefined) w.byte(0).u32(l.min);
  else w.byte(1).u32(l.min).u32(l.max);
}

/** Canonical section order; tags (13) sit between memory and global. */
const ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

export function writeModule(m: WasmModule): Uint8Array<ArrayBuffer> {
  const out = new ByteWriter().bytes(MAGIC);
  const section = (id: number, fill: (w: ByteWriter) => void) => {
    const w = new ByteWriter();
    fill(w);
    out.byte(id).sized(w.finish());
  };
  const vecSection = <T>(id: number, items: T[], each: (w: ByteWriter, t: T) => void) => {
    if (items.length === 0) return;
    section(id, (w) => { w.u32(items.length); for (const t of items) each(w, t); });
  };
  for (const id of ORDER) {
    switch (id) {
      case 1: vecSection(1, m.types, (w, t) => {
        w.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
      }); break;
      case 2: vecSection(2, m.imports, (w, im) => {
        w.name(im.module).name(im.name).byte(im.desc.kind);
        const d = im.desc;
        if (d.kind === ExternKind.Func) w.u32(d.type);
        else if (d.kind === ExternKind.Table) { w.byte(d.refType); writeLimits(w, d.limits); }
        else if (d.kind === ExternKind.Memory) writeLimits(w, d.limits);
        else w.byte(d.valType).byte(d.mutable ? 1 : 0);
      }); break;
      case 3: vecSection(3, m.funcs, (w, t) => w.u32(t)); break;
      case 4: vecSection(4, m.tables, (w, t) => { w.byte(t.refType); writeLimits(w, t.limits); }); break;
      case 5: vecSection(5, m.memories, (w, l) => writeLimits(w, l)); break;
      case 6: vecSection(6, m.globals, (w, g) => w.byte(g.valType).byte(g.mutable ? 1 : 0).bytes(g.init)); break;
      case 7: vecSection(7, m.exports, (w, e) => w.name(e.name).byte(e.kind).u32(e.index)); break;
      case 8: if (m.start !== undefined) section(8, (w) => w.u32(m.start!)); break;
      case 9: vecSection(9, m.elements, (w, e) => {
        if (e.form === 'raw') { w.bytes(e.raw); return; }
        w.u32(0).bytes(e.offset).u32(e.funcs.length);
        for (const f of e.funcs) w.u32(f);
      }); break;
      case 12: if (m.dataCount !== undefined) section(12, (w) => w.u32(m.datas.length)); break;
      case 10: vecSection(10, m.codes, (w, c) => w.sized(c.body)); break;
      case 11: vecSection(11, m.datas, (w, d) => {
        if (d.mode === 'passive') { w.u32(1).sized(d.bytes); return; }
        if (d.memory === 0) w.u32(0);
        else w.u32(2).u32(d.memory);
        w.bytes(d.offset).sized(d.bytes);
      }); break;
      default:
        for (const u of m.unknown) if (u.id === id) out.byte(id).sized(u.bytes);
    }
  }
  for (const u of m.unknown) if (!ORDER.includes(u.id)) out.byte(u.id).sized(u.bytes);
  return out.finish();
}

/** Number of imported entities of one kind (they come first in that kind's index space). */
export function importCount(m: WasmModule, kind: ExternKind): number {
  return m.imports.filter((i) => i.desc.kind === kind).length;
}

/** Index of an existing identical function type, appending it if new. */
export function internType(m: WasmModule, t: FuncType): number {
  const i = m.types.findIndex((u) => sameList(u.params, t.params) && sameList(u.results, t.results));
  if (i >= 0) return i;
  m.types.push({ params: [...t.params], results: [...t.results] });
  return m.types.length - 1;
}

function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Function type of function `index` (imports first). */
export function funcTypeOf(m: WasmModule, index: number): FuncType {
  const imported = m.imports.filter((i) => i.desc.kind === ExternKind.Func);
  if (index < imported.length) return m.types[(imported[index].desc as { type: number }).type];
  return m.types[m.funcs[index - imported.length]];
}

/** A copy that edits cannot leak into (function bodies and data bytes are shared: never edited in place). */
export function cloneModule(m: WasmModule): WasmModule {
  return {
    types: m.types.map((t) => ({ params: [...t.params], results: [...t.results] })),
    imports: m.imports.map((i) => ({ ...i, desc: cloneDesc(i.desc) })),
    funcs: [...m.funcs],
    tables: m.tables.map((t) => ({ ...t, limits: { ...t.limits } })),
    memories: m.memories.map((l) => ({ ...l })),
    globals: m.globals.map((g) => ({ ...g })),
    exports: m.exports.map((e) => ({ ...e })),
    start: m.start,
    elements: m.elements.map((e) => (e.form === 'funcs' ? { ...e, funcs: [...e.funcs] } : { ...e })),
    dataCount: m.dataCount,
    codes: m.codes.map((c) => ({ ...c })),
    datas: m.datas.map((d) => ({ ...d })),
    unknown: m.unknown.map((u) => ({ ...u })),
  };
}

function cloneDesc(d: ImportDesc): ImportDesc {
  if (d.kind === ExternKind.Memory || d.kind === ExternKind.Table) return { ...d, limits: { ...d.limits } };
  return { ...d };
}
