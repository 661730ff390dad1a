// `# METADATA` blocks: find them among the comments and parse their YAML into Annotations.
import { parse as parseYaml } from 'yaml';
import type { Annotations } from './ast.ts';
import type { Comment } from './scanner.ts';
import type { ParserState } from './parser-state.ts';

const scopes = new Set(['rule', 'document', 'package', 'subpackages']);

export interface MetadataBlock {
  /** Byte offset after the block's last comment: the annotated statement is the first token after it. */
  end: number;
  /** Annotations with the scope given in the YAML, or undefined when the default (by position) applies. */
  scope?: Annotations['scope'];
  fields: Record<string, unknown>;
  start: number;
}

/** Whether the only bytes between two comments are one newline and indentation. */
function adjacent(src: Buffer, a: Comment, b: Comment): boolean {
  let nl = 0;
  for (let i = a.end; i < b.start; i++) {
    const c = src[i];
    if (c === 0x0a) nl++;
    else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return nl === 1;
}

export function findMetadataBlocks(p: ParserState, src: Buffer): MetadataBlock[] {
  const out: MetadataBlock[] = [];
  const cs = p.comments;
  for (let i = 0; i < cs.length; i++) {
    if (!cs[i].text.trim().startsWith('METADATA')) continue;
    let j = i + 1;
    const lines: string[] = [];
    // Continuation lines are comments at column 1 on the following lines (as OPA).
    while (j < cs.length && adjacent(src, cs[j - 1], cs[j]) && (cs[j].start === 0 || src[cs[j].start - 1] === 0x0a)) {
      const t = cs[j].text;
      lines.push(t.startsWith(' ') ? t.slice(1) : t);
      j++;
    }
    const start = cs[i].start, end = cs[j - 1].end;
    i = j - 1;
    if (!lines.join('').trim()) {
      p.report('expected METADATA block, found whitespace', start, end);
      continue;
    }
    let doc: unknown;
    try {
      doc = parseYaml(lines.join('\n'));
    } catch (e) {
      p.report(`yaml: ${(e as Error).message.split('\n')[0]}`, start, end);
      continue;
    }
    if (doc === null || doc === undefined) doc = {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      p.report('yaml: METADATA block must be a mapping', start, end);
      continue;
    }
    const fields = { ...(doc as Record<string, unknown>) };
    let scope: Annotations['scope'] | undefined;
    if ('scope' in fields) {
      const s = fields.scope;
      delete fields.scope;
      if (typeof s !== 'string' || !scopes.has(s)) {
        p.report(`invalid annotation scope '${String(s)}'`, start, end);
        continue;
      }
      scope = s as Annotations['scope'];
    }
    out.push({ start, end, scope, fields });
  }
  return out;
}
