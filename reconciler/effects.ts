/**
 * Applies the policy's effects in the order given, and keeps what the pass has persisted so far. The only
 * judgement here is the one SSM forces on us: it has no conditional put, so a mode write re-reads the
 * parameter just before writing and reports `moved` instead of writing when another writer got there first.
 */
import { errorMessage, InvalidSpecError } from './errors';
import { modeRequestOf, readModeRequest, writeMode } from './mode';
import type { Effect, Facts, PolicyState } from './policy';
import type { AwsPort, ModeParameter } from './port';
import { parseMode, type DrEnvironment, type Mode } from './spec';
import type { Log, MetricSink } from './log';
import { STATUS_KEY, type DrStatus } from './status';

/** What applying a list of effects came to. */
export interface Applied {
  /** `moved`: a mode write found the parameter at another version and stopped there (nothing after it ran). */
  readonly kind: 'done' | 'moved';
  /** The facts after the writes (a new mode version), or the fresh ones that stopped the list. */
  readonly facts: Facts;
  /** The last policy state persisted by this list, if any. */
  readonly persisted?: PolicyState;
}

/** The shell's hands: writes status, mode, notifications and metrics for one pass. */
export class EffectShell {
  /** The status document as persisted so far this pass. */
  working: DrStatus;
  /** The working status holds bookkeeping not written yet (see flushState). */
  private unwritten = false;
  /** Notifications sent and not yet answered: nothing the pass does next depends on them (see flush). */
  private readonly sending: Promise<void>[] = [];
  constructor(
    private readonly port: AwsPort,
    private readonly env: DrEnvironment,
    private readonly log: Log,
    private readonly metrics: MetricSink,
    private readonly now: () => Date,
    prev: DrStatus,
  ) {
    this.working = prev;
  }

  /** Applies `effects` in order. */
  async apply(effects: readonly Effect[], facts: Facts): Promise<Applied> {
    let f = facts;
    let persisted: PolicyState | undefined;
    for (const e of effects) {
      switch (e.kind) {
        case 'persist':
          // Kept in memory and written before the next write to AWS (a mode write, a fence) or with the pass's
          // status at its end: a reading lost to a crash delays a failover by one reading, never causes one.
          this.remember(e.state);
          persisted = e.state;
          break;
        case 'writeMode': {
          // What the policy decided before a mode write must be durable first (a drill record, a failover latch).
          await this.flushState();
          const spec = this.env.spec;
          const fresh = await this.port.getModeParameter(spec.modeParameter);
          if (fresh?.version !== e.expectedVersion) return { kind: 'moved', persisted, facts: await this.factsOf(fresh) };
          const w = await writeMode(this.port, spec, e.mode, e.request, this.now(), e.expectedVersion);
          f = { ...f, mode: e.mode, generation: w.parameter.version, modeWrittenAt: w.parameter.lastModified, modeRequest: w.request };
          break;
        }
        case 'notify':
          // Sent now, awaited at the end of the pass (flush): a message must not delay a failover by a round trip.
          this.sending.push(this.notify(e));
          break;
        case 'metric':
          this.metrics.add(e.name, e.value, e.unit);
          break;
        case 'fence':
          await this.flushState();
          await this.port.stopDbInstance(e.primaryArn).then(
            () => this.log.warn(`Stopped the old primary ${e.primaryArn} (fence)`),
            (err) =>
              this.notify({ kind: 'notify', subject: 'DR: could not stop the old primary', text: `DR ${this.env.metadata.name}: stopping ${e.primaryArn} failed: ${errorMessage(err)}. Stop it, or detach its ingress, by hand.`, payload: { event: 'FenceFailed', primaryArn: e.primaryArn } }),
          );
          break;
      }
    }
    return { kind: 'done', facts: f, persisted };
  }

  /** Waits for every notification sent so far (they never reject). The pass calls it before it returns. */
  async flush(): Promise<void> {
    while (this.sending.length > 0) await Promise.all(this.sending.splice(0));
  }

  /** Stores the policy's bookkeeping in the status document now (facts that must survive a crash: the promotion latch). */
  async persist(st: Pick<PolicyState, 'drill' | 'drillHistory' | 'failover' | 'promotion'>): Promise<void> {
    this.remember(st);
    await this.flushState();
  }

  /** Writes what was remembered and not written yet, if anything. */
  async flushState(): Promise<void> {
    if (!this.unwritten) return;
    this.unwritten = false;
    await this.port.writeState(this.env.spec.stateTable, STATUS_KEY, this.working);
  }

  /** Takes the policy's bookkeeping into the working status, to be written by the next flushState or the pass's last write. */
  private remember(st: Pick<PolicyState, 'drill' | 'drillHistory' | 'failover' | 'promotion'>): void {
    this.working = { ...this.working, drill: st.drill, drillHistory: st.drillHistory, failover: st.failover, databasePromotion: st.promotion };
    this.unwritten = true;
  }

  /** The facts of a mode parameter version as read. */
  async factsOf(param: ModeParameter | undefined, storedRequest?: unknown): Promise<Facts> {
    const p = parseModeParameter(param, this.env.spec.modeParameter);
    if (typeof p === 'string') throw new InvalidSpecError([p]);
    const modeRequest = storedRequest !== undefined ? modeRequestOf(storedRequest, p.param) : await readModeRequest(this.port, this.env.spec.stateTable, p.param);
    return { mode: p.mode, generation: p.param.version, modeWrittenAt: p.param.lastModified, modeRequest };
  }

  /** Publishes to the environment's topic, if any. A failed notification is logged, never fatal. */
  async notify(e: Extract<Effect, { kind: 'notify' }>): Promise<void> {
    const topic = this.env.spec.notificationTopicArn;
    this.log.info(`Notification: ${e.subject}`, { notification: e.payload });
    if (!topic) return;
    const body = `${e.text}\n\n${JSON.stringify({ environment: this.env.metadata.name, ...e.payload }, null, 2)}`;
    await this.port.publish(topic, `[pilot-light] ${e.subject}`.slice(0, 99), body).catch((err) => this.log.warn('Could not publish notification', { error: errorMessage(err) }));
  }
}

/** The parsed mode parameter, or the problem with it (rule S6). */
export function parseModeParameter(param: ModeParameter | undefined, name: string): { mode: Mode; param: ModeParameter } | string {
  try {
    return { mode: parseMode(param?.value, `mode parameter ${name}`), param: param! };
  } catch (err) {
    if (!(err instanceof InvalidSpecError)) throw err;
    return err.problems.join('; ');
  }
}
