/**
 * Entry of a load worker thread (started by sharded.ts): warms up, builds its own SIP UAC driver from
 * workerData, says `ready`, runs its shard from the common start time, reports progress and its result, closes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from './sharded.ts';
import { encodeShard, runShard } from './shard.ts';
import type { CallDriver } from './load-types.ts';
import { createSipUacDriver } from './sip-uac-engines.ts';
import { warmUp } from './warm-up.ts';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);
const abort = new AbortController();

let driver: CallDriver;
try {
  await warmUp(init.driver, init.warmUpCalls);
  driver = await createSipUacDriver(init.driver);
} catch (err) {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(0);
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'abort') abort.abort();
  else if (m.type === 'start') void run(m.startEpoch);
});
post({ type: 'ready' });

async function run(startEpoch: number): Promise<void> {
  try {
    const result = await runShard(
      init.plan,
      driver,
      { shard: init.shard, shards: init.shards, maxConcurrent: init.maxConcurrent, keepIntervalHistograms: true },
      { t0: startEpoch - performance.timeOrigin, signal: abort.signal, progressEveryMs: init.progressEveryMs, abortGraceMs: init.abortGraceMs, onProgress: (progress) => post({ type: 'progress', progress }) },
    );
    await driver.close();
    post({ type: 'done', result: encodeShard(result) });
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  }
}
