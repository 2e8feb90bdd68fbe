/** The policy: pure decisions about drills, failovers and the promotion latch (docs/design.md §3). */
export * from './types';
export { afterConverge, convergeMode, decide, drillRefusal, traffic, writerInDr, MIN_READING_INTERVAL_MS, PENDING_VERSION } from './decide';
export * from './promotion';
export * from './requeue';
