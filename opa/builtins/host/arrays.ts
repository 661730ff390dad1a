// Array/number builtins missing from the SDK: array.reverse, array.flatten, numbers.range_step.
import type { HostBuiltin } from './index.ts';
import { ANY, N, arrayOf, decl } from './types.ts';
import { arr, fail, num } from './errors.ts';

/** One level: elements that are arrays are spliced in, deeper nesting stays (OPA's array.flatten). */
function flatten(xs: unknown[]): unknown[] {
  return xs.flatMap((x) => (Array.isArray(x) ? x : [x]));
}

// Guard against allocating absurd arrays from user input (OPA would run out of memory instead).
const MAX_RANGE = 10_000_000;

export const arrayBuiltins: HostBuiltin[] = [
  {
    name: 'array.reverse', impl: 'host', decl: decl([arrayOf(ANY)], arrayOf(ANY)),
    fn: (a) => [...arr('array.reverse', a, 1)].reverse(),
  },
  {
    name: 'array.flatten', impl: 'host', decl: decl([arrayOf(ANY)], arrayOf(ANY)),
    fn: (a) => flatten(arr('array.flatten', a, 1)),
  },
  {
    name: 'numbers.range_step', impl: 'host', decl: decl([N, N, N], arrayOf(N)),
    fn: (a, b, s) => {
      const name = 'numbers.range_step';
      const lo = num(name, a, 1), hi = num(name, b, 2), step = num(name, s, 3);
      if (!Number.isInteger(lo)) fail(name, 'operand 1 must be integer number but got floating-point number');
      if (!Number.isInteger(hi)) fail(name, 'operand 2 must be integer number but got floating-point number');
      if (!Number.isInteger(step)) fail(name, 'operand 3 must be integer number but got floating-point number');
      if (step <= 0) fail(name, 'step must be a positive integer');
      if (Math.abs(hi - lo) / step > MAX_RANGE) fail(name, 'range too large');
      // Counted, not stepped until past hi: beyond 2^53 `i + step` can round back to `i`, and a loop on
      // `i <= hi` then never ends (it grew the array until the process died; found by the host fuzz test).
      const n = Math.floor(Math.abs(hi - lo) / step) + 1;
      const dir = lo <= hi ? step : -step;
      const out = new Array<number>(n);
      for (let k = 0; k < n; k++) out[k] = lo + k * dir;
      return out;
    },
  },
];
