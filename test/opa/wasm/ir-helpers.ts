// Helpers for hand-written IR policies in the wasm backend tests.
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import type { Block, Func, Operand, Plan, Policy, Stmt } from '../../../opa/ir/ir.ts';
import { generateWasm } from '../../../opa/wasm/index.ts';

/** Collects string constants so tests can write `s('name')` for an operand. */
export class PolicyBuilder {
  strings: string[] = [];
  builtins: Array<{ name: string; arity: number }> = [];
  plans: Plan[] = [];
  funcs: Func[] = [];

  str(text: string): number {
    let i = this.strings.indexOf(text);
    if (i < 0) { this.strings.push(text); i = this.strings.length - 1; }
    return i;
  }

  s(text: string): Operand {
    return { str: this.str(text) };
  }

  builtin(name: string, arity: number): void {
    if (!this.builtins.some((b) => b.name === name)) this.builtins.push({ name, arity });
  }

  /** A plan whose single block runs `stmts`, which must leave the decision in `resultLocal`. */
  plan(name: string, stmts: Stmt[], resultLocal: Local): void {
    const row = 900;
    this.plans.push({
      name,
      blocks: [{
        stmts: [
          ...stmts,
          { type: 'MakeObjectStmt', target: row },
          { type: 'ObjectInsertStmt', key: this.s('result'), value: l(resultLocal), object: row },
          { type: 'ResultSetAddStmt', value: row },
        ],
      }],
    });
  }

  policy(): Policy {
    return { static: { strings: this.strings, builtins: this.builtins, files: ['test.rego'] }, plans: this.plans, funcs: this.funcs };
  }

  async load(): Promise<{ wasm: Uint8Array<ArrayBuffer>; policy: LoadedPolicy }> {
    const wasm = generateWasm(this.policy());
    return { wasm, policy: await loadPolicy(wasm) };
  }
}

type Local = number;

export function l(local: Local): Operand {
  return { local };
}

export function block(...stmts: Stmt[]): Block {
  return { stmts };
}

/** Runs `f` and returns what it threw (the SDK throws abort messages as plain strings). */
export function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('expected an exception');
}
