// The Rego abstract syntax tree: the contract between the parser, the checks and the planner.
//
// Positions are byte ranges into a source file; line and column are computed only
// when a diagnostic is printed (see ./source.ts). Every node carries a `loc`.
//
// The parser produces this tree as written. The checks (opa/check) return the same
// types, normalised: see "Normal form" at the end of this file.

export interface Loc {
  /** File name as given to the parser (e.g. "policies/postgres.rego" or "module-0.rego"). */
  file: string;
  /** Byte offset of the first byte (UTF-8), inclusive. */
  start: number;
  /** Byte offset after the last byte, exclusive. */
  end: number;
}

// ---------------------------------------------------------------------------
// Terms

export type Term =
  | NullTerm
  | BooleanTerm
  | NumberTerm
  | StringTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | ObjectTerm
  | SetTerm
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension
  | CallTerm
  | TemplateStringTerm;

export interface NullTerm { type: 'null'; loc: Loc }
export interface BooleanTerm { type: 'boolean'; value: boolean; loc: Loc }
/** `text` is the literal as written (`1`, `-2.5e3`, `12345678901234567890`); never converted here. */
export interface NumberTerm { type: 'number'; text: string; loc: Loc }
/** `value` is the decoded string (escapes resolved); `raw` is true for back-quoted strings. */
export interface StringTerm { type: 'string'; value: string; raw?: boolean; loc: Loc }
/**
 * A variable. `input` and `data` are vars named "input" and "data". `_` is a var named "_"
 * in parser output (each `_` is a distinct wildcard).
 */
export interface VarTerm { type: 'var'; name: string; loc: Loc }
/**
 * A reference: `head` followed by path elements.
 * `a.b[c]["d"]` is { head: var a, path: [string "b", var c, string "d"] }.
 * The head is usually a var; it may also be a call, array, object, set or comprehension
 * (e.g. `f(x).y`, `[1,2][i]`).
 */
export interface RefTerm { type: 'ref'; head: Term; path: Term[]; loc: Loc }
export interface ArrayTerm { type: 'array'; items: Term[]; loc: Loc }
export interface ObjectTerm { type: 'object'; items: Array<[Term, Term]>; loc: Loc }
/** `set()` is an empty SetTerm. `{}` is an empty ObjectTerm. */
export interface SetTerm { type: 'set'; items: Term[]; loc: Loc }
export interface ArrayComprehension { type: 'arraycompr'; term: Term; body: Body; loc: Loc }
export interface SetComprehension { type: 'setcompr'; term: Term; body: Body; loc: Loc }
export interface ObjectComprehension { type: 'objectcompr'; key: Term; value: Term; body: Body; loc: Loc }
/**
 * A call of a builtin or user function. `op` is the dotted name as written
 * (`["count"]`, `["strings", "replace_n"]`, `["data", "lib", "f"]`, `["lib", "f"]`).
 *
 * Operators are calls too, with OPA's builtin names:
 *   `x := y` assign, `x = y` eq, `==` equal, `!=` neq, `<` lt, `<=` lte, `>` gt, `>=` gte,
 *   `+` plus, `-` minus, `*` mul, `/` div, `%` rem, `&` and, `|` or,
 *   `x in xs` internal.member_2(x, xs), `k, v in xs` internal.member_3(k, v, xs).
 * Unary minus on a non-literal is minus(0, x) as OPA does; `-1` is a number literal.
 */
export interface CallTerm { type: 'call'; op: string[]; opLoc: Loc; args: Term[]; loc: Loc }
/** `$"... {expr} ..."`: parts alternate literal strings and terms. Optional for the parser. */
export interface TemplateStringTerm { type: 'templatestring'; parts: Array<string | Term>; loc: Loc }

// ---------------------------------------------------------------------------
// Expressions and bodies

export type Body = Expr[];

export type Expr = TermExpr | SomeDecl | SomeIn | Every | LogicExpr;

export interface With { target: Term /* a ref (input.x, data.y.z) or a var/ref naming a function */; value: Term; loc: Loc }

