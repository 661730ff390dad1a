// Compiles IR blocks and statements of one plan or function into a wasm function body.
import { lookupBuiltin } from '../builtins/registry.ts';
import type { Block, IrLoc, Local, Operand, Stmt } from '../ir/ir.ts';
import { Code } from './emit.ts';
import type { DataBuilder } from './data.ts';

/** What statement compilation needs from the module being built. */
export interface GenContext {
  /** Function index of a runtime export (value.h API, wb_* builtins); throws if absent. */
  rt(name: string): number;
  /** Function index of env.opa_abort. */
  abort: number;
  /** Resolves CallStmt.func: an IR function or a builtin. */
  callee(name: string, argc: number): { kind: 'direct'; func: number } | { kind: 'host'; func: number; id: number };
  /** Address of the i32 slot holding the prebuilt string value of Static.strings[i]. */
  strSlot(i: number): number;
  strings: readonly string[];
  data: DataBuilder;
  /** Address of the i32 `with` nesting depth (memoisation is off while non-zero). */
  withDepth: number;
  /**
   * Strict builtin errors only: for a call of a builtin (not an IR function), the accepted type
   * mask of each operand (bit 1 << type tag; 0 = not checked). Undefined when not strict or not a builtin.
   */
  strictBuiltin?(name: string): { masks: number[]; host: boolean } | undefined;
}

/** A wasm label; `withFrame` marks the block of a WithStmt (what leaving it must undo). */
interface Label { kind: 'ir' | 'other'; withFrame?: { target: number; saved: number } }

const TYPE_ARRAY = 5;
const TYPE_OBJECT = 6;
const TYPE_SET = 7;

export class BodyCompiler {
  readonly code = new Code();
  private readonly locals = new Map<Local, number>();
  private nextLocal: number;
  private readonly labels: Label[] = [];
  /** Result set local of a plan (ResultSetAddStmt target). */
  resultSet = -1;

  constructor(private readonly ctx: GenContext, params: Local[]) {
    params.forEach((l, i) => this.locals.set(l, i));
    this.nextLocal = params.length;
  }

  /** Count of non-parameter locals to declare. */
  extraLocals(paramCount: number): number {
    return this.nextLocal - paramCount;
  }

  local(l: Local): number {
    let i = this.locals.get(l);
    if (i === undefined) { i = this.nextLocal++; this.locals.set(l, i); }
    return i;
  }

  scratch(): number {
    return this.nextLocal++;
  }

  /** br depth that leaves the n-th innermost IR block (0 = innermost). */
  private irDepth(n: number): number {
    let seen = -1;
    for (let i = this.labels.length - 1; i >= 0; i--) {
      if (this.labels[i].kind === 'ir' && ++seen === n) return this.labels.length - 1 - i;
    }
    throw new Error(`internal: break index ${n} leaves more blocks than enclose it`);
  }

  /** With an i32 condition on the stack: if non-zero, the current IR block is undefined. */
  private undefinedIf(): void {
    this.code.brIf(this.irDepth(0));
  }

  private open(label: Label['kind'], kind: 'block' | 'loop' | 'if', withFrame?: Label['withFrame']): void {
    if (kind === 'block') this.code.block();
    else if (kind === 'loop') this.code.loop();
    else this.code.if_();
    this.labels.push({ kind: label, withFrame });
  }

  /** Before a br to `depth` (or a return, depth = all labels): undo the WithStmts it leaves. */
  private leaveWiths(depth: number): void {
    const target = this.labels.length - 1 - depth;
    for (let i = this.labels.length - 1; i > target; i--) {
      const f = this.labels[i].withFrame;
      if (!f) continue;
      this.code.localGet(f.saved).localSet(f.target);
      this.adjustWithDepth(-1);
    }
  }

  private close(): void {
    this.code.end();
    this.labels.pop();
  }

  blocks(bs: Block[]): void {
    for (const b of bs) this.block(b);
  }

