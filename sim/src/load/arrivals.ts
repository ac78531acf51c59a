import { seededRandom } from '@gwsim/common';
import type { ArrivalStage } from './load-types.ts';

/**
 * Intended call start times (ms since the load started) from the plan's stages, one after another. Each
 * stage counts its calls from its own start: call k of a stage starts where the stage's cumulative rate
 * reaches k (k = 0, 1, …), so a constant stage of r calls/s over d ms places ceil(r·d/1000) calls at exact
 * multiples of 1000/r, and a ramp integrates its linearly changing rate exactly. A Poisson stage draws
 * exponential gaps (mean 1000/rate) from the seeded generator. `next()` allocates nothing.
 */
export class ArrivalSchedule {
  readonly #stages: readonly ArrivalStage[];
  readonly #random: () => number;
  #stage = 0;
  /** Start of the current stage, ms since the load started. */
  #offset = 0;
  /** Calls placed so far in the current stage (constant, ramp). */
  #k = 0;
  /** Last arrival within the current Poisson stage, ms since the stage started. */
  #poissonAt = 0;

  constructor(stages: readonly ArrivalStage[], seed: number) {
    this.#stages = stages;
    this.#random = seededRandom(seed);
  }

  /** Total planned duration of every stage, ms. */
  get durationMs(): number {
    let total = 0;
    for (const s of this.#stages) total += s.durationMs;
    return total;
  }

  /** The next intended start, ms since the load started; Infinity when the stages are over. */
  next(): number {
    while (this.#stage < this.#stages.length) {
      const s = this.#stages[this.#stage]!;
      const t = this.#inStage(s);
      if (t < s.durationMs) return this.#offset + t;
      this.#offset += s.durationMs;
      this.#stage++;
      this.#k = 0;
      this.#poissonAt = 0;
    }
    return Infinity;
  }

  /** Time within the stage of its next call (≥ durationMs when the stage has no more). */
  #inStage(s: ArrivalStage): number {
    if (s.kind === 'poisson') {
      if (s.rate <= 0) return Infinity;
      // Inverse transform: 1 - u is in (0, 1], so the logarithm is finite.
      this.#poissonAt += (-Math.log(1 - this.#random()) * 1000) / s.rate;
      return this.#poissonAt;
    }
    const k = this.#k++;
    if (s.kind === 'constant') return s.rate > 0 ? (k * 1000) / s.rate : Infinity;
    return rampTime(s.from, s.to, s.durationMs, k);
  }
}

/**
 * When a ramp from `from` to `to` calls/s over `durationMs` has started k calls: the t (ms) where
 * N(t) = from·t + (to − from)·t² / (2·D) (t, D in s) equals k. Written as 2k / (b + √(b² + 4ak)) so that
 * it holds for a flat ramp (a = 0) and does not cancel when a is small. Infinity when N never reaches k.
 */
export function rampTime(from: number, to: number, durationMs: number, k: number): number {
  if (k === 0) return from > 0 || to > 0 ? 0 : Infinity;
  const d = durationMs / 1000;
  const a = (to - from) / (2 * d);
  const disc = from * from + 4 * a * k;
  if (disc < 0) return Infinity;
  const denom = from + Math.sqrt(disc);
  return denom > 0 ? ((2 * k) / denom) * 1000 : Infinity;
}

/** Every intended start of the stages (at most `limit`), for tests and previews. */
export function arrivalTimes(stages: readonly ArrivalStage[], seed: number, limit = 10_000_000): number[] {
  const schedule = new ArrivalSchedule(stages, seed);
  const out: number[] = [];
  for (let t = schedule.next(); t !== Infinity && out.length < limit; t = schedule.next()) out.push(t);
  return out;
}

/** How many calls the stages plan (Poisson stages: the expected count), without drawing them. */
export function expectedCalls(stages: readonly ArrivalStage[]): number {
  let n = 0;
  for (const s of stages) {
    const sec = s.durationMs / 1000;
    if (s.kind === 'ramp') n += Math.ceil(((s.from + s.to) / 2) * sec - 1e-9);
    else if (s.kind === 'constant') n += s.rate > 0 ? Math.ceil(s.rate * sec - 1e-9) : 0;
    else n += s.rate * sec;
  }
  return n;
}
