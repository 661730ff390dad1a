// Host builtins: Rego builtins writ implements in TypeScript, outside the module.
// The SDK calls them through opa_builtinN; `hostBuiltins()` (opa/index.ts) hands them over
// as customBuiltins so callers never need to know which builtin lives where.
//
// Boundary limits (the SDK's opa_builtinN path):
// - Arguments are JSON.parse'd: sets arrive as arrays, non-string object keys as JSON text, and
//   integers beyond 2^53 (e.g. nanosecond timestamps passed in) are rounded to the nearest double.
// - Results are written back as JSON text. We hand the SDK an ArrayBuffer of exact text, so bigint
//   results (time.*, units.parse, uuid.parse time, x509 serials) stay exact; inside, integers beyond
//   2^53 are bigint, all others number. Results cannot be sets: set-typed results (object.keys,
//   net.cidr_expand/merge/contains_matches, graph.reachable_paths) come back as sorted arrays, so
//   compiled code must convert them (declared result type "set") if it needs a Rego set.
// - Arithmetic inside builtins is exact (bigint) where OPA uses big numbers: units.*, time.*
//   (int64 range enforced like OPA), semver. Other numeric inputs are doubles.
// - time.now_ns and uuid.rfc4122 are cached per evaluation (see eval-scope.ts).
import type { BuiltinDef } from '../registry.ts';
import { BuiltinError } from './errors.ts';
import { toJsonText } from './values.ts';
import { stringBuiltins } from './strings.ts';
import { objectBuiltins } from './objects.ts';
import { arrayBuiltins } from './arrays.ts';
import { encodingBuiltins } from './encoding.ts';
import { cryptoBuiltins } from './crypto.ts';
import { semverBuiltins } from './semver.ts';
import { unitsBuiltins } from './units.ts';
import { uuidBuiltins } from './uuid.ts';
import { netBuiltins } from './net.ts';
import { jwtBuiltins } from './jwt.ts';
import { timeBuiltins } from './time.ts';
import { jsonPatchBuiltins } from './jsonpatch.ts';
import { templateBuiltins } from './template.ts';
import { uriBuiltins } from './uri.ts';
import { jsonBuiltins } from './json.ts';
import { graphBuiltins } from './graph.ts';
import { keyBuiltins } from './keys.ts';
import { awsBuiltins } from './aws.ts';
import { x509Builtins } from './x509.ts';
import { jsonSchemaBuiltins } from './json-schema.ts';

export type HostFn = (...args: any[]) => unknown;

export interface HostBuiltin extends BuiltinDef {
  impl: 'host';
  fn: HostFn;
}

/** Every host builtin, one family file each. */
export const hostBuiltinList: HostBuiltin[] = [
  ...stringBuiltins,
  ...objectBuiltins,
  ...arrayBuiltins,
  ...encodingBuiltins,
  ...cryptoBuiltins,
  ...semverBuiltins,
  ...unitsBuiltins,
  ...uuidBuiltins,
  ...netBuiltins,
  ...jwtBuiltins,
  ...timeBuiltins,
  ...jsonPatchBuiltins,
  ...templateBuiltins,
  ...uriBuiltins,
  ...jsonBuiltins,
  ...graphBuiltins,
  ...keyBuiltins,
  ...awsBuiltins,
  ...x509Builtins,
  ...jsonSchemaBuiltins,
];

export const hostBuiltinDefs: BuiltinDef[] = hostBuiltinList.map(({ fn: _fn, ...def }) => def);

const byName = new Map(hostBuiltinList.map((b) => [b.name, b]));

/**
 * Calls a host builtin with plain JSON arguments and returns its plain result: undefined when the
 * call is undefined (bad input, as OPA's non-strict mode); integers beyond 2^53 may be bigint.
 * Errors other than bad user input are internal bugs and are rethrown.
 */
