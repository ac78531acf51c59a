/**
 * Bridged media at load: N concurrent calls through a Conferencing Node with `bridge: true` (endpoint plain
 * RTP ⇄ node ⇄ WebRTC/SRTP ⇄ Meet echo), audio-only and audio+video, beside a raw werift PeerConnection pair
 * (werift's own RTP path on both ends, `dataPlane: 'werift'`) at the same packet rate in the same run.
 *
 *   npx tsx bench/media-calls.ts [--calls 100,200,300] [--kinds audio,av] [--seconds 5] [--workers 0] [--batched-io 1]
 *
 * For each kind the call counts are a ladder: it stops at the first count whose loss reaches 0.5 % (packets
 * sent and not back 2 s after sending stopped, lobby-held ones aside) or whose median audio round trip
 * reaches 100 ms (a hop is queueing), and prints the most calls it sustained. `--workers N` gives the node N media worker threads;
 * `--batched-io 0` runs the node on node:dgram instead of the fast path's batched UDP I/O (the other roles keep it).
 * Calls are set up in waves of 25 a quarter second apart (below the node's overload guard), then measured for `seconds`.
 *
 * The node runs in this process alone; the endpoints (MediaSessions + a SIP UA) and the Meet mock run in a
 * child process, so this process's CPU time (process.cpuUsage, every thread) over the measurement window
 * divided by the packets the node forwarded (node→Meet + node→endpoint) is the node's cost per forwarded
 * packet. The raw pair: a WebRtcPeer here sends probe-sized payloads to a peer in the child that echoes; CPU
 * per packet is this process's time over packets sent + received (each packet crosses werift once here).
 * othersCoreShare: the child's CPU over the same window (the other roles share the machine's two cores).
 * floor: the kernel's floor for the same packet rate, a C forwarder with SRTP's GCM and no JavaScript
 * (bench/udp-floor.c, when cc and libssl-dev are there), run after each step; nodeOverFloor is the node's figure over it.
 * Loss: RFC 3550 at the endpoints (after the echo round trip) and at the node on both legs.
 * GWSIM_BENCH_PROFILE=<dir> writes a CPU profile of the node's main thread per measurement window.
 * Addresses: 127.0.63.11 (node), .12 (raw peer), .20/.21 (Meet, raw echo), .100 (endpoints). */
