/**
 * Overload protection: the node refuses new calls early and cheaply (503 + Retry-After, before any routing or
 * HTTP work) when too many call setups are in flight or new INVITEs arrive faster than it admits, so a flood
 * cannot starve the calls it has already accepted.
 */
export interface OverloadOptions {
  /** Call setups (routing, Meet join, lobby wait excluded) in progress at once. Default 200. */
  maxConcurrentSetups?: number;
  /** New INVITEs admitted per second (token bucket). Default: unlimited. */
  maxCallsPerSecond?: number;
  /** Burst size of the bucket; default = maxCallsPerSecond. */
  burst?: number;
  /** Seconds in the Retry-After of a shed call. Default 5. */
  retryAfterSeconds?: number;
}

export class OverloadGuard {
  readonly maxConcurrentSetups: number;
  readonly retryAfterSeconds: number;
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;
  #setups = 0;
  #shed = 0;
  readonly #now: () => number;

  constructor(options: OverloadOptions = {}, now: () => number = () => performance.now()) {
    this.maxConcurrentSetups = options.maxConcurrentSetups ?? 200;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    this.#rate = options.maxCallsPerSecond ?? Infinity;
    this.#burst = options.burst ?? (Number.isFinite(this.#rate) ? this.#rate : Infinity);
    this.#tokens = this.#burst;
    this.#now = now;
    this.#last = now();
  }

  /** Admit one new call setup, or say why not. Call `done()` when its setup phase ends. */
  admit(): { ok: true; done(): void } | { ok: false; reason: 'setups' | 'rate' } {
    if (this.#setups >= this.maxConcurrentSetups) {
      this.#shed++;
      return { ok: false, reason: 'setups' };
    }
    if (Number.isFinite(this.#rate)) {
      const now = this.#now();
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
      this.#last = now;
      if (this.#tokens < 1) {
        this.#shed++;
        return { ok: false, reason: 'rate' };
      }
      this.#tokens -= 1;
    }
    this.#setups++;
    let finished = false;
    return {
      ok: true,
      done: () => {
        if (finished) return;
        finished = true;
        this.#setups--;
      },
    };
  }

  dump(): { setupsInProgress: number; maxConcurrentSetups: number; shed: number } {
    return { setupsInProgress: this.#setups, maxConcurrentSetups: this.maxConcurrentSetups, shed: this.#shed };
  }
}
