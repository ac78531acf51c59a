/**
 * SIP UAS throughput: our UserAgent (UdpTransport, answering every INVITE with 200 + SDP, BYE with 200)
 * against SIPp's own built-in `uas`, both driven by SIPp's built-in `uac` at increasing call rates in the same
 * run. A step passes when SIPp reports every call successful, none failed, at ≥ 95 % of the offered rate.
 * Reports the highest passing rate for each UAS and their ratio. Bounded: at most `rates.length` steps of
 * `seconds` each per UAS, each SIPp run killed after seconds + 20 s.
 *
 *   npx tsx bench/sip-uas.ts [--rates 500,1000,…] [--seconds 4] [--profile]
 *
 * Loopback addresses 127.0.22.231–233. --profile writes a CPU profile of this process (our UAS) to the
 * temporary directory, to open in Chrome DevTools.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UdpTransport, UserAgent } from '@gwsim/sip';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const RATES = opt('rates', '500,1000,1500,2000,2500,3000,3500,4000,5000,6000').split(',').map(Number);
const SECONDS = Number(opt('seconds', '4'));
const PROFILE = args.includes('--profile');

const OURS = '127.0.22.231';
const SIPP_UAS = '127.0.22.232';
const DRIVER = '127.0.22.233';
/** SIPp tuned for load: 4 MiB socket buffers (as our UdpTransport), more reads and calls per event-loop pass. */
const TUNING = ['-buff_size', String(4 * 1024 * 1024), '-max_recv_loops', '10000', '-max_sched_loops', '10000'];
const SDP = `v=0\r\no=gwsim 1 1 IN IP4 ${OURS}\r\ns=-\r\nc=IN IP4 ${OURS}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

async function freeUdpPort(address: string): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, address, r));
  const { port } = sock.address();
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

interface Step {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  achieved: number;
  retrans: number;
  pass: boolean;
  cpuUsPerCall?: number;
}

function last(output: string, label: string): number {
  const line = output.split('\n').filter((l) => l.trimStart().startsWith(label)).at(-1);
  const m = line ? /([\d.]+)(?: cps)?\s*$/.exec(line.trimEnd()) : null;
  return m ? Number(m[1]) : -1;
}

function retransmissions(output: string): number {
  let total = 0;
  for (const line of (output.split('Scenario Screen').at(-1) ?? '').split('\n')) {
    if (!/(---->|<----)/.test(line)) continue;
    const t = line.trim();
    const rest = /^(-+>|<-+)/.test(t) ? t.replace(/^(-+>|<-+)\s+\S+/, '') : t.replace(/^\S+\s+(-+>|<-+)/, '');
    const nums = rest.split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
    if (nums.length >= 2) total += nums[1]!;
  }
  return total;
}

function sipp(argv: string[], killAfterMs: number): { done: Promise<string>; kill: () => void } {
  const cwd = mkdtempSync(join(tmpdir(), 'gwsim-bench-sipp-'));
  const p = spawn('sipp', [...argv, '-nostdin'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
  const done = new Promise<string>((resolve, reject) => {
    p.on('error', (e) => reject(new Error(`cannot run sipp (Debian package sip-tester): ${e.message}`)));
    p.on('close', () => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      resolve(out);
    });
  });
  return { done, kill: () => p.kill('SIGTERM') };
}

async function drive(target: string, rate: number, seconds = SECONDS): Promise<Omit<Step, 'cpuUsPerCall'>> {
  const calls = rate * seconds;
  const port = await freeUdpPort(DRIVER);
  const out = await sipp(
    ['-sn', 'uac', '-i', DRIVER, '-bind_local', '-p', String(port), '-r', String(rate), '-m', String(calls), '-l', String(Math.max(1000, rate * 2)), '-recv_timeout', '5000', '-timeout', `${seconds + 15}s`, ...TUNING, '-nd', target],
    (seconds + 20) * 1000,
  ).done;
  const successful = last(out, 'Successful call');
  const failed = last(out, 'Failed call');
  const achieved = last(out, 'Call Rate');
  return { rate, calls, successful, failed, achieved, retrans: retransmissions(out), pass: failed === 0 && successful === calls && achieved >= 0.95 * rate };
}

async function main(): Promise<void> {
  // Ours: a UserAgent in this process (the driver is a separate SIPp process, as for SIPp's uas).
  let answered = 0;
  const ours = new UserAgent({
    transport: await UdpTransport.create({ address: OURS, port: 0 }),
    onInvite: (inv) => {
      answered++;
      inv.accept({ body: SDP }).catch(() => {});
    },
  });
  const sippUasPort = await freeUdpPort(SIPP_UAS);
  const sippUas = sipp(['-sn', 'uas', '-i', SIPP_UAS, '-bind_local', '-p', String(sippUasPort), ...TUNING], 60 * 60 * 1000);
  await new Promise((r) => setTimeout(r, 500));

  // Warm-up (not reported): JIT for our stack, first-call setup for SIPp's uas.
  await drive(`${OURS}:${ours.transport.local.port}`, 200, 2);
  await drive(`${SIPP_UAS}:${sippUasPort}`, 200, 2);

  const session = PROFILE ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }

  const results: { ours: Step[]; sipp: Step[] } = { ours: [], sipp: [] };
  let oursDone = false;
  let sippDone = false;
  console.log(`SIPp uac → UAS, ${SECONDS} s per step; pass = 0 failed, all successful, achieved ≥ 95 % of offered`);
  console.log('offered cps | ours: achieved, ok/failed, retrans, CPU µs/call | SIPp uas: achieved, ok/failed, retrans');
  for (const rate of RATES) {
    if (oursDone && sippDone) break;
    let o: Step | null = null;
    let s: Step | null = null;
    if (!oursDone) {
      const before = process.cpuUsage();
      const answeredBefore = answered;
      o = await drive(`${OURS}:${ours.transport.local.port}`, rate);
      const cpu = process.cpuUsage(before);
      o.cpuUsPerCall = Math.round((cpu.user + cpu.system) / Math.max(1, answered - answeredBefore));
      results.ours.push(o);
      if (!o.pass) oursDone = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
    if (!sippDone) {
      s = await drive(`${SIPP_UAS}:${sippUasPort}`, rate);
      results.sipp.push(s);
      if (!s.pass) sippDone = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const fmt = (x: Step | null, cpu = false) => (x ? `${x.achieved.toFixed(0).padStart(5)} cps ${String(x.successful).padStart(6)}/${x.failed}${x.pass ? '' : ' FAIL'} r${x.retrans}${cpu ? ` ${x.cpuUsPerCall}µs` : ''}` : '—');
    console.log(`${String(rate).padStart(11)} | ${fmt(o, true).padEnd(40)} | ${fmt(s)}`);
  }

  if (session) {
    const { profile } = await session.post('Profiler.stop');
    const file = join(tmpdir(), `sip-uas-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`CPU profile of our UAS process: ${file}`);
    session.disconnect();
  }
  const best = (steps: Step[]) => steps.filter((x) => x.pass).reduce((m, x) => Math.max(m, x.rate), 0);
  const bo = best(results.ours);
  const bs = best(results.sipp);
  console.log(`highest rate with zero failures: ours ${bo} calls/s, SIPp uas ${bs} calls/s, ratio ${bs ? (bo / bs).toFixed(2) : 'n/a'}`);
  sippUas.kill();
  await sippUas.done;
  await ours.close();
}

await main();
