import type { CallDriver, CallResult, MixEntry } from '../../../src/load/load-types.ts';

export interface FakeDriverOptions {
  /** Reported setup time and how long the call waits before "answering" (ms). */
  setupMs?: number;
  /** Outcome for a dial string (default CONNECTED). */
  outcomeFor?: (dial: string) => string;
  /** Block the event loop for this long inside the n-th place() (1-based): a stalled driver. */
  stall?: { call: number; ms: number };
  /** Ignore the abort signal (a call that never hangs up). */
  ignoreAbort?: boolean;
}

/** A CallDriver without a network: answers after setupMs, holds for holdMs (or until aborted), records what it saw. */
export class FakeDriver implements CallDriver {
  readonly holds: number[] = [];
  readonly dials: string[] = [];
  readonly startedAt: number[] = [];
  active = 0;
  maxActive = 0;
  closed = false;
  readonly #o: FakeDriverOptions;

  constructor(o: FakeDriverOptions = {}) {
    this.#o = o;
  }

  place(entry: MixEntry, holdMs: number, signal: AbortSignal): Promise<CallResult> {
    this.holds.push(holdMs);
    this.dials.push(entry.dial);
    this.startedAt.push(performance.now());
    const n = this.holds.length;
    if (this.#o.stall?.call === n) {
      const until = performance.now() + this.#o.stall.ms;
      while (performance.now() < until) {
        // busy: the event loop (and the generator's timer loop) is stuck
      }
    }
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const setupMs = this.#o.setupMs ?? 1;
    const outcome = this.#o.outcomeFor?.(entry.dial) ?? 'CONNECTED';
    const status = outcome === 'CONNECTED' ? 200 : 404;
    return new Promise<CallResult>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.active--;
        resolve({ outcome, status, setupMs, pddMs: setupMs, callId: `fake-${n}` });
      };
      const onAbort = () => done();
      const timer = setTimeout(done, setupMs + (status === 200 ? holdMs : 0));
      if (!this.#o.ignoreAbort) signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
