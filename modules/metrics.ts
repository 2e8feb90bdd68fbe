/**
 * The reconciler's CloudWatch metric contract, as the alarms Terraform creates read it. Every pass the reconciler
 * calls PutMetricData in the DR region (its own region) with these names, in namespace `PilotLight`, with the one
 * dimension `Environment=<metadata.name of the spec>`. Values are copied, not imported, from the reconciler so that
 * synthesizing the stack does not load reconciler code (as spec-constants.ts does for the spec's literals).
 */

/** Namespace of every reconciler metric. */
export const METRIC_NAMESPACE = 'PilotLight';

/** The single dimension of the PutMetricData metrics: its name; its value is the environment name. */
export const ENVIRONMENT_DIMENSION = 'Environment';

/** Metric names the reconciler publishes with PutMetricData every pass. */
export const RECONCILER_METRICS = {
  /** 1 while a real failover or an unfinished failback holds traffic in DR, else 0: drives the traffic gate (S9). */
  trafficToDr: 'TrafficToDr',
  /** 1 for each pass that finished: its absence is the "no successful pass" alarm (S11). */
  heartbeat: 'Heartbeat',
  /** 1 while status says Degraded, else 0. */
  degraded: 'Degraded',
  /** 1 when the mode or the spec was invalid (S6), else 0. */
  invalidSpec: 'InvalidSpec',
} as const;

/** The dimensions of a reconciler metric for one environment. */
export function environmentDimensions(environment: string): Record<string, string> {
  return { [ENVIRONMENT_DIMENSION]: environment };
}
