import { GwsimError } from '@gwsim/common';
import type { LoadSummary } from '../report/report-types.ts';
import type { CallDriver, DriverSource, LoadPlan, LoadProgress, RunLoadOptions } from './load-types.ts';
import { summarize } from './merge.ts';
import { resolvePlan } from './plan.ts';
import { runShard, type ShardProgress } from './shard.ts';
import { runSharded } from './sharded.ts';
import { createSipUacDriver } from './sip-uac-engines.ts';
import { DEFAULT_WARM_UP_CALLS, warmUp } from './warm-up.ts';

export type { DriverSource, LoadProgress, RunLoadOptions } from './load-types.ts';

/** A shard's progress as the public LoadProgress. */
export function toLoadProgress(p: ShardProgress): LoadProgress {
  return { elapsedMs: p.elapsedMs, rate: p.periodMs > 0 ? (p.startedInPeriod * 1000) / p.periodMs : 0, attempted: p.attempted, active: p.active, succeeded: p.succeeded, failed: p.failed, outcomes: p.outcomes, setupP95: p.setupP95 };
}

/**
 * Run a load plan open-loop and summarize it. Calls start at their intended times (stages, seeded), their
 * latency counts from that time, the concurrency cap turns excess arrivals into `throttled`, the mix entry
 * and hold of each call come from the plan's seed. Stops starting at maxCalls or the end of the stages,
 * waits up to drainMs for calls in progress, hangs up the rest, closes the driver(s). An abort signal
 * stops early and still resolves with the summary of what ran (the caller knows from its signal that the
 * run was interrupted).
 * `plan.workers > 1` shards the arrivals over worker threads, each with its own `sip-uac` driver (of the
 * options' `engine`).
 * Throws ConfigError for a bad plan and GwsimError for a `local` source with workers > 1.
 */
export async function runLoad(plan: LoadPlan, source: DriverSource, options: RunLoadOptions = {}): Promise<LoadSummary> {
  const resolved = resolvePlan(plan);
  if (resolved.workers > 1) {
    if (source.kind !== 'sip-uac') {
      throw new GwsimError(
        'GWSIM_ERR_INVALID_ARGUMENT',
        `load.workers is ${resolved.workers}, but a 'local' driver source cannot be sharded: worker threads rebuild their driver from plain options, so only a 'sip-uac' source can run in them. Use workers: 1 or a 'sip-uac' source.`,
      );
    }
    return runSharded(resolved, source.options, options);
  }
  if (source.kind === 'sip-uac') await warmUp(source.options, options.warmUpCalls ?? DEFAULT_WARM_UP_CALLS);
  const driver: CallDriver = source.kind === 'local' ? await source.create() : await createSipUacDriver(source.options);
  try {
    const onProgress = options.onProgress;
    const result = await runShard(
      resolved,
      driver,
      { shard: 0, shards: 1, maxConcurrent: resolved.maxConcurrent },
      { t0: performance.now(), signal: options.signal, progressEveryMs: options.progressEveryMs, abortGraceMs: options.abortGraceMs, onProgress: onProgress ? (p) => onProgress(toLoadProgress(p)) : undefined },
    );
    return summarize(resolved, [result]);
  } finally {
    await driver.close();
  }
}
