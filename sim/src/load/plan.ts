import { ConfigError, fieldPath } from '@gwsim/common';
import type { Distribution, LoadPlan, MixEntry } from './load-types.ts';

/** Timer B (64·T1 with the default T1 of 500 ms) plus a margin: how long a call can wait for its answer. */
const SETUP_BOUND_MS = 35_000;
export const DEFAULT_INTERVAL_MS = 1000;
export const MAX_WORKERS = 64;

/** A plan with every default filled in (what `runLoad` runs and records in the summary). */
export interface ResolvedPlan extends LoadPlan {
  workers: number;
  drainMs: number;
  intervalMs: number;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(o: Obj, key: string, path: string, min: number, opts: { optional?: boolean; integer?: boolean; above?: boolean } = {}): number | undefined {
  const v = o[key];
  const p = fieldPath(path, key);
  if (v === undefined && opts.optional) return undefined;
  const what = `${opts.integer ? 'an integer' : 'a number'} ${opts.above ? 'greater than' : 'of at least'} ${min}`;
  if (v === undefined) throw new ConfigError(p, `is required (${what})`);
  if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || (opts.above ? v <= min : v < min)) {
    throw new ConfigError(p, `must be ${what}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function kindOf(o: Obj, path: string, kinds: readonly string[]): string {
  const k = o.kind;
  if (typeof k !== 'string' || !kinds.includes(k)) throw new ConfigError(fieldPath(path, 'kind'), `must be one of ${kinds.map((x) => `'${x}'`).join(', ')}, got ${JSON.stringify(k)}`);
  return k;
}

function onlyFields(o: Obj, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(o)) if (!allowed.includes(key)) throw new ConfigError(fieldPath(path, key), `unknown field (allowed fields: ${allowed.join(', ')})`);
}

/** Check a Distribution; throws ConfigError naming the field. */
export function validateDistribution(d: unknown, path: string): Distribution {
  if (!isObj(d)) throw new ConfigError(path, 'must be a distribution object ({ kind: fixed | uniform | exponential | normal, … })');
  switch (kindOf(d, path, ['fixed', 'uniform', 'exponential', 'normal'])) {
    case 'fixed':
      onlyFields(d, path, ['kind', 'ms']);
      num(d, 'ms', path, 0);
      break;
    case 'uniform': {
      onlyFields(d, path, ['kind', 'minMs', 'maxMs']);
      const min = num(d, 'minMs', path, 0)!;
      num(d, 'maxMs', path, min);
      break;
    }
    case 'exponential':
      onlyFields(d, path, ['kind', 'meanMs', 'maxMs']);
      num(d, 'meanMs', path, 0, { above: true });
      num(d, 'maxMs', path, 0, { optional: true });
      break;
    case 'normal': {
      onlyFields(d, path, ['kind', 'meanMs', 'stddevMs', 'minMs', 'maxMs']);
      num(d, 'meanMs', path, 0);
      num(d, 'stddevMs', path, 0);
      const min = num(d, 'minMs', path, 0, { optional: true }) ?? 0;
      num(d, 'maxMs', path, min, { optional: true });
      break;
    }
  }
  return d as unknown as Distribution;
}

function validateMix(entries: unknown, path: string): MixEntry[] {
  if (!Array.isArray(entries) || entries.length === 0) throw new ConfigError(path, 'must be a non-empty array of mix entries ({ name, weight, dial, expect, … })');
  const names = new Set<string>();
  let total = 0;
  entries.forEach((e: unknown, i) => {
    const p = fieldPath(path, i);
    if (!isObj(e)) throw new ConfigError(p, 'must be a mix entry object ({ name, weight, dial, expect, … })');
    onlyFields(e, p, ['name', 'weight', 'from', 'dial', 'expect', 'hold', 'dtmf', 'dtmfMethod']);
    for (const key of ['name', 'dial', 'expect'] as const) {
      if (typeof e[key] !== 'string' || (e[key] as string).length === 0) throw new ConfigError(fieldPath(p, key), `must be a non-empty string, got ${JSON.stringify(e[key])}`);
    }
    if (names.has(e.name as string)) throw new ConfigError(fieldPath(p, 'name'), `must be unique, '${e.name as string}' is used twice`);
    names.add(e.name as string);
    total += num(e, 'weight', p, 0)!;
    if (e.hold !== undefined) validateDistribution(e.hold, fieldPath(p, 'hold'));
    if (e.dtmfMethod !== undefined && e.dtmfMethod !== 'rfc4733' && e.dtmfMethod !== 'info') throw new ConfigError(fieldPath(p, 'dtmfMethod'), `must be one of 'rfc4733', 'info', got ${JSON.stringify(e.dtmfMethod)}`);
  });
  if (total <= 0) throw new ConfigError(path, 'the weights must add up to more than 0');
  return entries as MixEntry[];
}

/** The longest hold a distribution can give (its cap, or 4× its mean when uncapped). */
function holdBound(d: Distribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return d.maxMs;
    case 'exponential':
      return d.maxMs ?? 4 * d.meanMs;
    case 'normal':
      return d.maxMs ?? d.meanMs + 4 * d.stddevMs;
  }
}

/**
 * Validate a load plan (from a scenario or built in code) and fill in the defaults: workers 1, intervalMs
 * 1000, drainMs = 35 s (a call's longest wait for an answer) + the longest hold. Throws ConfigError naming
 * the field path (`load.stages[1].rate`) and what is allowed.
 */
export function resolvePlan(plan: unknown, path = 'load'): ResolvedPlan {
  if (!isObj(plan)) throw new ConfigError(path, 'must be a load plan object ({ stages, hold, mix, seed, … })');
  onlyFields(plan, path, ['stages', 'maxCalls', 'maxConcurrent', 'hold', 'mix', 'seed', 'workers', 'drainMs', 'intervalMs']);
  const stages = plan.stages;
  const sp = fieldPath(path, 'stages');
  if (!Array.isArray(stages) || stages.length === 0) throw new ConfigError(sp, 'must be a non-empty array of stages ({ kind: constant | ramp | poisson, … })');
  stages.forEach((s: unknown, i) => {
    const p = fieldPath(sp, i);
    if (!isObj(s)) throw new ConfigError(p, 'must be a stage object ({ kind: constant | ramp | poisson, durationMs, … })');
    const kind = kindOf(s, p, ['constant', 'ramp', 'poisson']);
    if (kind === 'ramp') {
      onlyFields(s, p, ['kind', 'from', 'to', 'durationMs']);
      num(s, 'from', p, 0);
      num(s, 'to', p, 0);
    } else {
      onlyFields(s, p, ['kind', 'rate', 'durationMs']);
      num(s, 'rate', p, 0);
    }
    num(s, 'durationMs', p, 0, { above: true });
  });
  num(plan, 'maxCalls', path, 1, { optional: true, integer: true });
  num(plan, 'maxConcurrent', path, 1, { optional: true, integer: true });
  const hold = validateDistribution(plan.hold, fieldPath(path, 'hold'));
  const mix = validateMix(plan.mix, fieldPath(path, 'mix'));
  num(plan, 'seed', path, Number.MIN_SAFE_INTEGER, { integer: true });
  const workers = num(plan, 'workers', path, 1, { optional: true, integer: true }) ?? 1;
  if (workers > MAX_WORKERS) throw new ConfigError(fieldPath(path, 'workers'), `must be an integer from 1 to ${MAX_WORKERS}, got ${workers}`);
  const intervalMs = num(plan, 'intervalMs', path, 10, { optional: true, integer: true }) ?? DEFAULT_INTERVAL_MS;
  const longestHold = Math.max(holdBound(hold), ...mix.map((m) => (m.hold ? holdBound(m.hold) : 0)));
  const drainMs = num(plan, 'drainMs', path, 0, { optional: true }) ?? SETUP_BOUND_MS + longestHold;
  return { ...(plan as unknown as LoadPlan), workers, intervalMs, drainMs };
}

/** Weighted choice of a mix entry from a uniform [0, 1) draw: cumulative weights, no allocation per pick. */
export class MixPicker {
  readonly #cumulative: Float64Array;
  readonly #total: number;

  constructor(mix: readonly MixEntry[]) {
    this.#cumulative = new Float64Array(mix.length);
    let sum = 0;
    mix.forEach((m, i) => (this.#cumulative[i] = sum += m.weight));
    this.#total = sum;
  }

  /** Index of the entry `u` (uniform [0, 1)) falls on. */
  pick(u: number): number {
    const x = u * this.#total;
    const c = this.#cumulative;
    for (let i = 0; i < c.length; i++) if (x < c[i]!) return i;
    return c.length - 1;
  }
}
