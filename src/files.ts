// Loading policy trees from disk: .rego files and OPA-style data files (data.json / data.yaml),
// each data file placed under data.<its directory path relative to the root argument>.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import YAML from 'yaml';

export interface PolicyTree {
  rego: Array<{ file: string; text: string }>;
  data: Record<string, unknown>;
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

function walk(path: string, out: string[]): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      walk(join(path, name), out);
    }
  } else {
    out.push(path);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merge `value` into `root` at `path`; objects merge, anything else conflicting is an error. */
function mergeAt(root: Record<string, unknown>, path: string[], value: unknown, file: string): void {
  let node = root;
  for (const seg of path) {
    const next = node[seg];
    if (next === undefined) node[seg] = {};
    else if (!isPlainObject(next)) throw new InputError(`${file}: data path ${path.join('.')} conflicts with a non-object value`);
    node = node[seg] as Record<string, unknown>;
  }
  if (!isPlainObject(value)) {
    if (path.length === 0) throw new InputError(`${file}: a root data file must hold an object`);
    throw new InputError(`${file}: data files must hold objects`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (k in node && isPlainObject(node[k]) && isPlainObject(v)) mergeAt(node, [k], v, file);
    else if (k in node) throw new InputError(`${file}: data key ${[...path, k].join('.')} is defined twice`);
    else node[k] = v;
  }
}

/** Read every .rego file and data file under the given paths. Test files are included; callers filter. */
export function loadPolicyTree(paths: string[]): PolicyTree {
  const tree: PolicyTree = { rego: [], data: {} };
  for (const root of paths) {
    const files: string[] = [];
    walk(root, files);
    const rootIsDir = statSync(root).isDirectory();
    for (const f of files) {
      const base = f.split(sep).pop()!;
      if (f.endsWith('.rego')) {
        tree.rego.push({ file: f, text: readFileSync(f, 'utf8') });
      } else if (base === 'data.json' || base === 'data.yaml' || base === 'data.yml') {
        const text = readFileSync(f, 'utf8');
        let value: unknown;
        try {
          value = base === 'data.json' ? JSON.parse(text) : YAML.parse(text);
        } catch (e) {
          throw new InputError(`${f}: cannot parse: ${(e as Error).message}`);
        }
        const dir = rootIsDir ? relative(root, join(f, '..')) : '';
        const path = dir === '' ? [] : dir.split(sep);
        mergeAt(tree.data, path, value, f);
      }
    }
  }
  return tree;
}
