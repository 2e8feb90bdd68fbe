/**
 * A direct probe of the primary's health endpoint from the DR region (S10): an HTTP(S) GET with a short
 * timeout, judged as Route 53 judges an HTTPS check (2xx or 3xx within the timeout is healthy). It needs no
 * AWS control plane, so it still answers when us-east-1's APIs do not.
 */

/** One probe reading. */
export interface ProbeReading {
  readonly healthy: boolean;
  /** What was seen: `HTTP 200`, `HTTP 503`, `timeout after 3 s`, `connect ECONNREFUSED`. */
  readonly detail: string;
}

/** Probes `url` once. Never throws: a failure to connect or answer is an unhealthy reading. */
export async function probeEndpoint(url: string, timeoutSeconds: number): Promise<ProbeReading> {
  try {
    // redirect: 'manual' — a 3xx is an answer (Route 53 counts it healthy); following it could leave the primary.
    const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutSeconds * 1000), headers: { 'user-agent': 'pilot-light-probe' } });
    await res.body?.cancel().catch(() => undefined);
    return { healthy: res.status >= 200 && res.status < 400, detail: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { healthy: false, detail: `timeout after ${timeoutSeconds} s` };
    return { healthy: false, detail: `connect ${e.cause?.code ?? e.cause?.message ?? e.message ?? 'failed'}` };
  }
}
