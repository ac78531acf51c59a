/**
 * Meet interop mock throughput, each figure beside a baseline measured in the same run:
 *
 *   1. HTTP baseline: a bare node:http server answering `{}` to a POST + DELETE pair (what a join + leave
 *      costs on the wire), driven by the same fetch client and concurrency.
 *   2. Signalling-only joins: MeetClient.join + MeetClient.leave against MeetServer (trusted token, no SDP
 *      offer, so no WebRTC peer), N clients in parallel.
 *   3. WebRTC baseline: werift PeerConnection pairs on loopback without Meet (WebRtcPeer offerer + answerer:
 *      offer → answer → both connected → close).
 *   4. Meet WebRTC legs: a werift offerer joins with an SDP offer, applies Meet's sdpAnswer, waits for
 *      "connected", leaves and closes.
 *
 * Each phase warms up first (8 units per worker, not counted), then stops at its count or its time bound,
 * whichever comes first. Latency is per unit (a join + leave pair, or one whole leg). The four phases run
 * `--rounds` times, interleaved, and the best round of each is reported (the machine is shared: the best
 * round is the least disturbed one); every round's rate is listed too.
 *
 *   npx tsx bench/meet-joins.ts [--clients 8] [--joins 4000] [--seconds 10] [--legs 60] [--leg-concurrency 4] [--leg-seconds 30]
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { WebRtcPeer } from '@gwsim/media';
import { MeetAdminClient, MeetClient, MeetServer } from '@gwsim/meet';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '8' },
    joins: { type: 'string', default: '4000' },
    seconds: { type: 'string', default: '10' },
    legs: { type: 'string', default: '60' },
    'leg-concurrency': { type: 'string', default: '4' },
    'leg-seconds': { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
  },
});
const CLIENTS = Number(values.clients);
const JOINS = Number(values.joins);
const SECONDS = Number(values.seconds);
const LEGS = Number(values.legs);
const LEG_CONCURRENCY = Number(values['leg-concurrency']);
const LEG_SECONDS = Number(values['leg-seconds']);
const ROUNDS = Number(values.rounds);

const BASELINE_HTTP = '127.0.24.50';
const MEET = '127.0.24.51';
const GATEWAY = '127.0.24.52';
const FAR_END = '127.0.24.53';
const ADMIN_KEY = 'bench-admin-key-0123';

interface Result {
  readonly name: string;
  readonly done: number;
  readonly failed: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latencyMs: { p50: number; p95: number; max: number };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Run `work` from `workers` loops until `count` completed or `seconds` passed. Each call is one unit (a
 * join + leave, or one WebRTC leg); its latency is recorded.
 */
async function drive(name: string, workers: number, count: number, seconds: number, work: (worker: number) => Promise<void>): Promise<Result> {
  // Warm-up (JIT, connection pools, the DTLS certificate werift makes once per process), not measured.
  await measure(name, workers, Math.min(count, workers * 8), seconds, work);
  return measure(name, workers, count, seconds, work);
}

async function measure(name: string, workers: number, count: number, seconds: number, work: (worker: number) => Promise<void>): Promise<Result> {
  const latencies: number[] = [];
  let started = 0;
  let failed = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (started < count && performance.now() < deadline) {
        started++;
        const t = performance.now();
        try {
          await work(worker);
          latencies.push(performance.now() - t);
        } catch (err) {
          failed++;
          if (failed <= 3) console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    done: latencies.length,
    failed,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) ?? NaN },
  };
}

