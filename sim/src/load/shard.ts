import { seededRandom } from '@gwsim/common';
import { setMaxListeners } from 'node:events';
import { ArrivalSchedule } from './arrivals.ts';
import { sampler, type Sampler } from './distributions.ts';
import { LatencyHistogram, type EncodedHistogram } from './histogram.ts';
import type { CallDriver, CallResult, LoadProgress, MixEntry } from './load-types.ts';
import type { TimelinePoint } from '../report/report-types.ts';
import { MixPicker, type ResolvedPlan } from './plan.ts';
import { FAILURES, LOAD_OUTCOMES } from './taxonomy.ts';

/** Which arrivals this runner owns: every `shards`-th, starting at `shard`. */
export interface ShardSpec {
  shard: number;
  shards: number;
  /** This shard's part of the plan's concurrency cap. */
  maxConcurrent?: number;
  /** Keep each interval's setup histogram (encoded) so a parent can merge shards' timelines. */
  keepIntervalHistograms?: boolean;
}

/** One shard's progress: LoadProgress's counters, with the period's starts instead of a rate (merged into one). */
export interface ShardProgress extends Omit<LoadProgress, 'rate'> {
  /** Calls this shard started over the last progress period. */
  startedInPeriod: number;
  periodMs: number;
}

export interface ShardControl {
  /** `performance.now()` of this thread at load time 0. */
  t0: number;
  signal?: AbortSignal;
  progressEveryMs?: number;
  onProgress?: (p: ShardProgress) => void;
  abortGraceMs?: number;
}

/** One timeline interval of one shard: the report's point, plus its setup histogram for merging. */
export interface ShardBucket extends TimelinePoint {
  hist?: EncodedHistogram;
}

/** What one runner measured; histograms stay objects here (`encodeShard` for crossing threads). */
export interface ShardResult<H = LatencyHistogram> {
  attempted: number;
  throttled: number;
  started: number;
  succeeded: number;
  failed: number;
  answered: number;
  outcomes: Record<string, number>;
  failures: Record<string, number>;
  byMix: Record<string, { attempted: number; succeeded: number; failed: number }>;
  setup: H;
  pdd: H;
  /** Actual start of the first and last call this shard placed, ms since load time 0 (NaN when none). */
  firstStartMs: number;
  lastStartMs: number;
  endMs: number;
  interrupted: boolean;
  timeline: ShardBucket[];
}

/** Outcomes that carry no answer: their "setup" is a timer or an error, not a latency. */
const NO_ANSWER = new Set<string>([LOAD_OUTCOMES.NO_RESPONSE, LOAD_OUTCOMES.TRANSPORT_ERROR, LOAD_OUTCOMES.DNS_FAILURE, LOAD_OUTCOMES.ABORTED, LOAD_OUTCOMES.ERROR]);

/** Derived seeds so arrivals, mix choice and holds are independent streams, the same in every shard. */
const MIX_SEED = 0x9e3779b9;
const HOLD_SEED = 0x632be5ab;

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/**
 * Run one shard of a load plan open-loop: one timer loop starts every call whose intended time has come
 * (catching up after a late timer), latency counts from the intended time, a full concurrency cap makes an
 * arrival `throttled`. Every shard walks the whole arrival/mix/hold sequence (so a run reproduces from its
 * seed whatever the number of shards) and places only its own arrivals. After the last arrival it waits
 * up to drainMs for calls in progress, then signals them to hang up and waits `abortGraceMs` more; calls
 * still open then are counted `aborted`. An abort signal skips straight to the hang-up.
 */
export function runShard(plan: ResolvedPlan, driver: CallDriver, spec: ShardSpec, control: ShardControl): Promise<ShardResult> {
  return new ShardRunner(plan, driver, spec, control).run();
}

class ShardRunner {
  readonly #plan: ResolvedPlan;
  readonly #driver: CallDriver;
  readonly #spec: ShardSpec;
  readonly #control: ShardControl;
  readonly #schedule: ArrivalSchedule;
  readonly #picker: MixPicker;
  readonly #mixRandom: () => number;
  readonly #holds: Sampler[];
  readonly #mix: readonly MixEntry[];
  readonly #cap: number;
  readonly #hangup = new AbortController();
  readonly #activeByMix: Int32Array;
  readonly #r: ShardResult;
  readonly #interval = new LatencyHistogram();
  #index = 0;
  #next: number;
  #active = 0;
  #rolled = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Drain or grace deadline. */
  #deadline: NodeJS.Timeout | null = null;
  readonly #tickFn = () => this.#tick();
  readonly #onAbort = () => this.#abort();
  #housekeeping: NodeJS.Timeout | null = null;
  #startingDone = false;
  #finished = false;
  #settle: (() => void) | null = null;
  #periodStarted = 0;
  #lastProgress = 0;
  #resolve!: (r: ShardResult) => void;

