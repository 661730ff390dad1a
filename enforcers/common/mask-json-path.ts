// The JSON path subset mask rules use: $ then .name, ['name'] / ["name"], [n], [*] and .* steps.

export type PathStep = { key: string } | { index: number } | { any: true };

/** Parses a path; returns the steps or a problem description. */
export function parseJsonPath(path: string): PathStep[] | string {
  if (!path.startsWith('$')) return 'must start with $';
  const steps: PathStep[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      if (path[i + 1] === '*') {
        steps.push({ any: true });
        i += 2;
        continue;
      }
      const m = /^[A-Za-z_$][\w$-]*/u.exec(path.slice(i + 1));
      if (!m) return `a name must follow "." at offset ${i}`;
      steps.push({ key: m[0] });
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      let m: RegExpExecArray | null;
      if ((m = /^\[\*\]/.exec(rest))) steps.push({ any: true });
      else if ((m = /^\[(0|[1-9]\d{0,8})\]/.exec(rest))) steps.push({ index: Number(m[1]) });
      else if ((m = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest)) || (m = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest))) steps.push({ key: m[1].replace(/\\(.)/g, '$1') });
      else return `bad bracket step at offset ${i}`;
      i += m[0].length;
    } else {
      return `unexpected "${c}" at offset ${i}`;
    }
  }
  return steps;
}

/**
 * Calls `fn` on every value the path selects, replacing it with fn's result (in place on copies the
 * caller made). The root itself ($) is replaced through the return value.
 */
export function replaceAtPath(root: unknown, steps: PathStep[], fn: (v: unknown) => unknown): unknown {
  if (steps.length === 0) return fn(root);
  const [step, ...rest] = steps;
  if (Array.isArray(root)) {
    if ('index' in step) {
      if (step.index < root.length) root[step.index] = replaceAtPath(root[step.index], rest, fn);
    } else if ('any' in step) {
      for (let i = 0; i < root.length; i++) root[i] = replaceAtPath(root[i], rest, fn);
    }
    return root;
  }
  if (typeof root === 'object' && root !== null) {
    const o = root as Record<string, unknown>;
    if ('key' in step) {
      if (Object.hasOwn(o, step.key)) o[step.key] = replaceAtPath(o[step.key], rest, fn);
    } else if ('any' in step) {
      for (const k of Object.keys(o)) o[k] = replaceAtPath(o[k], rest, fn);
    }
  }
  return root;
}
