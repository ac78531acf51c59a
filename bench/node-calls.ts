/**
 * Calls per second a Conferencing Node completes (signalling only: trusted token, open meeting, so every
 * call is INVITE → Meet join over HTTP → 200 → ACK → BYE → leave), driven by SIPp's built-in `uac`, beside
 * SIPp's own built-in `uas` driven the same way in the same run. For each target rate it runs a bounded
 * burst and reports whether every call succeeded, the achieved rate, and the node's setup latency p50/p99.
 *
 *   npx tsx bench/node-calls.ts [seconds-per-step=5] [rates=200,400,800,1200,1600]
 */
import { spawn } from 'node:child_process';
import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { MeetServer } from '@gwsim/meet';
import { ConferencingNode } from '@gwsim/node';

const seconds = Number(process.argv[2] ?? 5);
const rates = (process.argv[3] ?? '200,400,800,1200,1600').split(',').map(Number);

interface Step { rate: number; ok: boolean; successful: number; failed: number; achieved: number; p50: number | null; p99: number | null }

function sipp(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('sipp', [...args, '-nostdin', '-nd', '-timeout', `${seconds * 4 + 20}s`, '-timeout_error'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
}

const counter = (out: string, name: string) => Number(new RegExp(`${name}\\s+\\|\\s+\\d+\\s+\\|\\s+(\\d+)`).exec(out)?.[1] ?? NaN);
const pct = (xs: number[], p: number) => (xs.length ? xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : null);

async function drive(target: string, rate: number, localPort: number, latencies?: () => number[]): Promise<Step> {
  const m = rate * seconds;
  const t0 = Date.now();
  const { code, out } = await sipp(['-sn', 'uac', '-s', '3000000000001', target, '-i', '127.0.30.101', '-p', String(localPort), '-m', String(m), '-r', String(rate), '-l', String(rate * 2), '-d', '100']);
  const elapsed = (Date.now() - t0) / 1000;
  const successful = counter(out, 'Successful call');
  const failed = counter(out, 'Failed call');
  const lat = latencies?.() ?? [];
  // A step passes when every call succeeded and the node kept up: ≥ 95 % of the offered rate, allowing one
  // second for SIPp's start and the last calls' hold.
  return { rate, ok: code === 0 && successful === m && successful / elapsed >= 0.95 * rate * (seconds / (seconds + 1)), successful, failed, achieved: Math.round(successful / elapsed), p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function benchNode(): Promise<Step[]> {
  const meet = await MeetServer.start({ address: '127.0.30.20', port: 0, adminKey: 'bench-admin-key' });
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
  meet.service.createMeeting({ organizer: 'host@example.com', meetingId: '3000000000001', capacity: 100_000 });
  const t = meet.service.createToken('example.com', { name: 't', trusted: true }).secret;
  const routing = validateRoutingConfig({ gms_access_tokens: [{ name: 't', token: t }], rules: defaultRules({ trustedToken: 't', untrustedToken: 't' }) });
  const steps: Step[] = [];
  let port = 16060;
  for (const rate of rates) {
    const node = await ConferencingNode.start({ name: 'px01', address: '127.0.30.11', routing, meetUrl: meet.url, logger: silentLogger, capacityUnits: 100_000, overload: { maxConcurrentSetups: 100_000 }, media: false });
    const latencies = () => node.calls().filter((c) => c.answeredAt !== null).map((c) => c.answeredAt! - c.startedAt);
    const step = await drive(`127.0.30.11:${node.sipAddress.port}`, rate, port++, latencies);
    await node.close();
    steps.push(step);
    console.log(`node      ${JSON.stringify(step)}`);
    if (!step.ok) break;
  }
  await meet.close();
  return steps;
}

async function benchSippUas(): Promise<Step[]> {
  const steps: Step[] = [];
  let port = 17060;
  for (const rate of rates) {
    const uasPort = port++;
    const uas = spawn('sipp', ['-sn', 'uas', '-i', '127.0.30.12', '-p', String(uasPort), '-nostdin', '-nd', '-bg'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const step = await drive(`127.0.30.12:${uasPort}`, rate, port++);
    uas.kill();
    spawn('pkill', ['-f', `sipp -sn uas -i 127.0.30.12 -p ${uasPort}`]);
    steps.push(step);
    console.log(`sipp-uas  ${JSON.stringify(step)}`);
    if (!step.ok) break;
  }
  return steps;
}

const best = (steps: Step[]) => steps.filter((s) => s.ok).at(-1) ?? null;
const node = await benchNode();
const baseline = await benchSippUas();
const n = best(node);
const b = best(baseline);
console.log('\nhighest rate with zero failures (calls/s offered → achieved):');
console.log(`  gwsim node : ${n ? `${n.rate} → ${n.achieved}, setup p50 ${n.p50} ms, p99 ${n.p99} ms` : 'none'}`);
console.log(`  SIPp uas   : ${b ? `${b.rate} → ${b.achieved}` : 'none'}`);
if (n && b) console.log(`  ratio node/SIPp-uas: ${(n.achieved / b.achieved).toFixed(2)}`);