  constructor(plan: ResolvedPlan, driver: CallDriver, spec: ShardSpec, control: ShardControl) {
    this.#plan = plan;
    this.#driver = driver;
    this.#spec = spec;
    this.#control = control;
    this.#mix = plan.mix;
    this.#schedule = new ArrivalSchedule(plan.stages, plan.seed);
    this.#picker = new MixPicker(plan.mix);
    this.#mixRandom = seededRandom(plan.seed ^ MIX_SEED);
    const holdRandom = seededRandom(plan.seed ^ HOLD_SEED);
    const planHold = sampler(plan.hold, holdRandom);
    this.#holds = plan.mix.map((m) => (m.hold ? sampler(m.hold, holdRandom) : planHold));
    this.#cap = spec.maxConcurrent ?? Infinity;
    this.#activeByMix = new Int32Array(plan.mix.length);
    setMaxListeners(0, this.#hangup.signal); // one listener per call in progress is expected
    const byMix: ShardResult['byMix'] = {};
    for (const m of plan.mix) byMix[m.name] = { attempted: 0, succeeded: 0, failed: 0 };
    this.#r = {
      attempted: 0,
      throttled: 0,
      started: 0,
      succeeded: 0,
      failed: 0,
      answered: 0,
      outcomes: {},
      failures: {},
      byMix,
      setup: new LatencyHistogram(),
      pdd: new LatencyHistogram(),
      firstStartMs: NaN,
      lastStartMs: NaN,
      endMs: 0,
      interrupted: false,
      timeline: [],
    };
    this.#next = this.#schedule.next();
  }

  run(): Promise<ShardResult> {
    return new Promise((resolve) => {
      this.#resolve = resolve;
      const signal = this.#control.signal;
      if (signal?.aborted) return this.#abort();
      signal?.addEventListener('abort', this.#onAbort, { once: true });
      const every = this.#control.progressEveryMs ?? 1000;
      this.#housekeeping = setInterval(() => this.#housekeep(), Math.max(10, Math.min(this.#plan.intervalMs, every, 250)));
      this.#tick();
    });
  }

  #now(): number {
    return performance.now() - this.#control.t0;
  }

