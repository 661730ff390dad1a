// json.verify_schema and json.match_schema: a JSON Schema (draft 4-7 core) validator with
// gojsonschema's error shapes ({desc, error, field, type}) and messages. Supported keywords: type,
// enum, const, properties, required, additionalProperties, patternProperties, min/maxProperties,
// items (schema or tuple), min/maxItems, uniqueItems, minimum/maximum (+ exclusive, both drafts),
// multipleOf, min/maxLength, pattern, allOf/anyOf/oneOf/not, $ref to "#/..." pointers, boolean
// schemas. Others (format, dependencies, if/then/else, remote $ref) are ignored.
import type { HostBuiltin } from './index.ts';
import { S, B, NUL, OBJ, anyOf, tuple, arrayOf, decl } from './types.ts';
import { fail, isObject } from './errors.ts';
import { valuesEqual, compareValues } from './values.ts';
import { compileRe2 } from './re2.ts';

const TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

class SchemaError extends Error {}

interface VErr { field: string; type: string; desc: string }

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'bigint') return 'integer';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** Checks the schema's own shape (what gojsonschema rejects when loading it). */
function checkSchema(s: unknown): void {
  if (typeof s === 'boolean') return;
  if (!isObject(s)) throw new SchemaError('schema must be an object or a boolean');
  if ('type' in s) {
    const ts = Array.isArray(s.type) ? s.type : [s.type];
    for (const t of ts) {
      if (typeof t !== 'string' || !TYPES.includes(t)) {
        throw new SchemaError(`has a primitive type that is NOT VALID -- given: /${String(t)}/ Expected valid values are:[${TYPES.join(' ')}]`);
      }
    }
  }
  for (const k of ['properties', 'patternProperties', 'definitions', '$defs']) {
    if (isObject(s[k])) Object.values(s[k] as object).forEach(checkSchema);
  }
  for (const k of ['items', 'additionalProperties', 'not', 'additionalItems']) {
    const v = s[k];
    if (Array.isArray(v)) v.forEach(checkSchema);
    else if (v !== undefined) checkSchema(v);
  }
  for (const k of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(s[k])) (s[k] as unknown[]).forEach(checkSchema);
  if ('pattern' in s && (typeof s.pattern !== 'string' || !compileRe2(s.pattern))) throw new SchemaError('invalid pattern');
  if ('required' in s && !Array.isArray(s.required)) throw new SchemaError('required must be an array');
}

function resolve(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) throw new SchemaError(`unsupported $ref ${ref}`);
  let cur = root;
  for (const seg of ref.slice(1).split('/').filter((x) => x !== '')) {
    const k = decodeURIComponent(seg).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(cur) || !(k in cur)) throw new SchemaError(`unresolvable $ref ${ref}`);
    cur = cur[k];
  }
  return cur;
}

const fieldOf = (path: string[]): string => (path.length === 0 ? '(root)' : path.join('.'));

