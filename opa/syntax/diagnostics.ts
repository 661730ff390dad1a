// Diagnostics: user errors are data, collected and printed as `file:line:col: code: message`.
import type { Loc } from './ast.ts';

export type DiagnosticCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_type_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error';

export interface Diagnostic {
  code: DiagnosticCode;
  message: string;
  loc: Loc;
}

/** Source texts by file name, to turn byte offsets into line/column when printing. */
export class SourceSet {
  private readonly texts = new Map<string, Buffer>();
  private readonly lineStarts = new Map<string, number[]>();

  add(file: string, text: string): void {
    this.texts.set(file, Buffer.from(text, 'utf8'));
    this.lineStarts.delete(file);
  }

  has(file: string): boolean {
    return this.texts.has(file);
  }

  /** 1-based line and column (column counts bytes, as OPA's does) of a byte offset. */
  position(file: string, offset: number): { row: number; col: number } {
    const buf = this.texts.get(file);
    if (!buf) return { row: 1, col: 1 };
    let starts = this.lineStarts.get(file);
    if (!starts) {
      starts = [0];
      for (let i = 0; i < buf.length; i++) if (buf[i] === 0x0a) starts.push(i + 1);
      this.lineStarts.set(file, starts);
    }
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { row: lo + 1, col: offset - starts[lo] + 1 };
  }

  /** The source line of a location, for a caret under the message. */
  lineOf(file: string, offset: number): string {
    const buf = this.texts.get(file);
    if (!buf) return '';
    const { row } = this.position(file, offset);
    const starts = this.lineStarts.get(file)!;
    const end = row < starts.length ? starts[row] - 1 : buf.length;
    return buf.subarray(starts[row - 1], end).toString('utf8');
  }
}

export function formatDiagnostic(d: Diagnostic, sources: SourceSet, opts: { caret?: boolean } = {}): string {
  const { row, col } = sources.position(d.loc.file, d.loc.start);
  let out = `${d.loc.file}:${row}:${col}: ${d.code}: ${d.message}`;
  if (opts.caret && sources.has(d.loc.file)) {
    const line = sources.lineOf(d.loc.file, d.loc.start);
    out += `\n\t${line}\n\t${' '.repeat(Math.max(0, col - 1))}^`;
  }
  return out;
}
