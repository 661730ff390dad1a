// Per-evaluation caching for nondeterministic builtins. OPA evaluates time.now_ns and
// uuid.rfc4122(k) once per query; the SDK's evaluate() is synchronous, so every host call of one
// evaluation happens before the next microtask: a cache cleared on a microtask is an evaluation cache.
const cache = new Map<string, unknown>();
let clearScheduled = false;

export function evalScoped<T>(key: string, make: () => T): T {
  if (cache.has(key)) return cache.get(key) as T;
  const v = make();
  cache.set(key, v);
  if (!clearScheduled) {
    clearScheduled = true;
    queueMicrotask(() => {
      cache.clear();
      clearScheduled = false;
    });
  }
  return v;
}
