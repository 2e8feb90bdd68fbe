/**
 * Imported first by the RTO simulator: the handler's module-scope Powertools logger would print every simulated
 * follow-up as JSON on stdout, where the tables go. Must run before reconciler/handler.ts is loaded.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/** Nothing to export: importing this module is the effect. */
export const QUIET = true;
