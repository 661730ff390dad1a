// The one way a host builtin reports bad user input: OPA's non-strict mode turns it into "undefined".
export class BuiltinError extends Error {
  constructor(builtin: string, message: string) {
    super(`${builtin}: ${message}`);
    this.name = 'BuiltinError';
  }
}

/** Abort the current builtin call with a user-input error (the call becomes undefined). */
export function fail(builtin: string, message: string): never {
  throw new BuiltinError(builtin, message);
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
