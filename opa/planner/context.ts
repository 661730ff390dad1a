// Planner state: the policy being built (strings, builtins, funcs) and the function being planned
// (locals, the statement list being appended to, variable bindings).
import type { Block, Func, IrLoc, Local, Operand, Stmt } from '../ir/ir.ts';
import type { Loc, Term } from '../syntax/ast.ts';
import type { BuiltinDef } from '../builtins/registry.ts';
import type { Diagnostic, SourceSet } from '../syntax/diagnostics.ts';
import type { RuleTree } from './tree.ts';

/** A `with` replacement active while planning: a data path (rule, function or package) or a builtin name. */
export interface Mock {
  /** `data.a.b` -> ["a","b"] for data targets; the builtin name (single element) for builtins. */
  path: string[];
  isBuiltin: boolean;
  /** Replacement: another function (data path or builtin name) ... */
  fn?: { data: boolean; path: string[] };
  /** ... or a value: a ground term (re-planned where used) or a computed value carried in data at MOCK_KEY.<dataKey>. */
  value?: Term;
  dataKey?: string;
}

/** Thrown (and caught by plan()) to abort planning with a user-facing diagnostic. */
export class PlanError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

export class Planner {
  readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  readonly usedBuiltins = new Map<string, number>();
  readonly files: string[] = [];
  readonly funcs: Func[] = [];
  /** Funcs already requested, by key (name + mock signature) -> name. */
  readonly funcNames = new Map<string, string>();
  /** Funcs requested but not planned yet (planned after the current one). */
  readonly pending: Array<() => void> = [];
  funcCounter = 0;
  mockCounter = 0;

  // Per-function state.
  nextLocal = 2;
  curr: Stmt[] = [];
  /** Static per-child branchings of data refs currently open (see refs.ts). */
  branching = 0;
  /** Nesting depth of the block being planned (for BreakStmt indexes). */
  depth = 0;
  vars = new Map<string, Local>();
  mocks: Mock[] = [];

  constructor(
    readonly tree: RuleTree,
    readonly builtins: ReadonlyMap<string, BuiltinDef>,
    readonly sources: SourceSet,
  ) {}

  str(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  newLocal(): Local {
    return this.nextLocal++;
  }

  emit(s: Stmt): void {
    this.curr.push(s);
  }

  /** Plans `fn` into a fresh block and returns it; the current statement list is restored. */
  block(fn: () => void): Block {
    const saved = this.curr;
    const stmts: Stmt[] = [];
    this.curr = stmts;
    this.depth++;
    try {
      fn();
    } finally {
      this.curr = saved;
      this.depth--;
    }
    return { stmts };
  }

  /** Runs fn with a copy of the variable bindings, restored afterwards (alternative branches). */
  scoped<T>(fn: () => T): T {
    const saved = this.vars;
    this.vars = new Map(saved);
    try {
      return fn();
    } finally {
      this.vars = saved;
    }
  }

  /** Plans one function body with fresh per-function state. */
  inFunction<T>(fn: () => T): T {
    const saved = { nextLocal: this.nextLocal, curr: this.curr, vars: this.vars, depth: this.depth, branching: this.branching };
    this.nextLocal = 2;
    this.depth = 0;
    this.branching = 0;
    this.curr = [];
    this.vars = new Map();
    try {
      return fn();
    } finally {
      Object.assign(this, saved);
    }
  }

  useBuiltin(name: string, arity: number): void {
    this.usedBuiltins.set(name, arity);
  }

  irLoc(loc: Loc | undefined): IrLoc | undefined {
    if (!loc) return undefined;
    if (!this.files.includes(loc.file)) this.files.push(loc.file);
    const { row, col } = this.sources.position(loc.file, loc.start);
    return { file: loc.file, row, col };
  }

  fail(message: string, loc: Loc): never {
    throw new PlanError({ code: 'rego_compile_error', message, loc });
  }

  notImplemented(feature: string, loc: Loc): never {
    this.fail(`not implemented: ${feature}`, loc);
  }

  /** Puts an operand in a local (constants get a fresh one). */
  toLocal(op: Operand): Local {
    if ('local' in op) return op.local;
    const t = this.newLocal();
    if ('str' in op) this.emit({ type: 'MakeStringStmt', index: op.str, target: t });
    else this.emit({ type: 'MakeBooleanStmt', value: op.bool, target: t });
    return t;
  }
}
