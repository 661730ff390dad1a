// Small helpers for the benchmarks: percentiles over repeated timings, CPU time from /proc.
import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system) used so far, in microseconds, from a Linux stat file: /proc/<pid>/stat for a
 * process (all its threads), /proc/<pid>/task/<tid>/stat for one thread. Clock ticks of 1/100 s (USER_HZ).
 */
export function procCpuUs(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))));
  return sorted[i];
}

/** Time `fn` `n` times (after `warm` untimed runs); returns sorted per-call microseconds. */
export function sample(fn: () => void, n: number, warm = Math.min(1000, n)): number[] {
  for (let i = 0; i < warm; i++) fn();
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    out[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return out.sort((a, b) => a - b);
}

export function fmt(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(2)} µs`;
}
