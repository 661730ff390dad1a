// json.patch: RFC 6902 (add, remove, replace, move, copy, test) on JSON values. Paths are JSON
// pointers ("/a/0", "~0"/"~1" escapes) or arrays of segments. Any failing operation makes the call
// undefined. Sets arrive as arrays (SDK boundary), so set-specific patches behave as array patches.
import type { HostBuiltin } from './index.ts';
import { ANY, S, arrayOf, decl } from './types.ts';
import { fail, isObject } from './errors.ts';
import { newObj, valuesEqual } from './values.ts';

const NAME = 'json.patch';
type Path = string[];

function parsePath(p: unknown): Path {
  if (Array.isArray(p)) return p.map((s) => (typeof s === 'string' ? s : typeof s === 'number' && Number.isInteger(s) ? String(s) : fail(NAME, 'invalid path segment')));
  if (typeof p !== 'string') return fail(NAME, 'path must be a string or an array');
  if (p === '') return [];
  return (p.startsWith('/') ? p.slice(1) : p).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(seg: string, len: number, allowEnd: boolean): number {
  if (allowEnd && seg === '-') return len;
  if (!/^(0|[1-9]\d*)$/.test(seg)) fail(NAME, `invalid array index ${JSON.stringify(seg)}`);
  const i = Number(seg);
  if (allowEnd ? i > len : i >= len) fail(NAME, 'array index out of range');
  return i;
}

function get(doc: unknown, path: Path): unknown {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(seg, cur.length, false)];
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, seg)) cur = cur[seg];
    else fail(NAME, `path ${JSON.stringify(path.join('/'))} does not exist`);
  }
  return cur;
}

function copyObj(o: Record<string, unknown>): Record<string, unknown> {
  const out = newObj();
  for (const [k, v] of Object.entries(o)) out[k] = v;
  return out;
}

/** Returns a new document where `edit` was applied to the parent container of path's last segment. */
function update(doc: unknown, path: Path, edit: (parent: unknown, last: string) => unknown): unknown {
  if (path.length === 0) return fail(NAME, 'internal path error');
  const [seg, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return edit(doc, seg);
  if (Array.isArray(doc)) {
    const i = arrayIndex(seg, doc.length, false);
    const out = [...doc];
    out[i] = update(doc[i], rest, edit);
    return out;
  }
  if (isObject(doc) && Object.prototype.hasOwnProperty.call(doc, seg)) {
    const out = copyObj(doc);
    out[seg] = update(doc[seg], rest, edit);
    return out;
  }
  return fail(NAME, 'path does not exist');
}

function add(doc: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  return update(doc, path, (parent, last) => {
    if (Array.isArray(parent)) {
      const out = [...parent];
      out.splice(arrayIndex(last, parent.length, true), 0, value);
      return out;
    }
    if (isObject(parent)) {
      const out = copyObj(parent);
      out[last] = value;
      return out;
    }
    return fail(NAME, 'cannot add to a scalar');
  });
}

function remove(doc: unknown, path: Path): unknown {
  if (path.length === 0) return fail(NAME, 'cannot remove the whole document');
  return update(doc, path, (parent, last) => {
    if (Array.isArray(parent)) {
      const out = [...parent];
      out.splice(arrayIndex(last, parent.length, false), 1);
      return out;
    }
    if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
      const out = copyObj(parent);
      delete out[last];
      return out;
    }
    return fail(NAME, 'path does not exist');
  });
}

function replace(doc: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  return update(doc, path, (parent, last) => {
    if (Array.isArray(parent)) {
      const out = [...parent];
      out[arrayIndex(last, parent.length, false)] = value;
      return out;
    }
    if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
      const out = copyObj(parent);
      out[last] = value;
      return out;
    }
    return fail(NAME, 'path does not exist');
  });
}

function applyOp(doc: unknown, op: unknown): unknown {
  if (!isObject(op) || typeof op.op !== 'string') return fail(NAME, 'each operation must be an object with "op"');
  if (!('path' in op)) fail(NAME, "missing 'path' parameter");
  const path = parsePath(op.path);
  const needValue = (): unknown => ('value' in op ? op.value : fail(NAME, "missing 'value' parameter"));
  const fromPath = (): Path => ('from' in op ? parsePath(op.from) : fail(NAME, "missing 'from' parameter"));
  switch (op.op) {
    case 'add': return add(doc, path, needValue());
    case 'remove': return remove(doc, path);
    case 'replace': return replace(doc, path, needValue());
    case 'move': {
      const from = fromPath();
      const v = get(doc, from);
      if (from.join('/') === path.join('/') && from.length === path.length) return doc;
      return add(remove(doc, from), path, v);
    }
    case 'copy': return add(doc, path, get(doc, fromPath()));
    case 'test': {
      const v = needValue();
      if (!valuesEqual(get(doc, path), v)) fail(NAME, 'test failed');
      return doc;
    }
    default: return fail(NAME, `unrecognized op ${JSON.stringify(op.op)}`);
  }
}

export const jsonPatchBuiltins: HostBuiltin[] = [
  {
    name: 'json.patch', impl: 'host',
    decl: decl([ANY, arrayOf({
      type: 'object',
      static: [{ key: 'op', value: S }, { key: 'path', value: ANY }],
      dynamic: { key: ANY, value: ANY },
    })], ANY),
    fn: (doc, patches) => {
      if (!Array.isArray(patches)) fail(NAME, 'operand 2 must be an array of patch operations');
      return patches.reduce(applyOp, doc);
    },
  },
];
