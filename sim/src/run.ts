/**
 * One scenario run: start the topology, register endpoints, place the single calls, run the load section,
 * stop everything, and build the Report (expectations, load summary, thresholds, failed-call samples with
 * ladders and explanations). An abort (Ctrl-C) stops early and still returns the report, marked interrupted.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '@gwsim/common';
import { runLoad } from './load/generator.ts';
import type { LoadPlan, LoadProgress, MixEntry } from './load/load-types.ts';
import { LadderRecorder } from './report/ladder.ts';
import { MediaAggregator, mediaSummary } from './report/media.ts';
import type { ExpectationResult, LoadSummary, Report } from './report/report-types.ts';
import { evaluateThresholds } from './report/thresholds.ts';
import { SampleKeeper } from './samples.ts';
import type { LoadedScenario } from './scenario-file.ts';
import type { ScenarioLoad } from './scenario-schema.ts';
import { Topology } from './topology.ts';
import { TopologyDriver, type CallRecord } from './topology-driver.ts';

export const VERSION = '0.1.0';

/** Default seed when a scenario gives none (documented: runs are reproducible unless you change it). */
export const DEFAULT_SEED = 1;

export interface RunOptions {
  logger: Logger;
  /** Each finished single call (for progress output). */
  onCall?: (c: CallRecord) => void;
  /** Live view of the load section. */
  onProgress?: (p: LoadProgress) => void;
  /** When a phase starts. */
  onPhase?: (phase: 'calls' | 'load', detail: string) => void;
  signal?: AbortSignal;
}

export interface RunResult {
  report: Report;
  /** The single calls in scenario order (those placed before an interruption). */
  calls: CallRecord[];
}

/** A scenario's load section as the generator's plan (placeholders are expanded by the driver). */
export function loadPlan(load: ScenarioLoad, seed: number): LoadPlan {
  const mix: MixEntry[] = load.mix.map((m) => ({ name: m.name, weight: m.weight, from: m.from, dial: m.dial, expect: m.expect, hold: m.hold, dtmf: m.dtmf, dtmfMethod: m.dtmfMethod }));
  return {
    stages: load.stages.map((s) => ({ ...s })),
    maxCalls: load.maxCalls,
    maxConcurrent: load.maxConcurrent,
    hold: load.hold ?? { kind: 'fixed', ms: 1000 },
    mix,
    seed,
    workers: load.workers ?? 1,
    drainMs: load.drainMs,
    intervalMs: load.intervalMs,
  };
}

/** What one expectation looked like, for the report. */
export function expectationOf(c: CallRecord): ExpectationResult {
  let detail = c.status ? `${c.status} ${c.reason}` : (c.error ?? c.detail ?? '');
  if (c.byeReason) detail += `, then BYE (${c.byeReason})`;
  if (c.failure) detail += ` [${c.failure}]`;
  const e: ExpectationResult = { name: c.name, expected: c.expect, got: c.outcome, ok: c.ok, detail, setupMs: Math.round(c.setupMs) };
  if (c.mediaReport) e.media = c.mediaReport;
  return e;
}

/** Start the topology, register endpoints, place every call and the load, stop everything, report. */
export async function runScenario(loaded: LoadedScenario, options: RunOptions): Promise<RunResult> {
  const s = loaded.scenario;
  const seed = s.seed ?? DEFAULT_SEED;
  // One listener per call in progress: a busy run has many, which is not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const startedAt = new Date();
  const started = performance.now();
  const recorder = new LadderRecorder({ maxCalls: 2000 }).start();
  const keeper = new SampleKeeper(recorder, 3);
  const calls: CallRecord[] = [];
  let load: LoadSummary | null = null;
  const singles = s.calls ?? [];
  const media = { all: new MediaAggregator(), singles: new MediaAggregator(), load: new MediaAggregator() };
  let topo: Topology | null = null;
  try {
    topo = await Topology.start(loaded, options.logger);
    await topo.registerEndpoints();
    const driver = new TopologyDriver(topo, { keeper, onCall: options.onCall, media: [media.singles, media.all] });
    try {
      if (singles.length) options.onPhase?.('calls', `${singles.length} single calls`);
      await Promise.all(
        singles.map(async (c, i) => {
          await pause(c.startAtMs ?? i * 100, options.signal);
          if (options.signal?.aborted) return;
          calls[i] = await driver.placeCall(
            { name: c.name ?? `call-${i + 1}`, from: c.from, dial: c.dial, expect: c.expect, holdMs: c.holdMs ?? 1000, dtmf: c.dtmf, dtmfMethod: c.dtmfMethod, answerTimeoutMs: c.answerTimeoutMs, hostAction: c.hostAction },
            options.signal,
          );
        }),
      );
    } finally {
      await driver.close();
    }
    if (s.load && !options.signal?.aborted) {
      const t = topo;
      options.onPhase?.('load', describeLoad(s.load));
      load = await runLoad(loadPlan(s.load, seed), { kind: 'local', create: async () => new TopologyDriver(t, { keeper, media: [media.load, media.all] }) }, { signal: options.signal, onProgress: options.onProgress, progressEveryMs: 1000 });
    }
  } finally {
    await topo?.close();
    recorder.stop();
  }
  const done = calls.filter(Boolean);
  const expectations = done.map(expectationOf);
  const measured = mediaSummary(media.all, media.singles, media.load);
  const thresholds = evaluateThresholds([...(s.thresholds ?? [])], { load, expectations, media: measured });
  const interrupted = options.signal?.aborted ?? false;
  const ok = !interrupted && done.length === singles.length && expectations.every((e) => e.ok) && thresholds.every((t) => t.ok);
  const report: Report = {
    tool: { name: 'gwsim', version: VERSION },
    scenario: { name: s.name, file: loaded.file, description: s.description ?? null, seed },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    ok,
    interrupted,
    expectations,
    load,
    thresholds,
    media: measured,
    samples: keeper.samples,
  };
  return { report, calls: done };
}

/** `15 s, constant 3/s; mix: open 60%, …`. */
export function describeLoad(load: ScenarioLoad): string {
  const total = load.stages.reduce((n, st) => n + st.durationMs, 0);
  const stages = load.stages.map((st) => (st.kind === 'ramp' ? `ramp ${st.from}→${st.to}/s` : `${st.kind} ${st.rate}/s`)).join(', ');
  const weight = load.mix.reduce((n, m) => n + m.weight, 0);
  const mix = load.mix.map((m) => `${m.name} ${Math.round((100 * m.weight) / weight)}%`).join(', ');
  return `${(total / 1000).toFixed(total % 1000 ? 1 : 0)} s, ${stages}${load.maxCalls ? `, at most ${load.maxCalls} calls` : ''}; mix: ${mix}`;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
