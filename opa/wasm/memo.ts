// Per-evaluation memoisation of rules: the wrapper callers reach instead of the rule's body.
import { Code } from './emit.ts';

/** Body of a memoised rule's entry point: (input, data) -> value, one i32 scratch local. */
export function memoWrapper(withDepth: number, slot: number, inner: number): Uint8Array {
  const c = new Code();
  const t = 2;
  c.i32Const(withDepth).i32Load().i32Eqz().if_();
  c.i32Const(slot).i32Load().localTee(t).if_();
  c.localGet(t).i32Const(1).i32Eq().if_().i32Const(0).return_().end();
  c.localGet(t).return_();
  c.end();
  c.localGet(0).localGet(1).call(inner).localSet(t);
  c.i32Const(slot).localGet(t).i32Const(1).localGet(t).select().i32Store();
  c.localGet(t).return_();
  c.end();
  c.localGet(0).localGet(1).call(inner);
  return c.body(1);
}