function validate(v: unknown, s: unknown, root: unknown, path: string[], errs: VErr[], depth = 0): void {
  if (depth > 100) throw new SchemaError('schema recursion too deep');
  if (s === true) return;
  if (s === false) { errs.push({ field: fieldOf(path), type: 'false', desc: 'False always fails validation' }); return; }
  if (!isObject(s)) return;
  const add = (type: string, desc: string, p = path): void => { errs.push({ field: fieldOf(p), type, desc }); };
  if (typeof s.$ref === 'string') { validate(v, resolve(root, s.$ref), root, path, errs, depth + 1); return; }
  const t = typeOf(v);
  if ('type' in s) {
    const ts = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
    const ok = ts.includes(t) || (t === 'integer' && ts.includes('number'));
    if (!ok) { add('invalid_type', `Invalid type. Expected: ${ts.join('/')}, given: ${t}`); return; }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => valuesEqual(e, v))) {
    add('enum', `${fieldOf(path)} must be one of the following: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if ('const' in s && !valuesEqual(s.const, v)) add('const', `${fieldOf(path)} does not match: ${JSON.stringify(s.const)}`);
  if (typeof v === 'number') {
    const n = v;
    const exMin = s.exclusiveMinimum, exMax = s.exclusiveMaximum;
    if (typeof s.minimum === 'number') {
      if (exMin === true ? !(n > s.minimum) : !(n >= s.minimum)) add(exMin === true ? 'number_gt' : 'number_gte', `Must be greater than ${exMin === true ? '' : 'or equal to '}${s.minimum}`);
    }
    if (typeof s.maximum === 'number') {
      if (exMax === true ? !(n < s.maximum) : !(n <= s.maximum)) add(exMax === true ? 'number_lt' : 'number_lte', `Must be less than ${exMax === true ? '' : 'or equal to '}${s.maximum}`);
    }
    if (typeof exMin === 'number' && !(n > exMin)) add('number_gt', `Must be greater than ${exMin}`);
    if (typeof exMax === 'number' && !(n < exMax)) add('number_lt', `Must be less than ${exMax}`);
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && !Number.isInteger(n / s.multipleOf)) add('multiple_of', `Must be a multiple of ${s.multipleOf}`);
  }
  if (typeof v === 'string') {
    const len = [...v].length;
    if (typeof s.minLength === 'number' && len < s.minLength) add('string_gte', `String length must be greater than or equal to ${s.minLength}`);
    if (typeof s.maxLength === 'number' && len > s.maxLength) add('string_lte', `String length must be less than or equal to ${s.maxLength}`);
    if (typeof s.pattern === 'string') {
      const re = compileRe2(s.pattern)!;
      re.lastIndex = 0;
      if (!re.test(v)) add('pattern', `Does not match pattern '${s.pattern}'`);
    }
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) add('array_min_items', `Array must have at least ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) add('array_max_items', `Array must have at most ${s.maxItems} items`);
    if (s.uniqueItems === true) {
      const sorted = v.map((x, i) => [x, i] as const).sort((a, b) => compareValues(a[0], b[0]));
      for (let i = 1; i < sorted.length; i++) {
        if (valuesEqual(sorted[i - 1]![0], sorted[i]![0])) { add('unique', `array items[${sorted[i - 1]![1]},${sorted[i]![1]}] must be unique`); break; }
      }
    }
    if (Array.isArray(s.items)) {
      s.items.forEach((is, i) => { if (i < v.length) validate(v[i], is, root, [...path, String(i)], errs, depth + 1); });
      if (s.additionalItems === false && v.length > s.items.length) add('array_no_additional_items', `No additional items allowed on array`);
    } else if (s.items !== undefined) {
      v.forEach((x, i) => validate(x, s.items, root, [...path, String(i)], errs, depth + 1));
    }
  }
  if (isObject(v)) {
    const keys = Object.keys(v);
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties) add('array_min_properties', `Must have at least ${s.minProperties} properties`);
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) add('array_max_properties', `Must have at most ${s.maxProperties} properties`);
    if (Array.isArray(s.required)) {
      for (const r of s.required) if (typeof r === 'string' && !(r in v)) add('required', `${r} is required`);
    }
    const props = isObject(s.properties) ? s.properties : {};
    const pats = isObject(s.patternProperties) ? Object.entries(s.patternProperties) : [];
    for (const k of keys) {
      let matched = false;
      if (k in props) { matched = true; validate(v[k], props[k], root, [...path, k], errs, depth + 1); }
      for (const [p, ps] of pats) {
        const re = compileRe2(p);
        if (re) { re.lastIndex = 0; if (re.test(k)) { matched = true; validate(v[k], ps, root, [...path, k], errs, depth + 1); } }
      }
      if (!matched && s.additionalProperties !== undefined) {
        if (s.additionalProperties === false) add('additional_property_not_allowed', `Additional property ${k} is not allowed`);
        else validate(v[k], s.additionalProperties, root, [...path, k], errs, depth + 1);
      }
    }
  }
  const passes = (sub: unknown): boolean => { const e: VErr[] = []; validate(v, sub, root, path, e, depth + 1); return e.length === 0; };
  if (Array.isArray(s.allOf)) {
    const before = errs.length;
    s.allOf.forEach((sub) => validate(v, sub, root, path, errs, depth + 1));
    if (errs.length > before) add('number_all_of', 'Must validate all the schemas (allOf)');
  }
  if (Array.isArray(s.anyOf) && !s.anyOf.some(passes)) add('number_any_of', 'Must validate at least one schema (anyOf)');
  if (Array.isArray(s.oneOf) && s.oneOf.filter(passes).length !== 1) add('number_one_of', 'Must validate one and only one schema (oneOf)');
  if ('not' in s && passes(s.not)) add('number_not', 'Must not validate the schema (not)');
}

function loadJson(name: string, v: unknown, what: string): unknown {
  if (typeof v !== 'string') return v;
  try { return JSON.parse(v); } catch { return fail(name, `${what} is not valid JSON`); }
}

const SCHEMA_ARG = anyOf(S, OBJ);

export const jsonSchemaBuiltins: HostBuiltin[] = [
  {
    name: 'json.verify_schema', impl: 'host', decl: decl([SCHEMA_ARG], tuple(B, anyOf(NUL, S))),
    fn: (schema) => {
      if (typeof schema !== 'string' && !isObject(schema)) fail('json.verify_schema', 'operand 1 must be string or object');
      let s: unknown;
      try { s = JSON.parse(typeof schema === 'string' ? schema : JSON.stringify(schema)); } catch { return [false, 'jsonschema: invalid JSON']; }
      try { checkSchema(s); } catch (e) {
        if (e instanceof SchemaError) return [false, `jsonschema: ${e.message}`];
        throw e;
      }
      return [true, null];
    },
  },
  {
    name: 'json.match_schema', impl: 'host',
    decl: decl([SCHEMA_ARG, SCHEMA_ARG], tuple(B, arrayOf({ type: 'object', static: [
      { key: 'desc', value: S }, { key: 'error', value: S }, { key: 'field', value: S }, { key: 'type', value: S },
    ] }))),
    fn: (document, schema) => {
      const name = 'json.match_schema';
      if (typeof document !== 'string' && !isObject(document)) fail(name, 'operand 1 must be string or object');
      if (typeof schema !== 'string' && !isObject(schema)) fail(name, 'operand 2 must be string or object');
      const doc = loadJson(name, document, 'document');
      const s = loadJson(name, schema, 'schema');
      const errs: VErr[] = [];
      try {
        checkSchema(s);
        validate(doc, s, s, [], errs);
      } catch (e) {
        if (e instanceof SchemaError) fail(name, e.message);
        throw e;
      }
      return [errs.length === 0, errs.map((e) => ({ desc: e.desc, error: `${e.field}: ${e.desc}`, field: e.field, type: e.type }))];
    },
  },
];

