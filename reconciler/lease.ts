/**
 * The single-writer lease: taken with a conditional write, renewed each round, given back on every exit.
 * Release is retried a bounded number of times: a throttled release would otherwise lock every pass out
 * for the lease's length.
 */
import { errorMessage } from './errors';
import type { StateStore } from './port';

/** Something that logs a warning. */
type Warn = (message: string, extra?: Record<string, unknown>) => void;

/** Takes the lease, waiting up to `waitMs` for another holder to give it back. */
export async function acquireLease(port: StateStore, req: { table: string; holder: string; ttlSeconds: number; now: () => Date }, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (await port.acquireLease({ table: req.table, holder: req.holder, now: req.now(), ttlSeconds: req.ttlSeconds })) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
  }
}

/** Gives the lease back: up to `attempts` tries with a short backoff; logs (never throws) when all fail. */
export async function releaseLease(port: StateStore, table: string, holder: string, warn: Warn, attempts = 4, backoffMs = 100): Promise<boolean> {
  for (let i = 1; ; i++) {
    try {
      await port.releaseLease(table, holder);
      return true;
    } catch (err) {
      if (i >= attempts) {
        warn('Could not release the lease; it expires by itself', { error: errorMessage(err), attempts: i });
        return false;
      }
      await new Promise((r) => setTimeout(r, backoffMs * 2 ** (i - 1) * (0.5 + Math.random() / 2)));
    }
  }
}
