// The plain-data intermediate representation: the only bridge between the planner
// (opa/planner) and the wasm code generator (opa/wasm). Modelled on OPA's `ir` package.
//
// Semantics:
// - A Block is a list of statements run in order. A statement that is "undefined" (a failed
//   check, a lookup that finds nothing, a builtin returning undefined) ends the innermost
//   enclosing Block; execution continues after that Block.
// - BreakStmt { index: n } leaves n+1 enclosing Blocks (index 0 = the current block).
// - Locals are integers holding value pointers; 0 / unset means undefined.
//   Local 0 is `input`, local 1 is `data` in every plan and function.
// - A function returns the value of its `ret` local at the end (ReturnLocalStmt ends it early).
//   An undefined return (local unset) means the function (rule) is undefined.
// - Plain data only: no classes, no functions, so it can be printed, compared and stored.

export type Local = number;
export const InputLocal: Local = 0;
export const DataLocal: Local = 1;

/** An operand: a local, a string constant (index into Static.strings), or a boolean constant. */
export type Operand =
  | { local: Local }
  | { str: number }
  | { bool: boolean };

/** Source position for runtime error messages (1-based row and column). */
export interface IrLoc { file: string; row: number; col: number }

export interface Policy {
  static: Static;
  plans: Plan[];
  funcs: Func[];
}

export interface Static {
  /** String constants referenced by { str: i } operands and MakeNumberRefStmt. */
  strings: string[];
  /** Builtins called by CallStmt (name as in Rego, e.g. "strings.replace_n"). */
  builtins: Array<{ name: string; arity: number }>;
  files: string[];
}

/** One entrypoint. Name with `/` separators (`writ/postgres/decision`) or `eval` for a query. */
export interface Plan { name: string; blocks: Block[] }

export interface Func {
  /** Unique name, e.g. `g0.data.writ.postgres.allow`. CallStmt.func refers to it. */
  name: string;
  /** Parameter locals; the first two are always input (0) and data (1). */
  params: Local[];
  /** The local holding the return value. */
  ret: Local;
  blocks: Block[];
  /** The data path this function computes (rule functions), e.g. ["writ","postgres","allow"]. */
  path?: string[];
}

export interface Block { stmts: Stmt[] }

export type Stmt =
  /** Call a Func (by name) or a builtin (by Rego name). Undefined result ends the block. */
  | { type: 'CallStmt'; func: string; args: Operand[]; result: Local; loc?: IrLoc }
  | { type: 'BlockStmt'; blocks: Block[]; loc?: IrLoc }
  | { type: 'BreakStmt'; index: number; loc?: IrLoc }
  /** Succeeds (continues) iff the inner block is undefined. */
  | { type: 'NotStmt'; block: Block; loc?: IrLoc }
  /** For each key/value of source (array: index/elem, object: key/value, set: elem/elem) run block. Undefined if source is not a collection. */
  | { type: 'ScanStmt'; source: Local; key: Local; value: Local; block: Block; loc?: IrLoc }
  /** target = source[key]; undefined if absent or source is not a collection (set: key if member). */
  | { type: 'DotStmt'; source: Operand; key: Operand; target: Local; loc?: IrLoc }
  /** target = number of elements (arrays, objects, sets) or of code points (strings). */
  | { type: 'LenStmt'; source: Operand; target: Local; loc?: IrLoc }
  | { type: 'EqualStmt'; a: Operand; b: Operand; loc?: IrLoc }
  | { type: 'NotEqualStmt'; a: Operand; b: Operand; loc?: IrLoc }
  | { type: 'IsArrayStmt'; source: Operand; loc?: IrLoc }
  | { type: 'IsObjectStmt'; source: Operand; loc?: IrLoc }
  | { type: 'IsSetStmt'; source: Operand; loc?: IrLoc }
  | { type: 'IsDefinedStmt'; source: Local; loc?: IrLoc }
  | { type: 'IsUndefinedStmt'; source: Local; loc?: IrLoc }
  | { type: 'AssignVarStmt'; source: Operand; target: Local; loc?: IrLoc }
  /**
   * If target is unset, set it; if set to an equal value, no-op; otherwise abort with
   * `<file>:<row>:<col>: var assignment conflict: <message>` (eval_conflict_error).
   */
  | { type: 'AssignVarOnceStmt'; source: Operand; target: Local; message?: string; loc?: IrLoc }
  | { type: 'ResetLocalStmt'; target: Local; loc?: IrLoc }
  | { type: 'MakeNullStmt'; target: Local; loc?: IrLoc }
  | { type: 'MakeBooleanStmt'; value: boolean; target: Local; loc?: IrLoc }
  /** Integer that fits in an i64; `value` is decimal text (so it survives JSON). */
  | { type: 'MakeNumberIntStmt'; value: string; target: Local; loc?: IrLoc }
  /** Number from its literal text, Static.strings[index]. */
  | { type: 'MakeNumberRefStmt'; index: number; target: Local; loc?: IrLoc }
  | { type: 'MakeStringStmt'; index: number; target: Local; loc?: IrLoc }
  | { type: 'MakeArrayStmt'; capacity: number; target: Local; loc?: IrLoc }
  | { type: 'MakeObjectStmt'; target: Local; loc?: IrLoc }
  | { type: 'MakeSetStmt'; target: Local; loc?: IrLoc }
  | { type: 'ArrayAppendStmt'; value: Operand; array: Local; loc?: IrLoc }
  | { type: 'ObjectInsertStmt'; key: Operand; value: Operand; object: Local; loc?: IrLoc }
  /** Like ObjectInsertStmt but aborts with `object insert conflict` if the key holds a different value. */
  | { type: 'ObjectInsertOnceStmt'; key: Operand; value: Operand; object: Local; message?: string; loc?: IrLoc }
  /** target = deep merge of objects a and b (a wins on conflicts between non-objects); undefined if either is not an object. */
  | { type: 'ObjectMergeStmt'; a: Local; b: Local; target: Local; loc?: IrLoc }
  | { type: 'SetAddStmt'; value: Operand; set: Local; loc?: IrLoc }
  /**
   * Run block with `local` (input or data) replaced by a copy in which the value at `path`
   * (string constant indices) is `value`. An empty path replaces the whole document.
   * Memoised rule results must not leak in or out of the block.
   */
  | { type: 'WithStmt'; local: Local; path: number[]; value: Operand; block: Block; loc?: IrLoc }
  | { type: 'ResultSetAddStmt'; value: Local; loc?: IrLoc }
  | { type: 'ReturnLocalStmt'; source: Local; loc?: IrLoc }
  | { type: 'NopStmt'; loc?: IrLoc };

export type StmtType = Stmt['type'];