export function callHostBuiltin(name: string, args: unknown[]): unknown {
  const b = byName.get(name);
  if (!b) throw new Error(`internal: no host builtin ${name}`);
  try {
    return b.fn(...args);
  } catch (e) {
    if (e instanceof BuiltinError) return undefined;
    throw e instanceof Error && !e.message.startsWith('internal:') ? new Error(`internal: host builtin ${name}: ${e.message}`, { cause: e }) : e;
  }
}

/** The SDK takes an ArrayBuffer result as ready JSON text: that keeps big integers exact. */
function toSdkResult(v: unknown): ArrayBuffer | undefined {
  if (v === undefined) return undefined;
  const bytes = new TextEncoder().encode(toJsonText(v));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * Like callHostBuiltin, but in strict mode a user-input error is returned as the text the module's
 * runtime turns into OPA's strict error (opa_json_parse aborts on "\0WRIT\0<code>\0<message>" with the
 * location of the call), so the evaluation fails with "<file>:<row>:<col>: <code>: <message>".
 */
function callForSdk(name: string, args: unknown[], strict: boolean): ArrayBuffer | undefined {
  if (!strict) return toSdkResult(callHostBuiltin(name, args));
  const b = byName.get(name);
  if (!b) throw new Error(`internal: no host builtin ${name}`);
  let v: unknown;
  try {
    v = b.fn(...args);
  } catch (e) {
    if (e instanceof BuiltinError) return strictErrorText(e.code, e.message);
    throw e instanceof Error && !e.message.startsWith('internal:') ? new Error(`internal: host builtin ${name}: ${e.message}`, { cause: e }) : e;
  }
  return toSdkResult(v);
}

/** The strict error record a host builtin hands back through the SDK (never valid JSON). */
export function strictErrorText(code: string, message: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(`\0WRIT\0${code}\0${message}`);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export interface HostBuiltinOptions {
  /** OPA's --strict-builtin-errors: bad input fails the evaluation instead of being undefined. */
  strict?: boolean;
}

/** The functions to pass as the SDK's customBuiltins. */
export function hostBuiltins(opts: HostBuiltinOptions = {}): Record<string, (...args: unknown[]) => unknown> {
  const strict = opts.strict === true;
  const out: Record<string, (...args: unknown[]) => unknown> = {};
  for (const b of hostBuiltinList) out[b.name] = (...args) => callForSdk(b.name, args, strict);
  return out;
}

/**
 * Like hostBuiltins(), but every nondeterministic builtin reports (name, args, result) to `record`
 * after each call so a decision can be replayed. `result` is the plain value (undefined when the call
 * was undefined; may contain bigint: serialise it with `toJsonText`).
 */
export function recordingHostBuiltins(
  record: (name: string, args: unknown[], result: unknown) => void,
): Record<string, (...args: unknown[]) => unknown> {
  const out = hostBuiltins();
  for (const b of hostBuiltinList) {
    if (!b.nondeterministic) continue;
    out[b.name] = (...args) => {
      const result = callHostBuiltin(b.name, args);
      record(b.name, args, result);
      return toSdkResult(result);
    };
  }
  return out;
}

export interface RecordedCall {
  name: string;
  args: unknown[];
  result: unknown;
}

/**
 * The counterpart of recordingHostBuiltins for replaying a decision: each nondeterministic builtin
 * returns the recorded result of the next unused recorded call with the same name and arguments.
 * A call that was not recorded throws (the replay does not match the recording).
 */
export function replayingHostBuiltins(calls: RecordedCall[]): Record<string, (...args: unknown[]) => unknown> {
  const out = hostBuiltins();
  const used = new Set<number>();
  for (const b of hostBuiltinList) {
    if (!b.nondeterministic) continue;
    out[b.name] = (...args) => {
      const i = calls.findIndex((c, k) => !used.has(k) && c.name === b.name && toJsonText(c.args) === toJsonText(args));
      if (i < 0) throw new Error(`replay: no recorded result for ${b.name}(${toJsonText(args)})`);
      used.add(i);
      return toSdkResult(calls[i]!.result);
    };
  }
  return out;
}

export { toJsonText };
