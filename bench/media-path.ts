/**
 * The media forwarding path the node's bridge uses: RtpPort → in-place SSRC/sequence/timestamp rewrite
 * (RtpRewriter) → RtpPort, on node:dgram and (when the fast path's addon is built) on batched UDP I/O, beside
 * a raw `dgram` echo (socket → socket, no parsing, no rewrite) in the same run. One child process offers RTP at a fixed rate, another counts what comes out; this process only
 * forwards, so its CPU time (process.cpuUsage) divided by the packets it forwarded is the cost per packet.
 *
 *   npx tsx bench/media-path.ts [--rates 20000,50000] [--seconds 3] [--rounds 3] [--size 200]
 *
 * Contenders alternate within each round and rate, so load from other processes hits them alike. Figures:
 * offered and forwarded packets/s, share delivered to the sink, CPU µs per forwarded packet and the share of
 * one core this process used (medians over rounds); 1e6 / (µs per packet) estimates one core's ceiling.
 * Addresses: 127.0.53.1–127.0.53.6.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { RtpPort, RtpRewriter, UdpBatchSocket } from '@gwsim/media';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const RATES = arg('rates', '20000,50000').split(',').map(Number);
const SECONDS = Number(arg('seconds', '3'));
const ROUNDS = Number(arg('rounds', '3'));
const SIZE = Number(arg('size', '200'));

/** The load generator and the sink: plain JS, each in its own child process (not on our event loop). */
const GENERATOR = `
const dgram = require('node:dgram');
const gen = dgram.createSocket('udp4');
gen.bind(0, '127.0.53.1', () => process.send({ ready: 1 }));
process.on('message', ({ port, rate, ms, size }) => {
  const pkt = Buffer.alloc(size);
  pkt[0] = 0x80; pkt[1] = 0; pkt.writeUInt32BE(0x1234, 8);
  let sent = 0;
  const start = performance.now();
  const pump = () => {
    const elapsed = performance.now() - start;
    if (elapsed >= ms) return process.send({ sent });
    const due = Math.min(Math.floor((rate * elapsed) / 1000) - sent, 2000);
    for (let i = 0; i < due; i++) {
      pkt.writeUInt16BE(sent & 0xffff, 2);
      pkt.writeUInt32BE((sent * 160) >>> 0, 4);
      gen.send(Buffer.from(pkt), port, '127.0.53.3'); // a copy: dgram sends on the next tick
      sent++;
    }
    setImmediate(pump);
  };
  pump();
});
`;
const SINK = `
const dgram = require('node:dgram');
const sink = dgram.createSocket('udp4');
let received = 0;
sink.on('message', () => { received++; });
sink.bind(0, '127.0.53.2', () => process.send({ port: sink.address().port }));
process.on('message', (m) => { if (m.reset) received = 0; process.send({ received }); });
`;

function child(source: string): ChildProcess {
  return spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function request(child: ChildProcess, message: object): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Record<string, number>));
    child.send(message);
  });
}

interface Forwarder {
  name: string;
  port: number;
  forwarded: number;
  close(): Promise<void>;
}

async function rawEcho(sinkPort: number): Promise<Forwarder> {
  const input = dgram.createSocket('udp4');
  const output = dgram.createSocket('udp4');
  await new Promise<void>((r) => input.bind(0, '127.0.53.3', r));
  await new Promise<void>((r) => output.bind(0, '127.0.53.4', r));
  const f: Forwarder = {
    name: 'raw dgram echo',
    port: input.address().port,
    forwarded: 0,
    close: async () => {
      input.close();
      output.close();
    },
  };
  input.on('message', (msg) => {
    f.forwarded++;
    output.send(msg, sinkPort, '127.0.53.2');
  });
  return f;
}

async function rtpPath(sinkPort: number, batchedIo = false): Promise<Forwarder> {
  const input = await RtpPort.open('127.0.53.3', { batchedIo });
  const output = await RtpPort.open('127.0.53.5', { batchedIo });
  const rewriter = new RtpRewriter({ clockRate: 8000, payloadType: 0 });
  const sink = { address: '127.0.53.2', port: sinkPort };
  const f: Forwarder = {
    name: batchedIo ? 'same, batched UDP I/O (fast path)' : 'RtpPort → rewrite → RtpPort',
    port: input.port,
    forwarded: 0,
    close: async () => {
      await Promise.all([input.close(), output.close()]);
    },
  };
  input.onRaw((packet) => {
    rewriter.rewrite(packet, performance.now());
    output.sendRaw(sink, packet);
    f.forwarded++;
  });
  return f;
}

interface Result {
  offeredPerS: number;
  forwardedPerS: number;
  delivered: number;
  cpuUsPerPacket: number;
  /** Share of one core this process used while forwarding. */
  core: number;
}

interface Children {
  generator: ChildProcess;
  sink: ChildProcess;
}

async function measure(kids: Children, make: () => Promise<Forwarder>, rate: number): Promise<Result & { name: string }> {
  const f = await make();
  await request(kids.sink, { reset: true });
  const cpu0 = process.cpuUsage();
  const { sent } = await request(kids.generator, { port: f.port, rate, ms: SECONDS * 1000, size: SIZE });
  await new Promise((r) => setTimeout(r, 200)); // what is still in flight
  const cpu = process.cpuUsage(cpu0);
  const { received } = await request(kids.sink, {});
  await f.close();
  const cpuUs = cpu.user + cpu.system;
  return {
    name: f.name,
    offeredPerS: sent! / SECONDS,
    forwardedPerS: f.forwarded / SECONDS,
    delivered: received! / sent!,
    cpuUsPerPacket: cpuUs / Math.max(1, f.forwarded),
    core: cpuUs / ((SECONDS + 0.2) * 1e6),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const kids: Children = { generator: child(GENERATOR), sink: child(SINK) };
  const first = (c: ChildProcess) => new Promise<Record<string, number>>((resolve) => c.once('message', (m) => resolve(m as Record<string, number>)));
  const [{ port: sink }] = await Promise.all([first(kids.sink), first(kids.generator)]);
  console.log(`media path: ${SIZE}-byte RTP packets, ${SECONDS} s per run, ${ROUNDS} rounds; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  // warm-up (JIT, socket buffers)
  await measure(kids, () => rtpPath(sink!), 5000);
  await measure(kids, () => rawEcho(sink!), 5000);
  for (const rate of RATES) {
    const rows = new Map<string, Result[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const batched = (sink: number) => rtpPath(sink, true);
      const contenders = UdpBatchSocket.available ? [rawEcho, rtpPath, batched] : [rawEcho, rtpPath];
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const make of order) {
        const r = await measure(kids, () => make(sink!), rate);
        rows.set(r.name, [...(rows.get(r.name) ?? []), r]);
      }
    }
    console.log(`\noffered ${rate} packets/s`);
    console.log('| Path | Offered/s | Forwarded/s | Delivered to sink | CPU µs/packet | Core used | Every round (µs/packet) |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [name, rs] of rows) {
      const m = (pick: (r: Result) => number) => median(rs.map(pick));
      console.log(
        `| ${name} | ${Math.round(m((r) => r.offeredPerS))} | ${Math.round(m((r) => r.forwardedPerS))} | ${(m((r) => r.delivered) * 100).toFixed(1)} % | ${m((r) => r.cpuUsPerPacket).toFixed(2)} | ${(m((r) => r.core) * 100).toFixed(0)} % | ${rs.map((r) => r.cpuUsPerPacket.toFixed(2)).join(', ')} |`,
      );
    }
  }
  console.log(`\nload average after: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  kids.generator.kill();
  kids.sink.kill();
}

await main();