  block(b: Block, withFrame?: Label['withFrame']): void {
    this.open('ir', 'block', withFrame);
    for (const s of b.stmts) this.stmt(s);
    this.close();
  }

  operand(o: Operand): void {
    const c = this.code;
    if ('local' in o) c.localGet(this.local(o.local));
    else if ('str' in o) c.i32Const(this.ctx.strSlot(o.str)).i32Load();
    else c.i32Const(o.bool ? 1 : 0).call(this.ctx.rt('opa_boolean'));
  }

  private abortWith(message: string): void {
    this.code.i32Const(this.ctx.data.cstring(message)).call(this.ctx.abort).unreachable();
  }

  /** Abort unless the values on the stack (two i32 pointers) compare equal. */
  private conflictCheck(message: string): void {
    this.code.call(this.ctx.rt('opa_value_compare'));
    this.open('other', 'if');
    this.abortWith(message);
    this.close();
  }

  private typeCheck(source: Operand, tag: number): void {
    this.operand(source);
    this.code.call(this.ctx.rt('opa_value_type')).i32Const(tag).i32Ne();
    this.undefinedIf();
  }

  private strictLocal = -1;

  private strictScratch(): number {
    if (this.strictLocal < 0) this.strictLocal = this.scratch();
    return this.strictLocal;
  }

  /** Strict mode, before a builtin call: forget stale error records; name the host call site. */
  private strictBefore(s: Extract<Stmt, { type: 'CallStmt' }>, host: boolean): void {
    this.code.call(this.ctx.rt('writ_strict_clear'));
    if (host) this.code.i32Const(this.ctx.data.cstring(callSite(s.loc))).call(this.ctx.rt('writ_strict_site'));
  }

  /** Strict mode, after a builtin returned undefined: operand type checks, then abort if an error was recorded. */
  private strictAfter(s: Extract<Stmt, { type: 'CallStmt' }>, masks: number[]): void {
    s.args.forEach((a, i) => {
      const mask = masks[i] ?? 0;
      if (mask === 0) return;
      this.operand(a);
      this.code.i32Const(mask).i32Const(i + 1).call(this.ctx.rt('writ_strict_operand'));
    });
    this.code.i32Const(this.ctx.data.cstring(callSite(s.loc))).i32Const(this.ctx.data.cstring(s.func));
    this.code.call(this.ctx.rt('writ_strict_raise'));
  }

  private adjustWithDepth(delta: number): void {
    const d = this.ctx.withDepth;
    this.code.i32Const(d).i32Const(d).i32Load().i32Const(delta).i32Add().i32Store();
  }