import { execFile, execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@gwsim/common';
import { defaultRules, validateRoutingConfig } from '@gwsim/dialplan';
import { createOffer, DEFAULT_AUDIO_CODECS, echoLoop, MediaSession, mediaTargets, parseSdp, serializeSdp, Ticker, UdpBatchSocket, VP8_CODEC, WebRtcPeer } from '@gwsim/media';
import { MeetServer } from '@gwsim/meet';
import { ConferencingNode, type CallSnapshot } from '@gwsim/node';
import { UdpTransport, UserAgent, type Dialog } from '@gwsim/sip';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const NODE = '127.0.63.11';
const RAW = '127.0.63.12';
const MEET = '127.0.63.20';
const RAW_ECHO = '127.0.63.21';
const EP = '127.0.63.100';
const SIP_PORT = 5060;
/**
 * Calls set up together, and the pause between waves: a wave's DTLS handshakes load the node and the Meet mock
 * for a moment, and packets of the calls already up that arrive meanwhile can overflow socket buffers (counted
 * as loss: the ladder measures whole calls). Paced set-up keeps that burst small, as a load tester's call rate would.
 */
const SETUP_WAVE = 25;
const SETUP_PAUSE_MS = 250;
/** After the endpoints stop sending, what is still in flight (or queued behind a saturated hop) gets this long. */
const DRAIN_MS = 2000;

type Msg = Record<string, unknown> & { t: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ask(child: ChildProcess, msg: Msg, reply: string): Promise<Msg> {
  return new Promise((resolve) => {
    const on = (m: Msg) => {
      if (m.t !== reply) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(msg);
  });
}

// ---------------------------------------------------------------------------------------------- child
async function childMain(): Promise<void> {
  const send = (m: Msg) => process.send!(m);
  const meet = await MeetServer.start({ address: MEET, port: 0, adminKey: 'bench-admin-key', logger: silentLogger });
  meet.service.createTenant({ domain: 'example.com', users: [{ email: 'host@example.com' }] });
  const trusted = meet.service.createToken('example.com', { name: 'trusted', trusted: true }).secret;
  const untrusted = meet.service.createToken('example.com', { name: 'untrusted', trusted: false }).secret;
  const ua = new UserAgent({ transport: await UdpTransport.create({ address: EP }), timers: { T1: 100 } });
  const ticker = new Ticker({ intervalMs: 10 });
  let sessions: MediaSession[] = [];
  let dialogs: Dialog[] = [];
  let rawEcho: WebRtcPeer | null = null;
  let meetingNo = 0;
  send({ t: 'ready', meetUrl: meet.url, trusted, untrusted });
  process.on('message', (m: Msg) => {
    void (async () => {
      if (m.t === 'calls') {
        const n = m.n as number;
        const video = m.kind === 'av';
        const audio = DEFAULT_AUDIO_CODECS.filter((c) => c.name === 'opus' || c.name === 'telephone-event');
        const setup = async () => {
          const s = await MediaSession.open({ address: EP, streams: video ? ['audio', 'video'] : ['audio'], audio: { codec: 'opus' }, video: { bitrate: 300_000 }, rtcpIntervalMs: 1000 });
          const id = String(3000000000000 + ++meetingNo);
          meet.service.createMeeting({ organizer: 'host@example.com', meetingId: id, onKnock: { kind: 'admit', afterMs: 0 } });
          const offer = serializeSdp(createOffer({ address: EP, audioPort: s.port('audio').port, videoPort: video ? s.port('video').port : undefined, rtcpMux: true, codecs: { audio, video: [VP8_CODEC] } }));
          const r = await ua.invite({ destination: { address: NODE, port: SIP_PORT }, uri: `sip:${id}@vc.example.com`, from: 'sip:guest@example.com', body: offer }).result;
          if (r.status !== 200 || !r.dialog) throw new Error(`call ${id}: ${r.status} ${r.reason}`);
          s.setRemotes(mediaTargets(parseSdp(r.response.body.toString('utf8'))));
          s.start(ticker);
          sessions.push(s);
          dialogs.push(r.dialog);
        };
        // in paced waves, below the node's overload guard (200 setups in flight by default)
        for (let done = 0; done < n; done += SETUP_WAVE) {
          await Promise.all(Array.from({ length: Math.min(SETUP_WAVE, n - done) }, setup));
          await sleep(SETUP_PAUSE_MS);
        }
        send({ t: 'calls-up' });
      } else if (m.t === 'stop-calls') {
        for (const s of sessions) s.stop();
        await sleep(DRAIN_MS);
        let sent = 0;
        let received = 0;
        let lost = 0;
        const rtt: number[] = [];
        const rtt95: number[] = [];
        for (const s of sessions) {
          const st = s.stats();
          sent += st.totals.sent.packets;
          received += st.totals.received.packets;
          lost += st.totals.received.lost;
          const a = st.streams.audio?.rtt;
          if (a) {
            rtt.push(a.p50Ms);
            rtt95.push(a.p95Ms);
          }
        }
        await Promise.all(dialogs.map((d) => d.bye().catch(() => {})));
        await Promise.all(sessions.map((s) => s.close()));
        sessions = [];
        dialogs = [];
        rtt.sort((a, b) => a - b);
        rtt95.sort((a, b) => a - b);
        send({ t: 'calls-stats', sent, received, lost, rttP50: rtt[Math.floor(rtt.length / 2)] ?? null, rttP95: rtt95[Math.floor(rtt95.length * 0.95)] ?? null });
      } else if (m.t === 'raw-offer') {
        rawEcho = await WebRtcPeer.create({ address: RAW_ECHO, name: 'raw-echo', dataPlane: 'werift' });
        const answer = await rawEcho.acceptOffer(m.sdp as string);
        send({ t: 'raw-answer', sdp: answer });
        await rawEcho.waitConnected(10_000);
        echoLoop(rawEcho).start();
      } else if (m.t === 'cpu') {
        const { user, system } = process.cpuUsage();
        send({ t: 'cpu-now', us: user + system });
      } else if (m.t === 'raw-close') {
        await rawEcho?.close();
        send({ t: 'raw-closed' });
      } else if (m.t === 'exit') {
        await ua.close();
        await meet.close();
        process.exit(0);
      }
    })().catch((err: Error) => send({ t: 'error', message: err.message }));
  });
}

// ----------------------------------------------------------------------------------------------- main
function totals(calls: CallSnapshot[]) {
  const out = { e2n: 0, n2m: 0, m2n: 0, n2e: 0, lostEndpoint: 0, lostMeet: 0, held: 0, local: 0 };
  for (const c of calls) {
    if (!c.media) continue;
    for (const st of Object.values(c.media.streams)) {
      out.held += st?.held ?? 0;
      out.local += st?.local.packets ?? 0;
    }
    out.e2n += c.media.totals.endpoint_to_node.packets;
    out.n2m += c.media.totals.node_to_meet.packets;
    out.m2n += c.media.totals.meet_to_node.packets;
    out.n2e += c.media.totals.node_to_endpoint.packets;
    out.lostEndpoint += c.media.loss.endpoint.lost;
    out.lostMeet += c.media.loss.meet.lost;
  }
  return out;
}

/**
 * With GWSIM_BENCH_PROFILE=<dir>: a V8 CPU profile of the node's main thread over each measurement window
 * (<dir>/<kind>-<calls>.cpuprofile; open it in Chrome DevTools). The profiler's own cost shows in the figures.
 */
async function startProfile(): Promise<{ stop(name: string): Promise<void> } | null> {
  const dir = process.env.GWSIM_BENCH_PROFILE;
  if (!dir) return null;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function bridged(child: ChildProcess, node: ConferencingNode, n: number, kind: string, seconds: number) {
  const up = await ask(child, { t: 'calls', n, kind }, 'calls-up');
  void up;
  const live = () => node.calls().filter((c) => c.state !== 'ended');
  for (let i = 0; i < 100 && !live().every((c) => c.state === 'connected' && c.media?.peer === 'connected'); i++) await sleep(50);
  await sleep(1000); // warm-up: DTLS timers, first keyframes
  const t0 = totals(live());
  const profiler = await startProfile();
  const child0 = (await ask(child, { t: 'cpu' }, 'cpu-now')).us as number;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const childUs = ((await ask(child, { t: 'cpu' }, 'cpu-now')).us as number) - child0;
  await profiler?.stop(`${kind}-${n}`);
  const wall = performance.now() - w0;
  const t1 = totals(live());
  const forwarded = t1.n2m - t0.n2m + (t1.n2e - t0.n2e);
  const stats = await ask(child, { t: 'stop-calls' }, 'calls-stats');
  await sleep(300);
  const ended = node.calls().filter((c) => c.state === 'ended').slice(-n);
  const final = totals(ended);
  const cpuUs = cpu.user + cpu.system;
  return {
    calls: n,
    kind,
    forwardedPerS: Math.round((forwarded / wall) * 1000),
    cpuUsPerPacket: +(cpuUs / forwarded).toFixed(1),
    /** The kernel's part of it (system time: the UDP syscalls, and on loopback the receivers' wake-ups). */
    sysUsPerPacket: +(cpu.system / forwarded).toFixed(1),
    coreShare: +(cpuUs / 1000 / wall).toFixed(2),
    /** Share of one core the other roles (Meet mock, endpoints, their SIP UA) used, in their own process. */
    othersCoreShare: +(childUs / 1000 / wall).toFixed(2),
    nodeLoss: { endpointLeg: final.lostEndpoint, meetLeg: final.lostMeet },
    /** Packets the node held back (sent before the call was in the meeting): not expected back. */
    nodeHeld: final.held,
    /** Packets of the node's own (lobby) media: received by the endpoints, not an echo of theirs. */
    nodeLocal: final.local,
    endpoint: {
      sent: stats.sent as number,
      received: stats.received as number,
      lost: stats.lost as number,
      audioRttP50Ms: stats.rttP50 === null ? null : +(stats.rttP50 as number).toFixed(2),
      audioRttP95Ms: stats.rttP95 === null ? null : +(stats.rttP95 as number).toFixed(2),
    },
  };
}

async function rawPair(child: ChildProcess, packetsPerS: number, seconds: number) {
  const peer = await WebRtcPeer.create({ address: RAW, name: 'raw', dataPlane: 'werift' });
  const offer = await peer.createOffer({ audio: true, video: false });
  const { sdp } = await ask(child, { t: 'raw-offer', sdp: offer }, 'raw-answer');
  await peer.acceptAnswer(sdp as string);
  await peer.waitConnected(10_000);
  const track = peer.track('audio')!;
  await sleep(300); // the far end starts echoing once it sees "connected" too
  const payload = Buffer.alloc(120);
  const perTick = packetsPerS / 100;
  let due = 0;
  const timer = setInterval(() => {
    due += perTick;
    for (; due >= 1; due--) track.send(payload, { timestampStep: 960 });
  }, 10);
  await sleep(1000);
  const s0 = { ...track.stats };
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - w0;
  const s1 = { ...track.stats };
  clearInterval(timer);
  await sleep(300);
  const sentTotal = track.stats.packetsOut;
  const recvTotal = track.stats.packetsIn;
  const packets = s1.packetsOut - s0.packetsOut + (s1.packetsIn - s0.packetsIn);
  await peer.close();
  await ask(child, { t: 'raw-close' }, 'raw-closed');
  return { packetsPerS: Math.round((packets / wall) * 1000), cpuUsPerPacket: +((cpu.user + cpu.system) / packets).toFixed(1), coreShare: +((cpu.user + cpu.system) / 1000 / wall).toFixed(2), lost: sentTotal - recvTotal };
}

/**
 * Loss over the whole path, in percent: what the endpoints sent and the node did not hold back (lobby), but
 * that never came back (the node's own lobby media aside) — RFC 3550 gaps, and also what was still missing DRAIN_MS after sending stopped (a
 * saturated hop queues packets: RFC 3550 alone would not count them).
 */
function lossPercent(b: Awaited<ReturnType<typeof bridged>>): number {
  const expected = b.endpoint.sent - b.nodeHeld;
  const back = b.endpoint.received - b.nodeLocal;
  return expected > 0 ? (100 * (expected - back)) / expected : 100;
}

/**
 * The kernel's floor beside the node (bench/udp-floor.c, built here when a C compiler and OpenSSL's headers are
 * present): a C forwarder at the node's forwarded packet rate, one socket per 50 packets/s (one packet per socket
 * per 20 ms burst), every packet sealed with AES-128-GCM — what forwarding with SRTP costs with no JavaScript.
 */
interface FloorTool {
  readonly binary: string | null;
  readonly reason: string;
}

function buildFloor(): FloorTool {
  const binary = join(mkdtempSync(join(tmpdir(), 'gwsim-floor-')), 'udp-floor');
  try {
    execFileSync('cc', ['-O2', '-o', binary, fileURLToPath(new URL('udp-floor.c', import.meta.url)), '-lcrypto'], { stdio: 'pipe' });
    return { binary, reason: '' };
  } catch (error) {
    return { binary: null, reason: `bench/udp-floor.c not built (cc and libssl-dev needed): ${String((error as Error).message).split('\n')[0]}` };
  }
}

async function floor(tool: FloorTool, forwardedPerS: number, seconds: number): Promise<{ sockets: number; cpuUsPerPacket: number; sysUsPerPacket: number } | { unavailable: string }> {
  if (tool.binary === null) return { unavailable: tool.reason };
  const sockets = Math.min(2000, Math.max(1, Math.round(forwardedPerS / 50)));
  const out = await new Promise<string>((resolve, reject) => execFile(tool.binary!, [String(sockets), String(Math.min(seconds, 5)), '0', '1'], (error, stdout) => (error ? reject(error) : resolve(stdout))));
  const m = /([\d.]+) us CPU per packet \(system ([\d.]+)\)/.exec(out);
  if (m === null) return { unavailable: `udp-floor printed no figure: ${out.trim()}` };
  return { sockets, cpuUsPerPacket: Number(m[1]), sysUsPerPacket: Number(m[2]) };
}

/** A step passes with loss under MAX_LOSS and a median audio round trip under MAX_RTT_P50_MS (no queueing). */
const MAX_LOSS = 0.5;
const MAX_RTT_P50_MS = 100;

async function main(): Promise<void> {
  const CALLS = arg('calls', '10,40').split(',').map(Number);
  const KINDS = arg('kinds', 'audio,av').split(',');
  const SECONDS = Number(arg('seconds', '5'));
  const WORKERS = Number(arg('workers', '0'));
  const BATCHED = arg('batched-io', '1') !== '0';
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('message', (m: Msg) => m.t === 'error' && console.error('child error:', m.message));
  const ready = await new Promise<Msg>((resolve) => child.once('message', (m: Msg) => resolve(m)));
  const routing = validateRoutingConfig({
    gms_access_tokens: [{ name: 'trusted', token: ready.trusted as string }, { name: 'untrusted', token: ready.untrusted as string }],
    rules: defaultRules({ trustedToken: 'trusted', untrustedToken: 'untrusted' }),
  });
  const node = await ConferencingNode.start({ name: 'px01', address: NODE, sipPort: SIP_PORT, routing, meetUrl: ready.meetUrl as string, logger: silentLogger, bridge: true, capacityUnits: 10_000, mediaWorkers: WORKERS, batchedIo: BATCHED });
  const floorTool = buildFloor();
  const best: Record<string, number> = {};
  try {
    for (const kind of KINDS) {
      best[kind] = 0;
      for (const n of CALLS) {
        const b = await bridged(child, node, n, kind, SECONDS);
        // the raw pair carries the same WebRTC packet rate as the node's Meet leg (both directions)
        const raw = await rawPair(child, Math.round(b.forwardedPerS / 2), SECONDS);
        const cFloor = await floor(floorTool, b.forwardedPerS, SECONDS);
        const loss = lossPercent(b);
        const ok = loss < MAX_LOSS && b.endpoint.audioRttP50Ms !== null && b.endpoint.audioRttP50Ms < MAX_RTT_P50_MS;
        const nodeOverFloor = 'cpuUsPerPacket' in cFloor ? +(b.cpuUsPerPacket / cFloor.cpuUsPerPacket).toFixed(2) : null;
        console.log(JSON.stringify({ ...b, lossPercent: +loss.toFixed(3), ok, raw, floor: cFloor, nodeOverFloor }));
        if (!ok) break;
        best[kind] = n;
      }
    }
  } finally {
    await node.close();
    child.send({ t: 'exit' });
    if (floorTool.binary !== null) rmSync(dirname(floorTool.binary), { recursive: true, force: true });
  }
  for (const kind of KINDS) console.log(`${kind}: most concurrent calls with < ${MAX_LOSS} % loss and audio RTT p50 < ${MAX_RTT_P50_MS} ms (of those tried): ${best[kind]} (media workers: ${WORKERS}, node batched I/O: ${BATCHED && UdpBatchSocket.available})`);
}

if (process.argv.includes('--child')) void childMain();
else await main();
