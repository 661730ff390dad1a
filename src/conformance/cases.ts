// OPA's YAML conformance cases: discovery and loading (read from disk at run time, never copied).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import YAML from 'yaml';

export interface ConformanceCase {
  /** Stable id: `<path relative to the root>#<index in file>`. Notes are not unique, so they are not ids. */
  id: string;
  file: string;
  index: number;
  note: string;
  query: string;
  modules: string[];
  data?: unknown;
  input?: unknown;
  inputTerm?: string;
  wantResult?: Array<Record<string, unknown>>;
  sortBindings: boolean;
  wantErrorCode?: string;
  wantError?: string;
  strictError: boolean;
}

function yamlFiles(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(p);
  }
}

/** Every case under `root`, in file then index order. A file that does not parse is reported as one failing pseudo-case. */
export function loadCases(root: string): { cases: ConformanceCase[]; errors: Array<{ file: string; message: string }> } {
  const files: string[] = [];
  yamlFiles(root, files);
  const cases: ConformanceCase[] = [];
  const errors: Array<{ file: string; message: string }> = [];
  for (const f of files) {
    const rel = relative(root, f);
    let doc: any;
    try {
      // intAsBigInt keeps integers beyond 2^53 exact; they are compared as text later.
      doc = YAML.parse(readFileSync(f, 'utf8'), { intAsBigInt: true });
    } catch (e) {
      errors.push({ file: rel, message: (e as Error).message });
      continue;
    }
    const list: any[] = Array.isArray(doc?.cases) ? doc.cases : [];
    list.forEach((c, index) => {
      cases.push({
        id: `${rel}#${index}`,
        file: rel,
        index,
        note: String(c.note ?? ''),
        query: String(c.query ?? ''),
        modules: Array.isArray(c.modules) ? c.modules.map(String) : [],
        data: c.data,
        input: c.input,
        inputTerm: c.input_term === undefined ? undefined : String(c.input_term),
        wantResult: c.want_result,
        sortBindings: c.sort_bindings === true,
        wantErrorCode: c.want_error_code === undefined ? undefined : String(c.want_error_code),
        wantError: c.want_error === undefined ? undefined : String(c.want_error),
        strictError: c.strict_error === true,
      });
    });
  }
  return { cases, errors };
}
