// Enforcer-side Prometheus metrics: the fail-closed counter every protocol shares.
import { Counter, register as defaultRegistry, type Registry } from 'prom-client';

export const FAIL_CLOSED_METRIC = 'writ_enforcer_fail_closed_total';

/**
 * The counter of decisions denied because writ could not get a trustworthy answer, by reason.
 * Get-or-create: several clients (one per enforcer) in one process share one series per registry.
 */
export function failClosedCounter(registry: Registry = defaultRegistry): Counter<'reason'> {
  const existing = registry.getSingleMetric(FAIL_CLOSED_METRIC);
  if (existing) return existing as Counter<'reason'>;
  return new Counter({
    name: FAIL_CLOSED_METRIC,
    help: 'Commands denied because no trustworthy decision was available (service down, slow, erroring, malformed or undefined answer, log unavailable, approval wait failed), by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
}
