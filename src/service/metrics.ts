// Prometheus metrics of one service instance (own registry, so several apps can live in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly decisionSeconds = new Histogram({
    name: 'writ_decision_duration_seconds',
    help: 'Decision latency (evaluation and durable log write), by entrypoint and outcome',
    labelNames: ['entrypoint', 'outcome'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly logWriteSeconds = new Histogram({
    name: 'writ_log_write_duration_seconds',
    help: 'Time from append to durable commit of a decision record',
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: 'writ_failures_total',
    help: 'Failures by kind (log_unavailable, evaluation_error, activation_refused, no_policy)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly activeRevision = new Gauge({
    name: 'writ_policy_active_info',
    help: 'The active policy version (value 1 on the active revision)',
    labelNames: ['revision', 'bundle_sha256', 'source'],
    registers: [this.registry],
  });

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  setActive(v: { revision: string; bundle_sha256: string; source: string }): void {
    this.activeRevision.reset();
    this.activeRevision.set({ revision: v.revision, bundle_sha256: v.bundle_sha256, source: v.source }, 1);
  }
}
