import type { Distribution } from './load-types.ts';

/** Draws durations (ms) from one distribution with a seeded uniform source; allocation-free per sample. */
export type Sampler = () => number;

/**
 * A sampler for `d`: fixed; uniform in [minMs, maxMs]; exponential with mean `meanMs`, cut at `maxMs`;
 * normal (Box–Muller) clamped to [minMs (default 0), maxMs]. Never negative. `random` is uniform [0, 1)
 * (`seededRandom` from @gwsim/common, so a run reproduces from its seed).
 */
export function sampler(d: Distribution, random: () => number): Sampler {
  switch (d.kind) {
    case 'fixed': {
      const ms = Math.max(0, d.ms);
      return () => ms;
    }
    case 'uniform': {
      const span = d.maxMs - d.minMs;
      return () => d.minMs + random() * span;
    }
    case 'exponential': {
      const max = d.maxMs ?? Infinity;
      return () => Math.min(max, -Math.log(1 - random()) * d.meanMs);
    }
    case 'normal': {
      const min = d.minMs ?? 0;
      const max = d.maxMs ?? Infinity;
      let spare = NaN;
      return () => {
        let z: number;
        if (Number.isNaN(spare)) {
          // Box–Muller: two uniforms give two independent standard normals; keep the second for next time.
          const u = 1 - random();
          const v = random();
          const r = Math.sqrt(-2 * Math.log(u));
          z = r * Math.cos(2 * Math.PI * v);
          spare = r * Math.sin(2 * Math.PI * v);
        } else {
          z = spare;
          spare = NaN;
        }
        const x = d.meanMs + z * d.stddevMs;
        return x < min ? min : x > max ? max : x;
      };
    }
  }
}

/** One sample of `d` (a fresh sampler each time: for tests and one-offs; hot paths keep a sampler). */
export function sample(d: Distribution, random: () => number): number {
  return sampler(d, random)();
}

/** The distribution's mean before clamping (ms), for reports and sanity checks. */
export function nominalMean(d: Distribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return (d.minMs + d.maxMs) / 2;
    case 'exponential':
    case 'normal':
      return d.meanMs;
  }
}
