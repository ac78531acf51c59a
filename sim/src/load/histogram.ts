import * as hdr from 'hdr-histogram-js';
import type { Percentiles } from '../report/report-types.ts';

/** Highest latency tracked: one hour, in µs (longer values are clamped to it). */
const HIGHEST_US = 3_600_000_000;

/** A latency histogram as it crosses a thread boundary: compressed HdrHistogram plus the exact extremes. */
export interface EncodedHistogram {
  hdr: string;
  min: number;
  max: number;
}

/**
 * Latencies in ms, recorded with 1 µs resolution and 3 significant digits into an HdrHistogram
 * (hdr-histogram-js). Exact min/max are kept beside it. Merge shards with `add` (or `decode` first).
 */
export class LatencyHistogram {
  readonly #h: hdr.Histogram;
  #min = Infinity;
  #max = 0;

  constructor() {
    this.#h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: false });
  }

  get count(): number {
    return this.#h.totalCount;
  }

  /** Record one latency (ms, fractional); negative values count as 0. */
  record(ms: number): void {
    const v = ms > 0 ? ms : 0;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
    const us = Math.round(v * 1000);
    this.#h.recordValue(us < HIGHEST_US ? us : HIGHEST_US);
  }

  /** The value (ms) at or below which `p` percent of the recorded values fall; 0 when empty. */
  at(p: number): number {
    return this.#h.totalCount ? this.#h.getValueAtPercentile(p) / 1000 : 0;
  }

  percentiles(): Percentiles {
    const h = this.#h;
    if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const us = (p: number) => h.getValueAtPercentile(p) / 1000;
    return { count: h.totalCount, min: this.#min, mean: h.mean / 1000, p50: us(50), p90: us(90), p95: us(95), p99: us(99), p999: us(99.9), max: this.#max };
  }

  add(other: LatencyHistogram): void {
    if (other.count === 0) return;
    this.#h.add(other.#h);
    if (other.#min < this.#min) this.#min = other.#min;
    if (other.#max > this.#max) this.#max = other.#max;
  }

  reset(): void {
    this.#h.reset();
    this.#min = Infinity;
    this.#max = 0;
  }

  encode(): EncodedHistogram {
    return { hdr: hdr.encodeIntoCompressedBase64(this.#h), min: this.#min === Infinity ? 0 : this.#min, max: this.#max };
  }

  static decode(e: EncodedHistogram): LatencyHistogram {
    const out = new LatencyHistogram();
    out.addEncoded(e);
    return out;
  }

  /** Add an encoded histogram (another thread's) to this one. */
  addEncoded(e: EncodedHistogram): void {
    const decoded = hdr.decodeFromCompressedBase64(e.hdr, 32, false);
    if (decoded.totalCount > 0) {
      this.#h.add(decoded);
      if (e.min < this.#min) this.#min = e.min;
      if (e.max > this.#max) this.#max = e.max;
    }
    decoded.destroy();
  }

  /** Release the histogram's memory (only matters for WebAssembly-backed ones; safe to call). */
  destroy(): void {
    this.#h.destroy();
  }
}
