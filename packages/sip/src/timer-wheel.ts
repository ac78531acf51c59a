import { systemClock, type Clock, type TimerHandle } from '@gwsim/common';

export interface TimerWheelOptions {
  /** Bucket width: a wheel timer fires at most this much late, never early (default 50 ms). */
  resolutionMs?: number;
  /** Timers shorter than this go straight to the base clock (default 100 ms). */
  thresholdMs?: number;
}

class WheelEntry implements TimerHandle {
  fn: (() => void) | null;
  readonly #wheel: TimerWheel;

  constructor(fn: () => void, wheel: TimerWheel) {
    this.fn = fn;
    this.#wheel = wheel;
  }

  cancel(): void {
    if (this.fn === null) return;
    this.fn = null; // the closure (and what it holds: a whole transaction) is released now, not at the due time
    this.#wheel.cancelled();
  }
}

/**
 * A coarse timer wheel (undici's FastTimers idea) for the thousands of RFC 3261 timers a loaded UA holds:
 * Timers J, L, H, B, F of every transaction run for 32 s, mostly to be cancelled or to fire without effect.
 * Each is a small entry in a bucket of `resolutionMs`, served by one base timer that ticks only while
 * entries exist, instead of a native Timeout each. Short timers (retransmissions, 100 Trying) go to the
 * base clock unchanged. An exception from a callback is rethrown asynchronously, as a native timer's would
 * be, without stopping the other callbacks of the bucket.
 */
export class TimerWheel implements Clock {
  readonly #base: Clock;
  readonly #resolution: number;
  readonly #threshold: number;
  readonly #buckets = new Map<number, WheelEntry[]>();
  /** The last slot already processed. */
  #done: number;
  #live = 0;
  #tick: TimerHandle | null = null;

  constructor(base: Clock = systemClock, options: TimerWheelOptions = {}) {
    this.#base = base;
    this.#resolution = Math.max(1, options.resolutionMs ?? 50);
    this.#threshold = options.thresholdMs ?? 100;
    this.#done = Math.floor(base.now() / this.#resolution);
  }

  now(): number {
    return this.#base.now();
  }

  /** Timers waiting in the wheel (not counting those passed to the base clock). */
  get size(): number {
    return this.#live;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (ms < this.#threshold) return this.#base.setTimeout(fn, ms);
    const slot = Math.ceil((this.#base.now() + ms) / this.#resolution);
    const entry = new WheelEntry(fn, this);
    const bucket = this.#buckets.get(slot);
    if (bucket) bucket.push(entry);
    else this.#buckets.set(slot, [entry]);
    this.#live++;
    if (this.#tick === null) {
      this.#done = Math.min(slot - 1, Math.floor(this.#base.now() / this.#resolution)); // idle until now: nothing to catch up on
      this.#tick = this.#base.setTimeout(() => this.#onTick(), this.#resolution);
    }
    return entry;
  }

  /** @internal */
  cancelled(): void {
    this.#live--;
  }

  #onTick(): void {
    this.#tick = null;
    const now = Math.floor(this.#base.now() / this.#resolution);
    for (let slot = this.#done + 1; slot <= now; slot++) {
      const bucket = this.#buckets.get(slot);
      if (!bucket) continue;
      this.#buckets.delete(slot);
      for (const entry of bucket) {
        const fn = entry.fn;
        if (fn === null) continue;
        entry.fn = null;
        this.#live--;
        try {
          fn();
        } catch (err) {
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
    this.#done = Math.max(this.#done, now);
    if (this.#live > 0) this.#tick = this.#base.setTimeout(() => this.#onTick(), this.#resolution);
    else this.#buckets.clear(); // only cancelled entries remain
  }
}
