// OPA's type notation for messages (`any<array[any], set[any]>`, `object[string: any]`) and the
// conservative question "can a literal of this shape ever match that declared type?".
import type { OpaType } from '../builtins/registry.ts';
import type { Term } from '../syntax/ast.ts';

export function formatType(t: OpaType | undefined): string {
  if (!t) return 'any';
  switch (t.type) {
    // Union members print sorted, as OPA's messages show them (`any<array[any], object[any: any], set[any], string>`).
    case 'any': return t.of && t.of.length > 0 ? `any<${t.of.map(formatType).sort().join(', ')}>` : 'any';
    case 'null': case 'boolean': case 'number': case 'string': return t.type;
    case 'array':
      if (t.static && t.static.length > 0) return `array<${t.static.map(formatType).join(', ')}${t.dynamic ? `, ${formatType(t.dynamic)}...` : ''}>`;
      return `array[${formatType(t.dynamic)}]`;
    case 'set': return `set[${formatType(t.of)}]`;
    case 'object': {
      const parts: string[] = [];
      if (t.static && t.static.length > 0) parts.push(...t.static.map((s) => `${JSON.stringify(s.key)}: ${formatType(s.value)}`));
      if (t.dynamic) {
        if (parts.length > 0) return `object<${parts.join(', ')}>[${formatType(t.dynamic.key)}: ${formatType(t.dynamic.value)}]`;
        return `object[${formatType(t.dynamic.key)}: ${formatType(t.dynamic.value)}]`;
      }
      return `object<${parts.join(', ')}>`;
    }
    case 'function': return `(${t.args.map(formatType).join(', ')})${t.result ? ` => ${formatType(t.result)}` : ''}`;
  }
}

/** The type of a literal term, or undefined when it is not statically known (vars, refs, calls). */
export function literalType(t: Term): OpaType | undefined {
  switch (t.type) {
    case 'null': return { type: 'null' };
    case 'boolean': return { type: 'boolean' };
    case 'number': return { type: 'number' };
    case 'string': return { type: 'string' };
    case 'templatestring': return { type: 'string' };
    case 'array': case 'arraycompr': return { type: 'array', dynamic: { type: 'any' } };
    case 'set': case 'setcompr': return { type: 'set', of: { type: 'any' } };
    case 'object': case 'objectcompr': return { type: 'object', dynamic: { key: { type: 'any' }, value: { type: 'any' } } };
    default: return undefined;
  }
}

/** How a value's type is shown in "have:" lists: literals by kind, everything else `any`. */
export function haveType(t: Term): string {
  switch (t.type) {
    case 'array': return t.items.length === 0 ? 'array[any]' : `array<${t.items.map(haveType).join(', ')}>`;
    case 'set': return t.items.length === 0 ? 'set[any]' : `set[${t.items.map(haveType).filter((x, i, a) => a.indexOf(x) === i).join(' | ')}]`;
    case 'object': return t.items.length === 0 ? 'object[any: any]' : `object<${t.items.map(([k, v]) => `${k.type === 'string' ? JSON.stringify(k.value) : haveType(k)}: ${haveType(v)}`).join(', ')}>`;
    default: return formatType(literalType(t));
  }
}

/** Only the outer kind is compared: element types of composites are never used to reject. */
export function mayMatch(have: OpaType, want: OpaType): boolean {
  if (want.type === 'any') return !want.of || want.of.length === 0 || want.of.some((w) => mayMatch(have, w));
  if (have.type === 'any') return true;
  return have.type === want.type;
}
