/**
 * Load generator throughput: the highest call rate our generator (`runLoad` with the SIP UAC driver) sustains
 * against SIPp's built-in `uas` over UDP with no failure, beside SIPp's own built-in `uac` against the same
 * `uas` in the same run, with 1 and with 2 worker threads, and with either UAC engine of the `sip-uac` driver
 * (`ua`: our full user agent; `lean`: the SIPp-like engine of sim/src/load/lean-uac.ts). Each step offers
 * `rate` calls/s for `seconds`, hold 0 (SIPp's uac default `-d 0`); rates go up until a contender fails. A step passes when every call
 * succeeded (our count and SIPp's), none failed or was throttled, and the achieved rate is within 2 % of the
 * offered one (ours: first to last actual start; SIPp uac: the rate in its own per-second statistics).
 * After each step the run waits for SIPp's uas to close its calls (it keeps each open 4 s after the BYE)
 * and reads the calls it counted from its statistics file. Our cells also give the process's CPU time per
 * call (all threads: the generator's and its workers'; from the first progress report, 1 s into the run).
 *
 *   npx tsx bench/load-gen.ts [--rates 500,1000,2000,…] [--seconds 5] [--workers 1,2 | none] [--engine ua,lean]
 *   npx tsx bench/load-gen.ts --overhead      # the generator alone: a driver that answers at once, CPU µs per call
 *
 * Loopback addresses 127.0.44.1–4. Bounded: at most rates × (workers + 1) steps of `seconds` + ~6 s.
 */
import { loadavg } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
/* eslint-disable no-restricted-imports -- bench is not a package and the workspace root does not depend on @gwsim/sim */
import { runLoad } from '../sim/src/load/index.ts';
import type { LoadSummary } from '../sim/src/report/report-types.ts';
import { freeUdpPort, parseSippStats, runSipp, sippRate, waitForUdpBound } from '../sim/test/load/support/sipp.ts';
/* eslint-enable no-restricted-imports */

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const RATES = opt('rates', '500,1000,1500,2000,2500,3000,4000,5000').split(',').map(Number);
const SECONDS = Number(opt('seconds', '5'));
/** Worker counts to try for our generator (`--workers none`: SIPp's uac only). */
const WORKERS = opt('workers', '1,2').split(',').filter((w) => /^\d+$/.test(w)).map(Number);
/** UAC engines of our driver to try. */
const ENGINES = opt('engine', 'ua')
  .split(',')
  .map((e): 'ua' | 'lean' => {
    if (e !== 'ua' && e !== 'lean') throw new Error(`--engine: ua or lean, got ${JSON.stringify(e)}`);
    return e;
  });

const UAS = '127.0.44.2';
const OURS = '127.0.44.1';
const SIPP_UAC = '127.0.44.3';
/** SIPp tuned for load (as bench/sip-uas.ts): 4 MiB socket buffers, more reads and calls per loop pass. */
const TUNING = ['-buff_size', String(4 * 1024 * 1024), '-max_recv_loops', '10000', '-max_sched_loops', '10000'];
const SETTLE_MS = 5500;
const CELL = 62;

interface Step {
  rate: number;
  calls: number;
  ok: number;
  failed: number;
  achieved: number;
  /** Successful / failed calls SIPp's uas counted during the step. */
  uasOk: number;
  uasFailed: number;
  pass: boolean;
  note: string;
}

