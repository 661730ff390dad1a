// The wall clock in nanoseconds, read once per evaluation (OPA caches time.now_ns per query).
import { evalScoped } from './eval-scope.ts';

const origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowNs(): bigint {
  return evalScoped('time.now_ns', () => origin + process.hrtime.bigint());
}
