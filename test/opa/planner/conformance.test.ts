// OPA's conformance cases through parse -> check -> plan -> IR interpreter. The interpreter
// lacks many builtins, so this guards against regressions with a floor, not 100%.
import { describe, expect, it } from 'vitest';
import { runConformance } from './conformance.ts';

describe('conformance through the IR interpreter', () => {
  it('passes at least the recorded number of cases, and every core-semantics topic fully', async () => {
    const res = await runConformance();
    const pass = res.filter((r) => r.ok).length;
    expect(pass).toBeGreaterThanOrEqual(1200);
    const core = ['completedoc', 'partialsetdoc', 'partialobjectdoc', 'defaultkeyword', 'elsekeyword', 'comprehensions', 'every', 'functions', 'baseandvirtualdocs', 'withkeyword', 'refheads', 'planner-ir', 'nestedreferences', 'indirectreferences'];
    // Builtins writ does not register (http.send, opa.runtime) are not planner semantics.
    const failing = res.filter((r) => !r.ok && core.includes(r.topic) && !r.reason?.startsWith('check: undefined function')).map((r) => `${r.note}: ${r.reason}`);
    expect(failing).toEqual([]);
  }, 300_000);
});