/** SIPp's uas for the whole run, with its statistics file read between steps. */
function startUas(port: number): { counts: () => { ok: number; failed: number }; stop: () => Promise<void> } {
  const cwd = mkdtempSync(join(tmpdir(), 'gwsim-load-bench-'));
  const stat = join(cwd, 'uas.csv');
  const p = spawn('sipp', ['-sn', 'uas', '-i', UAS, '-bind_local', '-p', String(port), ...TUNING, '-trace_stat', '-stf', stat, '-fd', '1', '-nostdin'], { cwd, stdio: 'ignore' });
  const closed = new Promise<void>((r) => p.on('close', () => r()));
  return {
    counts: () => {
      const s = parseSippStats(readFileSync(stat, 'utf8'));
      return { ok: s.successful, failed: s.failed };
    },
    stop: async () => {
      p.kill('SIGTERM');
      await closed;
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/**
 * One run of our generator, with the process's CPU time per call counted from its first progress report
 * (1 s in: after the warm-up and the workers' start-up) to its end.
 */
async function ours(rate: number, workers: number, engine: 'ua' | 'lean', uasPort: number, seconds = SECONDS): Promise<{ s: LoadSummary; cpuPerCall: number }> {
  let mark: { cpu: NodeJS.CpuUsage; attempted: number } | null = null;
  const s = await runLoad(
    { stages: [{ kind: 'constant', rate, durationMs: seconds * 1000 }], hold: { kind: 'fixed', ms: 0 }, mix: [{ name: 'uas', weight: 1, dial: 'service', expect: 'CONNECTED' }], seed: 1, workers },
    { kind: 'sip-uac', options: { target: { address: UAS, port: uasPort, transport: 'udp' }, local: { address: OURS }, engine } },
    { onProgress: (p) => void (mark ??= { cpu: process.cpuUsage(), attempted: p.attempted }) },
  );
  const m = mark as { cpu: NodeJS.CpuUsage; attempted: number } | null;
  const cpu = m ? process.cpuUsage(m.cpu) : { user: NaN, system: NaN };
  return { s, cpuPerCall: (cpu.user + cpu.system) / Math.max(1, s.attempted - (m?.attempted ?? 0)) };
}

async function sippUac(rate: number, uasPort: number): Promise<{ ok: number; failed: number; achieved: number; calls: number }> {
  const calls = rate * SECONDS;
  const port = await freeUdpPort(SIPP_UAC);
  const s = await runSipp(['-sn', 'uac', '-i', SIPP_UAC, '-bind_local', '-p', String(port), '-r', String(rate), '-m', String(calls), '-l', String(rate * 4), '-recv_timeout', '5000', '-timeout', `${SECONDS + 20}s`, ...TUNING, `${UAS}:${uasPort}`], (SECONDS + 30) * 1000).done;
  return { ok: s.successful, failed: s.failed, achieved: sippRate(s), calls: s.calls };
}

const within2 = (achieved: number, rate: number) => Math.abs(achieved - rate) <= 0.02 * rate;

async function measured<T extends { ok: number; failed: number }>(uas: ReturnType<typeof startUas>, run: () => Promise<T>): Promise<T & { uasOk: number; uasFailed: number }> {
  const before = uas.counts();
  const r = await run();
  await new Promise((res) => setTimeout(res, SETTLE_MS));
  const after = uas.counts();
  return { ...r, uasOk: after.ok - before.ok, uasFailed: after.failed - before.failed };
}

/** The generator's own cost: runLoad with a driver that resolves at once (no network), 3 s per rate. */
async function overhead(): Promise<void> {
  const result = { outcome: 'CONNECTED', status: 200, setupMs: 0.1, pddMs: 0.1, callId: 'x' };
  const driver = { place: () => Promise.resolve(result), close: async () => {} };
  for (const rate of [5000, 20_000, 50_000]) {
    const before = process.cpuUsage();
    const s = await runLoad({ stages: [{ kind: 'constant', rate, durationMs: 3000 }], hold: { kind: 'uniform', minMs: 0, maxMs: 50 }, mix: [{ name: 'x', weight: 1, dial: 'x', expect: 'CONNECTED' }], seed: 1 }, { kind: 'local', create: async () => driver });
    const cpu = process.cpuUsage(before);
    console.log(`${rate} calls/s offered: ${s.attempted} calls, achieved ${s.achievedRate.toFixed(0)}/s, ${((cpu.user + cpu.system) / s.attempted).toFixed(1)} µs CPU per call, start lag p99 ${s.setupMs.p99.toFixed(2)} ms`);
  }
}

async function main(): Promise<void> {
  const uasPort = await freeUdpPort(UAS);
  const uas = startUas(uasPort);
  await waitForUdpBound(UAS, uasPort);
  await new Promise((r) => setTimeout(r, 1500)); // first statistics row
  // Warm-up (not reported): JIT for our stack, first-call setup for SIPp.
  for (const engine of ENGINES) await ours(200, 1, engine, uasPort, 2);
  await new Promise((r) => setTimeout(r, SETTLE_MS));

  const ourContenders = ENGINES.flatMap((engine) => WORKERS.map((workers) => ({ name: `ours ${engine} ${workers}w`, engine, workers })));
  const contenders = [...ourContenders.map((c) => c.name), 'SIPp uac'];
  const results = new Map<string, Step[]>(contenders.map((c) => [c, []]));
  const done = new Set<string>();
  console.log(`load generator vs SIPp uac → SIPp uas (UDP), ${SECONDS} s per step, hold 0; pass = every call ok (ours and SIPp uas), 0 failed, achieved within 2 %`);
  console.log(`offered | ${contenders.map((c) => c.padEnd(CELL)).join(' | ')} | load avg`);
  for (const rate of RATES) {
    if (done.size === contenders.length) break;
    const cells: string[] = [];
    for (const c of contenders) {
      if (done.has(c)) {
        cells.push('—'.padEnd(CELL));
        continue;
      }
      const calls = rate * SECONDS;
      let step: Step;
      if (c === 'SIPp uac') {
        const r = await measured(uas, () => sippUac(rate, uasPort));
        step = { rate, calls, ok: r.ok, failed: r.failed, achieved: r.achieved, uasOk: r.uasOk, uasFailed: r.uasFailed, pass: false, note: '' };
      } else {
        const { engine, workers } = ourContenders.find((o) => o.name === c)!;
        const r = await measured(uas, async () => {
          const { s, cpuPerCall } = await ours(rate, workers, engine, uasPort);
          return { ok: s.succeeded, failed: s.failed + s.throttled, s, cpuPerCall };
        });
        step = { rate, calls, ok: r.ok, failed: r.failed, achieved: r.s.achievedRate, uasOk: r.uasOk, uasFailed: r.uasFailed, pass: false, note: `p50 ${r.s.setupMs.p50.toFixed(1)} p99 ${r.s.setupMs.p99.toFixed(1)} ms, ${r.cpuPerCall.toFixed(0)} µs/call${Object.keys(r.s.failures).length ? ` ${JSON.stringify(r.s.failures)}` : ''}` };
      }
      step.pass = step.failed === 0 && step.ok === calls && step.uasOk === calls && step.uasFailed === 0 && within2(step.achieved, rate);
      results.get(c)!.push(step);
      if (!step.pass) done.add(c);
      cells.push(`${step.achieved.toFixed(0).padStart(5)}/s ${step.ok}/${step.failed}${step.pass ? '' : ' FAIL'} uas ${step.uasOk}/${step.uasFailed} ${step.note}`.padEnd(CELL));
    }
    console.log(`${String(rate).padStart(7)} | ${cells.join(' | ')} | ${loadavg()[0]!.toFixed(1)}`);
  }
  const best = (c: string) => results.get(c)!.filter((s) => s.pass).reduce((m, s) => Math.max(m, s.rate), 0);
  const sipp = best('SIPp uac');
  for (const { name, engine, workers } of ourContenders) {
    const b = best(name);
    console.log(`highest rate with zero failures: ours (${engine}, ${workers} worker${workers > 1 ? 's' : ''}) ${b} calls/s, SIPp uac ${sipp} calls/s, ratio ${sipp ? (b / sipp).toFixed(2) : 'n/a'}`);
  }
  await uas.stop();
}

if (args.includes('--overhead')) await overhead();
else await main();
