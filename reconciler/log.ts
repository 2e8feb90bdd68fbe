/** The pass's logging and metric sinks, as narrow interfaces (Powertools Logger and Metrics fit). */

/** Structured logger. */
export interface Log {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Metric sink. */
export interface MetricSink {
  add(name: string, value: number, unit: 'Count' | 'Seconds'): void;
}

/** A log that drops everything. */
export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** A metric sink that drops everything. */
export const noMetrics: MetricSink = { add: () => undefined };
