// Decision-log masking as OPA's: the policy's data.system.log.mask rule yields JSON pointers
// ("/input/password") to remove, or {"op": "upsert"|"remove", "path", "value"} operations.
// Only /input/... pointers apply: the record's result stays what the enforcer received.

export interface MaskOp {
  op: 'remove' | 'upsert';
  path: string[];
  value?: unknown;
}

/** RFC 6901 pointer -> segments. */
export function parsePointer(p: string): string[] | undefined {
  if (!p.startsWith('/')) return undefined;
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The mask rule's value -> operations on the input (pointers outside /input are ignored). */
export function maskOps(rule: unknown): MaskOp[] {
  const items = Array.isArray(rule) ? rule : [];
  const ops: MaskOp[] = [];
  for (const it of items) {
    let op: MaskOp['op'] = 'remove';
    let ptr: unknown = it;
    let value: unknown;
    if (typeof it === 'object' && it !== null) {
      const o = it as Record<string, unknown>;
      op = o.op === 'upsert' ? 'upsert' : 'remove';
      ptr = o.path;
      value = o.value;
    }
    if (typeof ptr !== 'string') continue;
    const segs = parsePointer(ptr);
    if (!segs || segs[0] !== 'input' || segs.length < 2) continue;
    ops.push({ op, path: segs.slice(1), value });
  }
  return ops;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** A copy of `input` with the operations applied; missing paths are skipped (upsert creates leaves only). */
export function applyMask(input: unknown, ops: MaskOp[]): unknown {
  if (ops.length === 0) return input;
  const out = clone(input);
  for (const { op, path, value } of ops) {
    let node: unknown = out;
    for (let i = 0; i < path.length - 1 && node !== undefined; i++) {
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[path[i]] : undefined;
    }
    if (typeof node !== 'object' || node === null) continue;
    const last = path[path.length - 1];
    if (Array.isArray(node)) {
      const i = Number(last);
      if (!Number.isInteger(i) || i < 0 || i >= node.length) continue;
      if (op === 'remove') node.splice(i, 1);
      else node[i] = value;
    } else if (op === 'remove') {
      delete (node as Record<string, unknown>)[last];
    } else {
      (node as Record<string, unknown>)[last] = value;
    }
  }
  return out;
}
