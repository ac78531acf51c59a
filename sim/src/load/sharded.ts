import { GwsimError, tsWorkerCode } from '@gwsim/common';
import { Worker } from 'node:worker_threads';
import type { LoadSummary } from '../report/report-types.ts';
import type { EncodedHistogram } from './histogram.ts';
import type { LoadProgress, RunLoadOptions, SipUacDriverOptions } from './load-types.ts';
import { summarize } from './merge.ts';
import type { ResolvedPlan } from './plan.ts';
import { decodeShard, type ShardProgress, type ShardResult } from './shard.ts';
import { validateSipUacOptions } from './sip-uac-driver.ts';
import { DEFAULT_WARM_UP_CALLS } from './warm-up.ts';

/** What a load worker gets (workerData): plain data only. */
export interface WorkerInit {
  plan: ResolvedPlan;
  shard: number;
  shards: number;
  maxConcurrent?: number;
  driver: SipUacDriverOptions;
  progressEveryMs: number;
  abortGraceMs?: number;
  warmUpCalls: number;
}

export type ToWorker = { type: 'start'; startEpoch: number } | { type: 'abort' };
export type FromWorker = { type: 'ready' } | { type: 'failed'; message: string } | { type: 'progress'; progress: ShardProgress } | { type: 'done'; result: ShardResult<EncodedHistogram> };

/** How long workers may take to load (tsx + @gwsim/sip + @gwsim/node) and bind their sockets. */
const READY_TIMEOUT_MS = 60_000;
/** Workers start together this long after the last one is ready. */
const START_LEAD_MS = 50;

/** Shard i's driver: its own local port (p + i when a port is given, else a free one). */
export function shardDriverOptions(o: SipUacDriverOptions, shard: number): SipUacDriverOptions {
  const port = o.local.port ? o.local.port + shard : 0;
  return { ...o, local: { ...o.local, port } };
}

/** Shard i's part of the concurrency cap (the remainder goes to the first shards). */
export function shardCap(cap: number | undefined, shard: number, shards: number): number | undefined {
  if (cap === undefined) return undefined;
  return Math.floor(cap / shards) + (shard < cap % shards ? 1 : 0);
}

/** Run `plan` over `plan.workers` worker threads, each placing every k-th arrival with its own SIP UAC. */
export async function runSharded(plan: ResolvedPlan, driver: SipUacDriverOptions, options: RunLoadOptions): Promise<LoadSummary> {
  validateSipUacOptions(driver);
  const k = plan.workers;
  const every = options.progressEveryMs ?? 1000;
  const entry = new URL('./load-worker.ts', import.meta.url);
  const code = tsWorkerCode(entry);
  const workers: Worker[] = [];
  const latest: Array<ShardProgress | null> = Array.from({ length: k }, () => null);
  const results: Array<ShardResult | null> = Array.from({ length: k }, () => null);
  const fresh = new Set<number>();
  const onAbort = () => {
    for (const w of workers) w.postMessage({ type: 'abort' } satisfies ToWorker);
  };
  try {
    const ready: Array<Promise<void>> = [];
    const done: Array<Promise<void>> = [];
    for (let i = 0; i < k; i++) {
      const init: WorkerInit = { plan, shard: i, shards: k, maxConcurrent: shardCap(plan.maxConcurrent, i, k), driver: shardDriverOptions(driver, i), progressEveryMs: every, abortGraceMs: options.abortGraceMs, warmUpCalls: options.warmUpCalls ?? DEFAULT_WARM_UP_CALLS };
      const w = new Worker(code, { eval: true, workerData: init });
      workers.push(w);
      let onReady!: () => void;
      let onFailed!: (e: Error) => void;
      ready.push(new Promise<void>((res, rej) => ((onReady = res), (onFailed = rej))));
      done.push(
        new Promise<void>((res, rej) => {
          const fail = (e: Error) => {
            onFailed(e);
            rej(e);
          };
          w.on('message', (m: FromWorker) => {
            if (m.type === 'ready') onReady();
            else if (m.type === 'failed') fail(new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `load worker ${i}: ${m.message}`));
            else if (m.type === 'progress') {
              latest[i] = m.progress;
              fresh.add(i);
              // One combined view per round, once every worker has reported in it.
              if (fresh.size === k && options.onProgress) {
                fresh.clear();
                options.onProgress(combine(latest));
              }
            }
            else if (m.type === 'done') {
              results[i] = decodeShard(m.result);
              res();
            }
          });
          w.on('error', (e) => fail(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `load worker ${i} failed: ${e.message}`, { cause: e })));
          w.on('exit', (c) => results[i] === null && fail(new GwsimError('GWSIM_ERR_ILLEGAL_STATE', `load worker ${i} exited (code ${c}) before reporting`)));
        }),
      );
      done.at(-1)!.catch(() => {}); // awaited below; a failure before that must not be unhandled
    }
    let readyTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(ready),
      new Promise<never>((_, rej) => (readyTimer = setTimeout(() => rej(new GwsimError('GWSIM_ERR_TIMEOUT', `load workers not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(readyTimer));
    const startEpoch = performance.timeOrigin + performance.now() + START_LEAD_MS;
    for (const w of workers) w.postMessage({ type: 'start', startEpoch } satisfies ToWorker);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    await Promise.all(done);
    return summarize(plan, results as ShardResult[]);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The workers' latest progress as one view (setup p95: the highest of theirs). */
function combine(latest: ReadonlyArray<ShardProgress | null>): LoadProgress {
  const p: LoadProgress = { elapsedMs: 0, rate: 0, attempted: 0, active: 0, succeeded: 0, failed: 0, outcomes: {}, setupP95: 0 };
  for (const s of latest) {
    if (!s) continue;
    p.elapsedMs = Math.max(p.elapsedMs, s.elapsedMs);
    p.rate += s.periodMs > 0 ? (s.startedInPeriod * 1000) / s.periodMs : 0;
    p.attempted += s.attempted;
    p.active += s.active;
    p.succeeded += s.succeeded;
    p.failed += s.failed;
    for (const [k, v] of Object.entries(s.outcomes)) p.outcomes[k] = (p.outcomes[k] ?? 0) + v;
    p.setupP95 = Math.max(p.setupP95, s.setupP95);
  }
  return p;
}
