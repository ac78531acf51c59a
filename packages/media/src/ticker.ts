/**
 * One timer for many media senders: every `intervalMs` it calls `tick(nowMs)` on each member, with one
 * monotonic timestamp per round. Sources work out what is due from the timestamp, so thousands of streams
 * cost one timer, and a late timer makes them catch up rather than drift. Starts with its first member and
 * stops with its last.
 */
export interface Tickable {
  tick(nowMs: number): unknown;
}

export interface TickerOptions {
  /** Default 10 ms (a 20 ms audio packet is then at most ~10 ms late). */
  readonly intervalMs?: number;
  /** Monotonic ms (default performance.now). */
  readonly now?: () => number;
}

export class Ticker {
  readonly intervalMs: number;
  readonly #now: () => number;
  readonly #members = new Set<Tickable>();
  #timer: NodeJS.Timeout | null = null;
  /** Rounds run so far. */
  rounds = 0;
  /** Members' tick() calls that threw, and the last such error (kept for dump/diagnosis). */
  errors = 0;
  lastError: unknown = undefined;

  constructor(options: TickerOptions = {}) {
    const interval = options.intervalMs ?? 10;
    if (!Number.isInteger(interval) || interval < 1) throw new RangeError(`intervalMs must be a positive integer, got ${interval}`);
    this.intervalMs = interval;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#members.size;
  }

  add(member: Tickable): void {
    this.#members.add(member);
    this.#timer ??= setInterval(() => this.tickNow(), this.intervalMs);
  }

  remove(member: Tickable): void {
    this.#members.delete(member);
    if (this.#members.size === 0) this.stop();
  }

  /** Run one round now (tests and benchmarks drive it by hand). A throwing member does not stop the others. */
  tickNow(): void {
    const now = this.#now();
    this.rounds++;
    for (const m of this.#members) {
      try {
        m.tick(now);
      } catch (err) {
        // a member's failure is its own; the others keep their cadence
        this.errors++;
        this.lastError = err;
      }
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