  /** The timer loop: start every due arrival, then sleep until the next one. */
  #tick(): void {
    this.#timer = null;
    if (this.#startingDone) return;
    const now = this.#now();
    if (now < 0) {
      this.#timer = setTimeout(this.#tickFn, -now);
      return;
    }
    const maxCalls = this.#plan.maxCalls ?? Infinity;
    const { shard, shards } = this.#spec;
    while (this.#next <= now) {
      if (this.#index >= maxCalls) {
        this.#next = Infinity;
        break;
      }
      const mix = this.#picker.pick(this.#mixRandom());
      const hold = this.#holds[mix]!();
      if (this.#index % shards === shard) this.#arrive(this.#next, mix, hold, now);
      this.#index++;
      this.#next = this.#schedule.next();
    }
    if (this.#next === Infinity || this.#index >= maxCalls) return this.#doneStarting();
    this.#timer = setTimeout(this.#tickFn, this.#next - now);
  }

  #arrive(intended: number, mix: number, holdMs: number, now: number): void {
    const r = this.#r;
    const entry = this.#mix[mix]!;
    const stats = r.byMix[entry.name]!;
    r.attempted++;
    stats.attempted++;
    if (this.#active >= this.#cap) {
      r.throttled++;
      return;
    }
    this.#roll(now);
    r.started++;
    this.#periodStarted++;
    this.#bucket(intended).started++;
    if (r.started === 1) r.firstStartMs = now;
    r.lastStartMs = now;
    this.#active++;
    this.#activeByMix[mix]!++;
    const lag = now - intended;
    let p: Promise<CallResult>;
    try {
      p = this.#driver.place(entry, holdMs, this.#hangup.signal);
    } catch (err) {
      p = Promise.reject(err as Error);
    }
    p.then(
      (res) => this.#done(res, lag, mix),
      (err: unknown) => this.#done(errorResult(err), lag, mix),
    );
  }

  #done(res: CallResult, lag: number, mix: number): void {
    if (this.#finished) return;
    const now = this.#now();
    this.#roll(now);
    this.#active--;
    this.#activeByMix[mix]!--;
    this.#count(this.#mix[mix]!, res.outcome, res.failure, now);
    if (res.status >= 200 && res.status < 300) this.#r.answered++;
    if (!NO_ANSWER.has(res.outcome)) {
      const setup = lag + res.setupMs;
      this.#r.setup.record(setup);
      this.#interval.record(setup);
      this.#r.pdd.record(lag + res.pddMs);
    }
    if (this.#active === 0 && this.#settle) this.#settle();
  }

  #count(entry: MixEntry, outcome: string, failure: string | undefined, now: number): void {
    const r = this.#r;
    const ok = outcome === entry.expect && !failure;
    const b = this.#bucket(now);
    const stats = r.byMix[entry.name]!;
    bump(r.outcomes, outcome);
    bump(b.outcomes, outcome);
    if (ok) {
      r.succeeded++;
      stats.succeeded++;
      b.succeeded++;
    } else {
      r.failed++;
      stats.failed++;
      b.failed++;
      bump(r.failures, failure ?? `unexpected_outcome:${outcome}`);
    }
  }

  #bucket(at: number): ShardBucket {
    const i = Math.max(0, Math.floor(at / this.#plan.intervalMs));
    const tl = this.#r.timeline;
    while (tl.length <= i) tl.push({ t: tl.length * this.#plan.intervalMs, started: 0, succeeded: 0, failed: 0, active: 0, setupP50: 0, setupP95: 0, setupP99: 0, outcomes: {} });
    return tl[i]!;
  }

  /** Close every interval that ended before `now`: calls in progress at its end, its setup percentiles. */
  #roll(now: number): void {
    const ms = this.#plan.intervalMs;
    while ((this.#rolled + 1) * ms <= now) this.#closeBucket(this.#rolled++);
  }

  #closeBucket(i: number): void {
    const b = this.#bucket(i * this.#plan.intervalMs);
    b.active = this.#active;
    const h = this.#interval;
    if (h.count) {
      b.setupP50 = h.at(50);
      b.setupP95 = h.at(95);
      b.setupP99 = h.at(99);
      if (this.#spec.keepIntervalHistograms) b.hist = h.encode();
      h.reset();
    }
  }

  #housekeep(): void {
    const now = this.#now();
    this.#roll(now);
    const every = this.#control.progressEveryMs ?? 1000;
    if (this.#control.onProgress && now - this.#lastProgress >= every - 1) {
      const r = this.#r;
      this.#control.onProgress({ elapsedMs: now, startedInPeriod: this.#periodStarted, periodMs: now - this.#lastProgress, attempted: r.attempted, active: this.#active, succeeded: r.succeeded, failed: r.failed, outcomes: { ...r.outcomes }, setupP95: r.setup.at(95) });
      this.#periodStarted = 0;
      this.#lastProgress = now;
    }
  }

  /** No more arrivals: wait for the calls in progress (up to drainMs), then hang them up. */
  #doneStarting(): void {
    if (this.#startingDone) return;
    this.#startingDone = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#active === 0) return this.#finish();
    this.#deadline = setTimeout(() => this.#hangUp(), this.#plan.drainMs);
    this.#settle = () => this.#finish();
  }

  #abort(): void {
    if (this.#finished) return;
    this.#r.interrupted = true;
    this.#doneStarting();
    if (!this.#finished) this.#hangUp();
  }

  /** Ask every call in progress to end now; whatever is still open after the grace period is counted aborted. */
  #hangUp(): void {
    if (this.#finished || this.#hangup.signal.aborted) return;
    this.#hangup.abort();
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => this.#finish(), this.#control.abortGraceMs ?? 2000);
    this.#settle = () => this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    const now = this.#now();
    this.#roll(now);
    if (this.#active > 0) {
      // Calls that did not end in time: counted as aborted by the generator, per mix entry.
      for (let m = 0; m < this.#activeByMix.length; m++) {
        for (let k = this.#activeByMix[m]!; k > 0; k--) this.#count(this.#mix[m]!, LOAD_OUTCOMES.ABORTED, FAILURES.ABORTED, now);
        this.#activeByMix[m] = 0;
      }
      this.#active = 0;
    }
    this.#finished = true;
    this.#hangup.abort();
    this.#control.signal?.removeEventListener('abort', this.#onAbort);
    if (this.#housekeeping) clearInterval(this.#housekeeping);
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#closeBucket(this.#rolled); // the last, partial interval
    this.#r.endMs = now;
    this.#resolve(this.#r);
  }
}

function errorResult(err: unknown): CallResult {
  return { outcome: LOAD_OUTCOMES.ERROR, failure: FAILURES.ERROR, status: 0, setupMs: 0, pddMs: 0, callId: '', detail: err instanceof Error ? err.message : String(err) };
}

/** A result ready for postMessage: histograms compressed. */
export function encodeShard(r: ShardResult): ShardResult<EncodedHistogram> {
  return { ...r, setup: r.setup.encode(), pdd: r.pdd.encode() };
}

export function decodeShard(r: ShardResult<EncodedHistogram>): ShardResult {
  return { ...r, setup: LatencyHistogram.decode(r.setup), pdd: LatencyHistogram.decode(r.pdd) };
}