/** A plain expression: a term (usually a call), possibly negated with `not`, with `with` modifiers. */
export interface TermExpr { kind: 'term'; term: Term; negated: boolean; with: With[]; loc: Loc }
/** `some x, y` (declaration only). */
export interface SomeDecl { kind: 'some'; vars: VarTerm[]; loc: Loc }
/** `some v in xs` or `some k, v in xs` (key absent in the first form). `with` may follow. */
export interface SomeIn { kind: 'somein'; key?: Term; value: Term; collection: Term; with: With[]; loc: Loc }
/** `every v in xs { body }` or `every k, v in xs { body }`. */
export interface Every { kind: 'every'; key?: VarTerm; value: VarTerm; domain: Term; body: Body; with: With[]; loc: Loc }
/**
 * `a and b`, `a or b` (experimental future.keywords.and / .or), explicit operand bodies
 * `{ ... } and ...`, and negated bodies `not { ... }` (op 'and', one operand, negated).
 * Each operand is a body with its own scope (`:=` shadows; outer vars are visible), tested like a
 * `not` body: at most one success, no binding leaves it. `and` needs every operand to succeed,
 * `or` one (left to right, short-circuit). The whole is one test, so the expression binds nothing.
 */
export interface LogicExpr { kind: 'logic'; op: 'and' | 'or'; operands: Body[]; negated: boolean; with: With[]; loc: Loc }

// ---------------------------------------------------------------------------
// Rules and modules

export type RuleKind = 'complete' | 'partialset' | 'partialobject' | 'function';

/**
 * One rule definition. Heads as written:
 *   `p := 1`, `p = 1 if {}`, `p if {...}` (value true)     -> complete, ref [p]
 *   `a.b.c := 1`                                            -> complete, ref [a, b, c]
 *   `p contains x if {...}`                                -> partialset, ref [p], key x
 *   `p[k] := v if {...}`, `a.b[k] = v`                      -> partialobject, ref [p], key k, value v
 *       (ref holds the constant prefix; for general ref heads like `p[x].y[z] := 1` the
 *        parser puts the whole ref in `refTail` and leaves `key` undefined)
 *   `f(x, y) := z if {...}`, `f(x) if {...}` (value true)  -> function, ref [f], args
 * `value` is undefined when the head has no value (it means `true`), for complete and function rules.
 */
export interface Rule {
  kind: RuleKind;
  /** `default p := v` / `default f(_) := v`. */
  isDefault: boolean;
  /** Head ref relative to the package, as terms: first is always a string term (the rule name). */
  ref: Term[];
  /** General ref heads only: the full ref including variable parts after `ref`. */
  refTail?: Term[];
  args?: Term[];
  key?: Term;
  value?: Term;
  /** ':=' or '=' or undefined when the head has no value. */
  assign?: ':=' | '=';
  /** Empty body means the rule always holds. */
  body: Body;
  /** `else [= v] [if] { body }` chain, in order. A missing value means `true`. */
  elses: Array<{ value?: Term; body: Body; loc: Loc }>;
  /** Location of the whole rule (head to end of last body). */
  loc: Loc;
  /** Location of the head. */
  headLoc: Loc;
  /** Parsed `# METADATA` block directly above this rule, if any. */
  annotations?: Annotations;
}

export interface Import {
  /** The imported ref: `data.lib.x` -> ["data","lib","x"]; `rego.v1`, `future.keywords.in` also appear. */
  path: string[];
  alias?: string;
  loc: Loc;
}

/** A `# METADATA` block: the YAML body parsed to a plain object, with its scope. */
export interface Annotations {
  scope: 'rule' | 'document' | 'package' | 'subpackages';
  /** title, description, entrypoint, custom, authors, ... as parsed from the YAML. */
  fields: Record<string, unknown>;
  loc: Loc;
}

export interface Module {
  file: string;
  /** Package path without the `data` prefix: `package a.b` -> ["a","b"]. */
  package: string[];
  packageLoc: Loc;
  imports: Import[];
  rules: Rule[];
  /** All METADATA blocks in the file (package-scoped ones included). */
  annotations: Annotations[];
}

// ---------------------------------------------------------------------------
// Normal form (what opa/check hands to the planner)
//
// 1. Every reference to a rule, a package or an imported name is a RefTerm whose head is
//    the var `data` and whose path starts with string terms (`data.pkg.rule...`).
//    References to input are refs with head var `input`. Import aliases are gone.
// 2. Calls to user functions have op = ["data", ...package path..., name].
//    Calls to builtins keep the builtin's dotted name (`["strings","replace_n"]`).
// 3. Variables are renamed so that every local variable of a rule (including those of
//    nested comprehensions and `every` bodies) has a name unique within the rule;
//    each wildcard `_` gets its own name starting with `$`. Renamed names never clash with
//    user names (they contain `$`).
// 4. Within each body, expressions are ordered so that every variable is bound before
//    it is used where that is required (OPA's safety reordering). The planner may therefore
//    treat the first occurrence of an unbound variable in an output position as its binding.
// 5. `some x` declarations remain (they carry no runtime effect after renaming).
// 6. The `rego.v1` / `future.keywords` imports are removed.
