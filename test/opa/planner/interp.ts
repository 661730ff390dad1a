// Test-only IR interpreter: runs a Policy's plan on JS values so the planner can be checked
// against conformance cases before (and independently of) the wasm backend.
import type { Block, Func, Operand, Policy, Stmt } from '../../../opa/ir/ir.ts';
import { RObject, RSet, equal, fromJSON, toJSON, type V } from './values.ts';
import { callHostBuiltin, hostBuiltinList } from '../../../opa/builtins/host/index.ts';

const hostNames = new Set(hostBuiltinList.map((b) => b.name));
import { interpBuiltins, unionObj } from './interp-builtins.ts';

export class ConflictError extends Error {}

type Locals = Array<V | undefined>;
type Res = { k: 'next' } | { k: 'undef' } | { k: 'break'; n: number };
const NEXT: Res = { k: 'next' };
const UNDEF: Res = { k: 'undef' };

export class Interp {
  private readonly funcs = new Map<string, Func>();
  steps = 0;
  constructor(private readonly policy: Policy, private readonly maxSteps = 5_000_000) {
    for (const f of policy.funcs) this.funcs.set(f.name, f);
  }

  /** Evaluates a plan: the result set as a list of row values. */
  evalPlan(name: string, input: V | undefined, data: V): V[] {
    const plan = this.policy.plans.find((p) => p.name === name);
    if (!plan) throw new Error(`no plan ${name}`);
    const results = new RSet();
    const locals: Locals = [input, data];
    this.results = results;
    for (const b of plan.blocks) this.block(b, locals);
    return results.values();
  }

  private results = new RSet();

  private op(o: Operand, l: Locals): V | undefined {
    if ('local' in o) return l[o.local];
    if ('str' in o) return this.policy.static.strings[o.str];
    return o.bool;
  }

  private block(b: Block, l: Locals): Res {
    for (const s of b.stmts) {
      if (++this.steps > this.maxSteps) throw new Error('step limit');
      const r = this.stmt(s, l);
      if (r.k === 'undef') return UNDEF;
      if (r.k === 'break') return r;
    }
    return NEXT;
  }

  /** Runs a nested block; returns what the enclosing block should do after a break. */
  private nested(b: Block, l: Locals): { ended: 'end' | 'undef'; propagate?: Res } {
    const r = this.block(b, l);
    if (r.k === 'break') return r.n === 0 ? { ended: 'undef' } : { ended: 'undef', propagate: { k: 'break', n: r.n - 1 } };
    return { ended: r.k === 'next' ? 'end' : 'undef' };
  }

  private callFunc(f: Func, args: Array<V | undefined>): V | undefined {
    const l: Locals = [];
    f.params.forEach((p, i) => (l[p] = args[i]));
    for (const b of f.blocks) {
      const r = this.block(b, l);
      if (r.k === 'break' && r.n > 0) throw new Error('internal: break out of function');
    }
    return l[f.ret];
  }

