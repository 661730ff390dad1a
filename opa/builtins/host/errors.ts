// The one way a host builtin reports bad user input: OPA's non-strict mode turns it into "undefined",
// strict mode (--strict-builtin-errors) into an evaluation error with OPA's code.
export type BuiltinErrorCode = 'eval_type_error' | 'eval_builtin_error';

export class BuiltinError extends Error {
  readonly code: BuiltinErrorCode;
  constructor(builtin: string, message: string, code?: BuiltinErrorCode) {
    super(`${builtin}: ${message}`);
    this.name = 'BuiltinError';
    this.code = code ?? defaultCode(message);
  }
}

/** OPA raises operand errors ("operand 2 must be ...", "operand 1 missing ...") as type errors, the rest as builtin errors. */
function defaultCode(message: string): BuiltinErrorCode {
  return /^operand \d+ /.test(message) ? 'eval_type_error' : 'eval_builtin_error';
}

/** Abort the current builtin call with a user-input error (the call becomes undefined). */
export function fail(builtin: string, message: string, code?: BuiltinErrorCode): never {
  throw new BuiltinError(builtin, message, code);
}

export function str(builtin: string, v: unknown, pos: number): string {
  if (typeof v !== 'string') fail(builtin, `operand ${pos} must be string but got ${typeName(v)}`);
  return v;
}

export function num(builtin: string, v: unknown, pos: number): number {
  if (typeof v !== 'number' && typeof v !== 'bigint') fail(builtin, `operand ${pos} must be number but got ${typeName(v)}`);
  return Number(v);
}

export function int(builtin: string, v: unknown, pos: number): number {
  const n = num(builtin, v, pos);
  if (!Number.isInteger(n)) fail(builtin, `operand ${pos} must be integer number but got floating-point number`);
  return n;
}

export function obj(builtin: string, v: unknown, pos: number): Record<string, unknown> {
  if (!isObject(v)) fail(builtin, `operand ${pos} must be object but got ${typeName(v)}`);
  return v;
}

export function arr(builtin: string, v: unknown, pos: number): unknown[] {
  if (!Array.isArray(v)) fail(builtin, `operand ${pos} must be array but got ${typeName(v)}`);
  return v;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string': return 'string';
    case 'number': case 'bigint': return 'number';
    case 'boolean': return 'boolean';
    case 'object': return 'object';
    default: return typeof v;
  }
}
