/**
 * The CloudWatch dashboard body: reconciler metrics (namespace PilotLight, dimensions Environment and service) next to
 * the Lambda's own health, so one page answers "which mode, converged or not, how long it took".
 */

import { METRIC_NAMESPACE } from '../metrics';

/** Reconciler metrics shown, with the statistic that makes sense for each. */
export const DASHBOARD_METRICS: ReadonlyArray<{ readonly name: string; readonly stat: string; readonly title: string }> = [
  { name: 'ActiveMode', stat: 'Maximum', title: 'Mode (1 active, 0 pilot-light)' },
  { name: 'ConvergenceSeconds', stat: 'Maximum', title: 'Convergence (s): mode requested → Ready' },
  { name: 'PendingActions', stat: 'Maximum', title: 'Pending actions (0 = converged)' },
  { name: 'DriftedResources', stat: 'Maximum', title: 'Drifted resources' },
  { name: 'Failovers', stat: 'Sum', title: 'Failovers' },
  { name: 'DrillOutcome', stat: 'Minimum', title: 'Drill outcome (1 passed, 0 failed)' },
];

/** Dashboard body (before jsonencode): one widget per reconciler metric plus Lambda errors and duration. */
export function dashboardBody(input: { environment: string; region: string; functionName: string }): Record<string, unknown> {
  const width = 8;
  const height = 6;
  /** Grid position of the i-th small widget: three to a row. */
  const cell = (i: number) => ({ x: (i % 3) * width, y: Math.floor(i / 3) * height, width, height });
  const widgets: Record<string, unknown>[] = DASHBOARD_METRICS.map((m, i) => ({
    type: 'metric',
    ...cell(i),
    properties: {
      title: m.title,
      region: input.region,
      view: 'timeSeries',
      period: 60,
      stat: m.stat,
      // Powertools Metrics adds the `service` dimension (the function name) to every metric it emits.
      metrics: [[METRIC_NAMESPACE, m.name, 'Environment', input.environment, 'service', input.functionName]],
    },
  }));
  const i = DASHBOARD_METRICS.length;
  widgets.push({
    type: 'metric',
    ...cell(i),
    properties: {
      title: `Lambda ${input.functionName}: invocations, errors, duration`,
      region: input.region,
      view: 'timeSeries',
      period: 60,
      metrics: [
        ['AWS/Lambda', 'Invocations', 'FunctionName', input.functionName, { stat: 'Sum' }],
        ['AWS/Lambda', 'Errors', 'FunctionName', input.functionName, { stat: 'Sum' }],
        ['AWS/Lambda', 'Duration', 'FunctionName', input.functionName, { stat: 'Maximum', yAxis: 'right' }],
      ],
    },
  });
  // Drill history: the reconciler logs one line per ended drill ("Drill <id> ended: <outcome> (<why>)").
  widgets.push({
    type: 'log',
    x: 0,
    y: Math.ceil((i + 1) / 3) * height,
    width: width * 3,
    height,
    properties: {
      title: 'Drill history and mode changes',
      region: input.region,
      view: 'table',
      query: `SOURCE '/aws/lambda/${input.functionName}' | fields @timestamp, message | filter message like /^Drill .* ended|^Starting DR drill|^Failing over|^Reconcile pass finished: / | sort @timestamp desc | limit 50`,
    },
  });
  return { widgets };
}