  stmt(s: Stmt): void {
    const c = this.code;
    const rt = (n: string) => this.ctx.rt(n);
    switch (s.type) {
      case 'CallStmt': {
        const callee = this.ctx.callee(s.func, s.args.length);
        const strict = this.ctx.strictBuiltin?.(s.func);
        if (strict) this.strictBefore(s, strict.host);
        if (callee.kind === 'host') c.i32Const(callee.id).i32Const(0);
        for (const a of s.args) this.operand(a);
        c.call(callee.func);
        // JSON has no sets: a host builtin declared to return a set answers with an array.
        if (callee.kind === 'host' && lookupBuiltin(s.func)?.decl.result?.type === 'set') c.call(rt('writ_array_to_set'));
        c.localTee(this.local(s.result)).i32Eqz();
        if (strict) {
          c.localTee(this.strictScratch());
          this.open('other', 'if');
          this.strictAfter(s, strict.masks);
          this.close();
          c.localGet(this.strictScratch());
        }
        this.undefinedIf();
        return;
      }
      case 'BlockStmt':
        this.blocks(s.blocks);
        return;
      case 'BreakStmt': {
        const depth = this.irDepth(s.index);
        this.leaveWiths(depth);
        c.br(depth);
        return;
      }
      case 'NotStmt':
        // The inner block falling through means it was defined, so the NotStmt is not.
        this.open('ir', 'block');
        for (const st of s.block.stmts) this.stmt(st);
        this.leaveWiths(this.irDepth(1));
        c.br(this.irDepth(1));
        this.close();
        return;
      case 'ScanStmt': {
        const src = this.local(s.source);
        const n = this.scratch();
        const i = this.scratch();
        c.localGet(src).i32Eqz();
        this.undefinedIf();
        c.localGet(src).call(rt('opa_value_type')).i32Const(TYPE_ARRAY).i32Sub().i32Const(TYPE_SET - TYPE_ARRAY + 1).i32GeU();
        this.undefinedIf();
        c.localGet(src).call(rt('opa_value_length')).localSet(n).i32Const(0).localSet(i);
        this.open('other', 'block');
        this.open('other', 'loop');
        c.localGet(i).localGet(n).i32GeU().brIf(1);
        c.localGet(src).localGet(i).call(rt('opa_value_key_at')).localSet(this.local(s.key));
        c.localGet(src).localGet(i).call(rt('opa_value_val_at')).localSet(this.local(s.value));
        this.block(s.block);
        c.localGet(i).i32Const(1).i32Add().localSet(i).br(0);
        this.close();
        this.close();
        return;
      }
      case 'DotStmt':
        this.operand(s.source);
        this.operand(s.key);
        c.call(rt('opa_value_get')).localTee(this.local(s.target)).i32Eqz();
        this.undefinedIf();
        return;
      case 'LenStmt':
        this.operand(s.source);
        c.call(rt('opa_value_length')).i64ExtendI32U().call(rt('opa_number_int')).localSet(this.local(s.target));
        return;
      case 'EqualStmt':
        this.operand(s.a);
        this.operand(s.b);
        c.call(rt('opa_value_compare'));
        this.undefinedIf();
        return;
      case 'NotEqualStmt':
        this.operand(s.a);
        this.operand(s.b);
        c.call(rt('opa_value_compare')).i32Eqz();
        this.undefinedIf();
        return;
      case 'IsArrayStmt': this.typeCheck(s.source, TYPE_ARRAY); return;
      case 'IsObjectStmt': this.typeCheck(s.source, TYPE_OBJECT); return;
      case 'IsSetStmt': this.typeCheck(s.source, TYPE_SET); return;
      case 'IsDefinedStmt':
        c.localGet(this.local(s.source)).i32Eqz();
        this.undefinedIf();
        return;
      case 'IsUndefinedStmt':
        c.localGet(this.local(s.source));
        this.undefinedIf();
        return;
      case 'AssignVarStmt':
        this.operand(s.source);
        c.localSet(this.local(s.target));
        return;
      case 'AssignVarOnceStmt': {
        const t = this.local(s.target);
        c.localGet(t).i32Eqz();
        this.open('other', 'if');
        this.operand(s.source);
        c.localSet(t);
        c.else_();
        c.localGet(t);
        this.operand(s.source);
        this.conflictCheck(conflictMessage(s.loc, 'var assignment conflict', s.message));
        this.close();
        return;
      }
      case 'ResetLocalStmt':
        c.i32Const(0).localSet(this.local(s.target));
        return;
      case 'MakeNullStmt':
        c.call(rt('opa_null')).localSet(this.local(s.target));
        return;
      case 'MakeBooleanStmt':
        c.i32Const(s.value ? 1 : 0).call(rt('opa_boolean')).localSet(this.local(s.target));
        return;
      case 'MakeNumberIntStmt':
        c.i64Const(BigInt(s.value)).call(rt('opa_number_int')).localSet(this.local(s.target));
        return;
      case 'MakeNumberRefStmt': {
        const text = this.ctx.strings[s.index];
        if (text === undefined) throw new Error(`internal: string constant ${s.index} out of range`);
        c.i32Const(this.ctx.data.cstring(text)).i32Const(new TextEncoder().encode(text).length);
        c.call(rt('opa_number_ref')).localTee(this.local(s.target)).i32Eqz();
        this.undefinedIf();
        return;
      }
      case 'MakeStringStmt':
        this.operand({ str: s.index });
        c.localSet(this.local(s.target));
        return;
      case 'MakeArrayStmt':
        c.i32Const(s.capacity).call(rt('opa_array_with_cap')).localSet(this.local(s.target));
        return;
      case 'MakeObjectStmt':
        c.call(rt('opa_object')).localSet(this.local(s.target));
        return;
      case 'MakeSetStmt':
        c.call(rt('opa_set')).localSet(this.local(s.target));
        return;
      case 'ArrayAppendStmt':
        c.localGet(this.local(s.array));
        this.operand(s.value);
        c.call(rt('opa_array_append'));
        return;
      case 'ObjectInsertStmt':
        c.localGet(this.local(s.object));
        this.operand(s.key);
        this.operand(s.value);
        c.call(rt('opa_object_insert'));
        return;
      case 'ObjectInsertOnceStmt': {
        const old = this.scratch();
        c.localGet(this.local(s.object));
        this.operand(s.key);
        c.call(rt('opa_value_get')).localTee(old).i32Eqz();
        this.open('other', 'if');
        c.localGet(this.local(s.object));
        this.operand(s.key);
        this.operand(s.value);
        c.call(rt('opa_object_insert'));
        c.else_();
        c.localGet(old);
        this.operand(s.value);
        this.conflictCheck(conflictMessage(s.loc, 'object insert conflict', s.message));
        this.close();
        return;
      }
      case 'ObjectMergeStmt':
        c.localGet(this.local(s.a)).localGet(this.local(s.b)).call(rt('opa_object_merge'));
        c.localTee(this.local(s.target)).i32Eqz();
        this.undefinedIf();
        return;
      case 'SetAddStmt':
        c.localGet(this.local(s.set));
        this.operand(s.value);
        c.call(rt('opa_set_add'));
        return;
      case 'WithStmt': {
        const target = this.local(s.local);
        const saved = this.scratch();
        const path = this.scratch();
        c.localGet(target).localSet(saved);
        c.i32Const(s.path.length).call(rt('opa_array_with_cap')).localSet(path);
        for (const p of s.path) {
          c.localGet(path);
          this.operand({ str: p });
          c.call(rt('opa_array_append'));
        }
        c.localGet(target).localGet(path);
        this.operand(s.value);
        c.call(rt('opa_value_with_path')).localSet(target);
        this.adjustWithDepth(1);
        this.block(s.block, { target, saved });
        this.adjustWithDepth(-1);
        c.localGet(saved).localSet(target);
        return;
      }
      case 'ResultSetAddStmt':
        if (this.resultSet < 0) throw new Error('internal: ResultSetAddStmt outside a plan');
        c.localGet(this.resultSet).localGet(this.local(s.value)).call(rt('opa_set_add'));
        return;
      case 'ReturnLocalStmt':
        this.leaveWiths(this.labels.length);
        c.localGet(this.local(s.source)).return_();
        return;
      case 'NopStmt':
        return;
      default: {
        const never: never = s;
        throw new Error(`internal: unknown IR statement ${(never as { type: string }).type}`);
      }
    }
  }
}

/** OPA's runtime error text; kept ASCII because the SDK decodes abort messages bytewise. */
export function conflictMessage(loc: IrLoc | undefined, what: string, detail?: string): string {
  const where = loc ? `${loc.file}:${loc.row}:${loc.col}: ` : '';
  const text = `${where}${what}${detail ? ': ' + detail : ''}`;
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** `file:row:col` of a builtin call for strict error messages (ASCII, as abort messages). */
function callSite(loc: IrLoc | undefined): string {
  return loc ? `${loc.file}:${loc.row}:${loc.col}`.replace(/[^\x20-\x7e]/g, '?') : '';
}
