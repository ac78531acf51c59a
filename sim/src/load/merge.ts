import type { LoadSummary, TimelinePoint } from '../report/report-types.ts';
import { LatencyHistogram } from './histogram.ts';
import type { ResolvedPlan } from './plan.ts';
import type { ShardResult } from './shard.ts';

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const k in from) into[k] = (into[k] ?? 0) + from[k]!;
}

/** The summary of a run from its shards' results (one shard when it ran in this thread). */
export function summarize(plan: ResolvedPlan, shards: readonly ShardResult[]): LoadSummary {
  const setup = new LatencyHistogram();
  const pdd = new LatencyHistogram();
  const outcomes: Record<string, number> = {};
  const failures: Record<string, number> = {};
  const byMix: LoadSummary['byMix'] = {};
  for (const m of plan.mix) byMix[m.name] = { attempted: 0, succeeded: 0, failed: 0 };
  let attempted = 0;
  let throttled = 0;
  let started = 0;
  let succeeded = 0;
  let failed = 0;
  let answered = 0;
  let first = Infinity;
  let last = -Infinity;
  let durationMs = 0;
  for (const s of shards) {
    attempted += s.attempted;
    throttled += s.throttled;
    started += s.started;
    succeeded += s.succeeded;
    failed += s.failed;
    answered += s.answered;
    addCounts(outcomes, s.outcomes);
    addCounts(failures, s.failures);
    for (const [name, c] of Object.entries(s.byMix)) {
      const t = (byMix[name] ??= { attempted: 0, succeeded: 0, failed: 0 });
      t.attempted += c.attempted;
      t.succeeded += c.succeeded;
      t.failed += c.failed;
    }
    setup.add(s.setup);
    pdd.add(s.pdd);
    if (s.started > 0) {
      first = Math.min(first, s.firstStartMs);
      last = Math.max(last, s.lastStartMs);
    }
    durationMs = Math.max(durationMs, s.endMs);
  }
  // Start rate between the first and the last actual start; with fewer than two calls, over the run.
  const achievedRate = started >= 2 && last > first ? ((started - 1) * 1000) / (last - first) : durationMs > 0 ? (started * 1000) / durationMs : 0;
  return {
    plan: { ...plan } as Record<string, unknown>,
    durationMs,
    attempted,
    throttled,
    succeeded,
    failed,
    outcomes,
    failures,
    asr: attempted ? (answered * 100) / attempted : 0,
    achievedRate,
    setupMs: setup.percentiles(),
    pddMs: pdd.percentiles(),
    timeline: mergeTimelines(shards, plan.intervalMs),
    byMix,
  };
}

/** Interval by interval: counts add up; setup percentiles from the merged interval histograms. */
function mergeTimelines(shards: readonly ShardResult[], intervalMs: number): TimelinePoint[] {
  if (shards.length === 1) return shards[0]!.timeline.map(({ hist: _hist, ...p }) => p);
  const n = Math.max(0, ...shards.map((s) => s.timeline.length));
  const out: TimelinePoint[] = [];
  const h = new LatencyHistogram();
  for (let i = 0; i < n; i++) {
    h.reset();
    const p: TimelinePoint = { t: i * intervalMs, started: 0, succeeded: 0, failed: 0, active: 0, setupP50: 0, setupP95: 0, setupP99: 0, outcomes: {} };
    for (const s of shards) {
      const b = s.timeline[i];
      if (!b) continue;
      p.started += b.started;
      p.succeeded += b.succeeded;
      p.failed += b.failed;
      p.active += b.active;
      addCounts(p.outcomes, b.outcomes);
      if (b.hist) h.addEncoded(b.hist);
    }
    if (h.count) {
      p.setupP50 = h.at(50);
      p.setupP95 = h.at(95);
      p.setupP99 = h.at(99);
    }
    out.push(p);
  }
  return out;
}
