// graph.reachable_paths: every maximal path from the initial nodes; a path ends at a node without
// (known) successors or before revisiting a node already on it. Non-string node keys arrive as JSON
// text through the SDK, so non-string nodes are looked up by their JSON text.
import type { HostBuiltin } from './index.ts';
import { ANY, anyOf, arrayOf, setOf, objOf, decl } from './types.ts';
import { fail, isObject } from './errors.ts';
import { setResult, toJsonText, valuesEqual } from './values.ts';

const NAME = 'graph.reachable_paths';
const NODES = anyOf(arrayOf(ANY), setOf(ANY));

export const graphBuiltins: HostBuiltin[] = [
  {
    name: NAME, impl: 'host', decl: decl([objOf(ANY, NODES), NODES], setOf(arrayOf(ANY))),
    fn: (graph, initial) => {
      if (!isObject(graph)) fail(NAME, 'operand 1 must be object');
      if (!Array.isArray(initial)) fail(NAME, 'operand 2 must be one of {array, set}');
      const key = (n: unknown): string => (typeof n === 'string' ? n : toJsonText(n));
      const has = (n: unknown): boolean => Object.prototype.hasOwnProperty.call(graph, key(n));
      const paths: unknown[][] = [];
      const walk = (node: unknown, path: unknown[]): void => {
        if (!has(node)) {
          if (path.length > 0) paths.push(path);
          return;
        }
        const here = [...path, node];
        const edges = graph[key(node)];
        if (edges !== null && !Array.isArray(edges)) fail(NAME, 'edges must be arrays or sets');
        const next = (edges ?? []) as unknown[];
        if (next.length === 0) { paths.push(here); return; }
        for (const n of next) {
          if (here.some((p) => valuesEqual(p, n))) paths.push(here);
          else walk(n, here);
        }
      };
      for (const n of initial) walk(n, []);
      return setResult(paths);
    },
  },
];