async function httpBaseline(): Promise<Result> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, BASELINE_HTTP, resolve));
  const url = `http://${BASELINE_HTTP}:${(server.address() as AddressInfo).port}`;
  const body = JSON.stringify({ meetingId: '1234567890123', displayName: 'Bench room' });
  try {
    return await drive('HTTP baseline (bare node:http, POST + DELETE)', CLIENTS, JOINS, SECONDS, async () => {
      const a = await fetch(`${url}/interop/v1/joins`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body });
      await a.text();
      const b = await fetch(`${url}/interop/v1/joins/x`, { method: 'DELETE', headers: { authorization: 'Bearer x' } });
      await b.text();
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function meetSetUp(): Promise<{ server: MeetServer; client: MeetClient; token: string; meetingId: string }> {
  const server = await MeetServer.start({ address: MEET, port: 0, adminKey: ADMIN_KEY });
  const admin = new MeetAdminClient({ baseUrl: server.url, adminKey: ADMIN_KEY });
  await admin.createTenant({ domain: 'example.com', users: [{ email: 'alice@example.com' }] });
  const token = (await admin.createToken('example.com', { name: 'example.com (trusted)', trusted: true })).secret;
  const meeting = await admin.createMeeting({ organizer: 'alice@example.com', capacity: 100_000 });
  return { server, client: new MeetClient({ baseUrl: server.url, timeoutMs: 30_000 }), token, meetingId: meeting.meetingId };
}

async function meetSignalling(): Promise<Result> {
  const { server, client, token, meetingId } = await meetSetUp();
  try {
    return await drive('Meet signalling-only join + leave', CLIENTS, JOINS, SECONDS, async (worker) => {
      const join = await client.join({ token, meetingId, displayName: `Bench room ${worker}` });
      if (!join.ok) throw new Error(`join refused: ${join.code}`);
      const left = await client.leave(join.joinId, token);
      if (!left.ok) throw new Error(`leave failed: ${left.code}`);
    });
  } finally {
    await server.close();
  }
}

async function weriftBaseline(): Promise<Result> {
  return drive('WebRTC baseline (werift pair, no Meet)', LEG_CONCURRENCY, LEGS, LEG_SECONDS, async () => {
    const offerer = await WebRtcPeer.create({ address: GATEWAY });
    const answerer = await WebRtcPeer.create({ address: FAR_END });
    try {
      const answer = await answerer.acceptOffer(await offerer.createOffer());
      await offerer.acceptAnswer(answer);
      await Promise.all([offerer.waitConnected(10_000), answerer.waitConnected(10_000)]);
    } finally {
      await Promise.all([offerer.close(), answerer.close()]);
    }
  });
}

async function meetWebRtc(): Promise<Result> {
  const { server, client, token, meetingId } = await meetSetUp();
  try {
    return await drive('Meet WebRTC leg (offer → sdpAnswer → connected)', LEG_CONCURRENCY, LEGS, LEG_SECONDS, async (worker) => {
      const gateway = await WebRtcPeer.create({ address: GATEWAY });
      try {
        const join = await client.join({ token, meetingId, displayName: `Bench leg ${worker}`, sdpOffer: await gateway.createOffer() });
        if (!join.ok || !join.sdpAnswer) throw new Error(`join failed: ${join.ok ? 'no sdpAnswer' : join.code}`);
        await gateway.acceptAnswer(join.sdpAnswer);
        await Promise.all([gateway.waitConnected(10_000), server.answerer!.peer(join.joinId)!.waitConnected(10_000)]);
        await client.leave(join.joinId, token);
      } finally {
        await gateway.close();
      }
    });
  } finally {
    await server.close();
  }
}

function report(rows: Result[], all: number[][]): void {
  const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const rate = (n: number) => fmt(n, n < 100 ? 1 : 0);
  console.log('| Phase | Done | Failed | Seconds | Per second (best) | Every round | p50 ms | p95 ms | max ms |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  rows.forEach((r, i) => {
    console.log(
      `| ${r.name} | ${r.done} | ${r.failed} | ${fmt(r.seconds, 1)} | ${rate(r.perSecond)} | ${all[i]!.map(rate).join(', ')} | ${fmt(r.latencyMs.p50, 1)} | ${fmt(r.latencyMs.p95, 1)} | ${fmt(r.latencyMs.max, 1)} |`,
    );
  });
}

console.log(`node ${process.version}, clients ${CLIENTS}, joins ≤ ${JOINS} in ≤ ${SECONDS} s; legs ≤ ${LEGS} (${LEG_CONCURRENCY} at a time) in ≤ ${LEG_SECONDS} s; ${ROUNDS} rounds`);
const phases = [httpBaseline, meetSignalling, weriftBaseline, meetWebRtc];
const rounds: Result[][] = phases.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, phase] of phases.entries()) rounds[i]!.push(await phase());
}
const rows = rounds.map((results) => results.reduce((best, r) => (r.failed === 0 && r.perSecond > best.perSecond ? r : best)));
report(
  rows,
  rounds.map((results) => results.map((r) => r.perSecond)),
);
const [http, meet, werift, legs] = rows as [Result, Result, Result, Result];
console.log(`\nMeet join + leave / baseline POST + DELETE: ${((meet.perSecond / http.perSecond) * 100).toFixed(0)} %`);
console.log(`Meet WebRTC legs / werift pairs: ${((legs.perSecond / werift.perSecond) * 100).toFixed(0)} %`);