  private stmt(s: Stmt, l: Locals): Res {
    switch (s.type) {
      case 'CallStmt': {
        const args = s.args.map((a) => this.op(a, l));
        const f = this.funcs.get(s.func);
        let r: V | undefined;
        if (f) r = this.callFunc(f, args);
        else {
          if (args.some((a) => a === undefined)) return UNDEF;
          const impl = interpBuiltins[s.func];
          if (impl) {
            try {
              r = impl(...(args as V[]));
            } catch (e) {
              if (e instanceof ConflictError) throw e;
              r = undefined;
            }
          } else if (hostNames.has(s.func)) {
            // Host builtins are called as the SDK would: JSON in, JSON out.
            const out = callHostBuiltin(s.func, (args as V[]).map(toJSON));
            r = out === undefined ? undefined : fromJSON(out);
          } else throw new Error(`interp: builtin ${s.func} not available`);
        }
        if (r === undefined) return UNDEF;
        l[s.result] = r;
        return NEXT;
      }
      case 'BlockStmt':
        for (const b of s.blocks) {
          const r = this.nested(b, l);
          if (r.propagate) return r.propagate;
        }
        return NEXT;
      case 'BreakStmt':
        return { k: 'break', n: s.index };
      case 'NotStmt': {
        const r = this.nested(s.block, l);
        if (r.propagate) return r.propagate;
        return r.ended === 'end' ? UNDEF : NEXT;
      }
      case 'ScanStmt': {
        const src = l[s.source];
        let pairs: Array<[V, V]>;
        if (Array.isArray(src)) pairs = src.map((v, i) => [i, v]);
        else if (src instanceof RObject) pairs = src.entries();
        else if (src instanceof RSet) pairs = src.values().map((v) => [v, v]);
        else return UNDEF;
        for (const [k, v] of pairs) {
          l[s.key] = k;
          l[s.value] = v;
          const r = this.nested(s.block, l);
          if (r.propagate) return r.propagate;
        }
        return NEXT;
      }
      case 'DotStmt': {
        const src = this.op(s.source, l);
        const key = this.op(s.key, l);
        if (src === undefined || key === undefined) return UNDEF;
        let r: V | undefined;
        if (Array.isArray(src)) r = typeof key === 'number' && Number.isInteger(key) ? src[key] : undefined;
        else if (src instanceof RObject) r = src.get(key);
        else if (src instanceof RSet) r = src.has(key) ? key : undefined;
        if (r === undefined) return UNDEF;
        l[s.target] = r;
        return NEXT;
      }
      case 'LenStmt': {
        const v = this.op(s.source, l);
        if (Array.isArray(v)) l[s.target] = v.length;
        else if (v instanceof RObject || v instanceof RSet) l[s.target] = v.size;
        else if (typeof v === 'string') l[s.target] = [...v].length;
        else return UNDEF;
        return NEXT;
      }
      case 'EqualStmt':
      case 'NotEqualStmt': {
        const a = this.op(s.a, l), b = this.op(s.b, l);
        if (a === undefined || b === undefined) return UNDEF;
        return equal(a, b) === (s.type === 'EqualStmt') ? NEXT : UNDEF;
      }
      case 'IsArrayStmt':
        return Array.isArray(this.op(s.source, l)) ? NEXT : UNDEF;
      case 'IsObjectStmt':
        return this.op(s.source, l) instanceof RObject ? NEXT : UNDEF;
      case 'IsSetStmt':
        return this.op(s.source, l) instanceof RSet ? NEXT : UNDEF;
      case 'IsDefinedStmt':
        return l[s.source] !== undefined ? NEXT : UNDEF;
      case 'IsUndefinedStmt':
        return l[s.source] === undefined ? NEXT : UNDEF;
      case 'AssignVarStmt': {
        const v = this.op(s.source, l);
        if (v === undefined) return UNDEF;
        l[s.target] = v;
        return NEXT;
      }
      case 'AssignVarOnceStmt': {
        const v = this.op(s.source, l);
        if (v === undefined) return UNDEF;
        const cur = l[s.target];
        if (cur !== undefined && !equal(cur, v))
          throw new ConflictError(`${s.loc ? `${s.loc.file}:${s.loc.row}:${s.loc.col}: ` : ''}var assignment conflict: ${s.message ?? ''}`);
        l[s.target] = v;
        return NEXT;
      }
      case 'ResetLocalStmt':
        l[s.target] = undefined;
        return NEXT;
      case 'MakeNullStmt':
        l[s.target] = null;
        return NEXT;
      case 'MakeBooleanStmt':
        l[s.target] = s.value;
        return NEXT;
      case 'MakeNumberIntStmt':
        l[s.target] = Number(s.value);
        return NEXT;
      case 'MakeNumberRefStmt':
        l[s.target] = Number(this.policy.static.strings[s.index]);
        return NEXT;
      case 'MakeStringStmt':
        l[s.target] = this.policy.static.strings[s.index];
        return NEXT;
      case 'MakeArrayStmt':
        l[s.target] = [];
        return NEXT;
      case 'MakeObjectStmt':
        l[s.target] = new RObject();
        return NEXT;
      case 'MakeSetStmt':
        l[s.target] = new RSet();
        return NEXT;
      case 'ArrayAppendStmt': {
        const v = this.op(s.value, l);
        if (v === undefined) return UNDEF;
        (l[s.array] as V[]).push(v);
        return NEXT;
      }
      case 'ObjectInsertStmt':
      case 'ObjectInsertOnceStmt': {
        const k = this.op(s.key, l), v = this.op(s.value, l);
        if (k === undefined || v === undefined) return UNDEF;
        const o = l[s.object] as RObject;
        if (s.type === 'ObjectInsertOnceStmt') {
          const cur = o.get(k);
          if (cur !== undefined && !equal(cur, v)) throw new ConflictError('object insert conflict');
        }
        o.set(k, v);
        return NEXT;
      }
      case 'ObjectMergeStmt': {
        const a = l[s.a], b = l[s.b];
        if (!(a instanceof RObject) || !(b instanceof RObject)) return UNDEF;
        l[s.target] = unionObj(b, a);   // deep merge, a's values win
        return NEXT;
      }
      case 'SetAddStmt': {
        const v = this.op(s.value, l);
        if (v === undefined) return UNDEF;
        (l[s.set] as RSet).add(v);
        return NEXT;
      }
      case 'WithStmt': {
        const v = this.op(s.value, l);
        if (v === undefined) return UNDEF;
        const saved = l[s.local];
        l[s.local] = upsert(saved, s.path.map((i) => this.policy.static.strings[i]), v);
        try {
          const r = this.nested(s.block, l);
          if (r.propagate) return r.propagate;
        } finally {
          l[s.local] = saved;
        }
        return NEXT;
      }
      case 'ResultSetAddStmt': {
        const v = l[s.value];
        if (v !== undefined) this.results.add(v);
        return NEXT;
      }
      case 'ReturnLocalStmt':
        throw new Error('interp: ReturnLocalStmt not supported');
      case 'NopStmt':
        return NEXT;
    }
  }
}

function upsert(doc: V | undefined, path: string[], v: V): V {
  if (path.length === 0) return v;
  const out = new RObject();
  if (doc instanceof RObject) for (const [k, x] of doc.entries()) out.set(k, x);
  out.set(path[0], upsert(doc instanceof RObject ? doc.get(path[0]) : undefined, path.slice(1), v));
  return out;
}

export { fromJSON };
