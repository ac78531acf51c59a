/**
 * A log-bucketed latency histogram (2 % relative resolution from 1 µs to ~100 s): recording is
 * allocation-free, histograms merge by adding buckets (per call → aggregate), percentiles are read from
 * the buckets (each reported as its geometric middle, clamped to the observed min/max).
 */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 1024;

export interface LatencySummary {
  readonly count: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS);
  count = 0;
  sumMs = 0;
  minMs = Infinity;
  maxMs = -Infinity;

  /** Record one value in ms (negative values count as 0). */
  record(ms: number): void {
    const v = ms > 0 ? ms : 0;
    const us = v * 1000;
    const i = us < 1 ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(us) / LOG_GROWTH));
    this.#counts[i]!++;
    this.count++;
    this.sumMs += v;
    if (v < this.minMs) this.minMs = v;
    if (v > this.maxMs) this.maxMs = v;
  }

  /** Add another histogram's samples to this one. */
  merge(other: LatencyHistogram): this {
    const theirs = other.#counts;
    for (let i = 0; i < BUCKETS; i++) this.#counts[i]! += theirs[i]!;
    this.count += other.count;
    this.sumMs += other.sumMs;
    this.minMs = Math.min(this.minMs, other.minMs);
    this.maxMs = Math.max(this.maxMs, other.maxMs);
    return this;
  }

  /** The value at percentile `p` (0–100) in ms, or NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) {
        const mid = i === 0 ? 0 : Math.pow(GROWTH, i - 0.5) / 1000;
        return Math.min(this.maxMs, Math.max(this.minMs, mid));
      }
    }
    return this.maxMs;
  }

  reset(): void {
    this.#counts.fill(0);
    this.count = 0;
    this.sumMs = 0;
    this.minMs = Infinity;
    this.maxMs = -Infinity;
  }

  /** A plain snapshot, or null when nothing was recorded. */
  summary(): LatencySummary | null {
    if (this.count === 0) return null;
    return {
      count: this.count,
      minMs: this.minMs,
      meanMs: this.sumMs / this.count,
      p50Ms: this.percentile(50),
      p95Ms: this.percentile(95),
      p99Ms: this.percentile(99),
      maxMs: this.maxMs,
    };
  }
}
