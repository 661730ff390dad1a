// The builtin table shown in the README: every builtin writ implements, and where it runs.
import { builtins } from './registry.ts';

const where: Record<string, string> = {
  native: 'native (in the module)',
  sdk: 'SDK (JavaScript in @open-policy-agent/opa-wasm)',
  host: 'host (writ TypeScript, via hostBuiltins())',
  compiler: 'compiled inline',
};

export function builtinTable(): string {
  const rows = [...builtins.values()]
    .filter((b) => !b.name.startsWith('internal.') || b.name === 'internal.template_string')
    .sort((a, b) => a.name.localeCompare(b.name));
  const counts = new Map<string, number>();
  for (const b of rows) counts.set(b.impl, (counts.get(b.impl) ?? 0) + 1);
  const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const lines = [`${rows.length} builtins (${summary}).`, '', '| builtin | runs | notes |', '| --- | --- | --- |'];
  for (const b of rows) {
    const notes = [b.infix ? `operator \`${b.infix}\`` : '', b.relation ? 'relation' : '', b.nondeterministic ? 'non-deterministic, recorded per decision' : '']
      .filter(Boolean)
      .join('; ');
    lines.push(`| \`${b.name}\` | ${where[b.impl]} | ${notes} |`);
  }
  return lines.join('\n') + '\n';
}
