/**
 * SRV queries per second against our DnsServer, beside baselines measured in the same run.
 *
 *   npx tsx bench/dns-srv.ts [--seconds 5] [--outstanding 200] [--total 5000000] [--rounds 3] [--no-dnsperf]
 *                            [--servers udp-echo,dns2,gwsim-nocache,gwsim]
 *
 * Each server runs in its own child process (one core each on this 2-core machine, the load tool on the
 * other) and is asked `_sip._udp.vc.example.com SRV` (two SRV answers, two A records as additional data):
 *   - udp-echo: Node's dgram echoing every datagram (an upper bound for any Node UDP server),
 *   - dns2: dns2 2.4.0's own UDP server answering the same question (ARCHITECTURE.md measured ~20k/s),
 *   - gwsim (no cache): our server decoding, looking up and encoding each query,
 *   - gwsim: our server with precomputed answers (the default).
 * Load: our own bounded client (UDP, `--outstanding` queries in flight, at most `--total` queries and
 * `--seconds` long, a query unanswered after 1 s counts as lost and is replaced), then dnsperf (Debian
 * package dnsperf) with the same question when it is installed. Every server is measured `--rounds` times,
 * the rounds interleaved, and the median is reported: other work on the machine shifts single runs a lot.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DnsServer, emptyMessage, encodeMessage, RR_CLASS, RR_TYPE, sipZone } from '@gwsim/dns';

const QNAME = '_sip._udp.vc.example.com';
const SERVER_ADDRESS = '127.0.23.60';
const CLIENT_ADDRESS = '127.0.23.61';
const DNSPERF = '/usr/bin/dnsperf';
const LOSS_TIMEOUT_MS = 1000;

type Kind = 'udp-echo' | 'dns2' | 'gwsim-nocache' | 'gwsim';
const KINDS: Array<{ kind: Kind; label: string; dnsperf: boolean }> = [
  { kind: 'udp-echo', label: 'Node dgram echo (upper bound)', dnsperf: false },
  { kind: 'dns2', label: 'dns2 2.4.0 UDP server (baseline)', dnsperf: true },
  { kind: 'gwsim-nocache', label: 'gwsim DnsServer, answer cache off', dnsperf: true },
  { kind: 'gwsim', label: 'gwsim DnsServer (precomputed answers)', dnsperf: true },
];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

// ─── servers (child processes) ────────────────────────────────────────────────

const zone = () => sipZone({ domain: 'vc.example.com', nodes: [{ name: 'px01', address: '127.0.0.11' }, { name: 'px02', address: '127.0.0.12' }] });

async function serve(kind: Kind): Promise<number> {
  if (kind === 'gwsim' || kind === 'gwsim-nocache') {
    const server = await DnsServer.start({ address: SERVER_ADDRESS, port: 0, zone: zone(), answerCache: kind === 'gwsim' });
    return server.port;
  }
  if (kind === 'udp-echo') {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
    await new Promise<void>((resolve) => socket.bind(0, SERVER_ADDRESS, resolve));
    return socket.address().port;
  }
  // dns2 is a devDependency of @gwsim/dns; resolve it from there.
  const dns2 = createRequire(fileURLToPath(new URL('../packages/dns/package.json', import.meta.url)))('dns2') as Dns2;
  const { Packet } = dns2;
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      response.header.aa = 1;
      for (const [target, address] of [['px01.vc.example.com', '127.0.0.11'], ['px02.vc.example.com', '127.0.0.12']] as const) {
        response.answers.push({ name: QNAME, type: Packet.TYPE.SRV, class: Packet.CLASS.IN, ttl: 60, priority: 10, weight: 10, port: 5060, target });
        response.additionals.push({ name: target, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address });
      }
      send(response);
    },
  });
  const listening = new Promise<void>((resolve) => server.on('listening', () => resolve()));
  server.listen({ udp: { port: 0, address: SERVER_ADDRESS } });
  await listening;
  return server.addresses().udp.port;
}

interface Dns2 {
  Packet: {
    TYPE: Record<string, number>;
    CLASS: Record<string, number>;
    createResponseFromRequest(req: unknown): { header: { aa: number }; answers: object[]; additionals: object[] };
  };
  createServer(options: { udp: boolean; handle: (req: unknown, send: (res: unknown) => void) => void }): {
    on(event: 'listening', fn: () => void): void;
    listen(options: { udp: { port: number; address: string } }): void;
    addresses(): { udp: { port: number } };
  };
}

function startChild(kind: Kind): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

/** The child's CPU time so far (user + system, µs): per query it tells the server's cost whatever else runs. */
function childCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { cpuMicros: number }).cpuMicros));
    child.send('cpu');
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

// ─── our bounded load client ──────────────────────────────────────────────────

interface LoadResult {
  answered: number;
  lost: number;
  bad: number;
  seconds: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU time per answered query (filled in by the caller). */
  cpuMicrosPerQuery?: number;
}

async function load(port: number, options: { seconds: number; outstanding: number; total: number; expectAnswers: number }): Promise<LoadResult> {
  const template = encodeMessage({ ...emptyMessage(0), questions: [{ name: QNAME, type: RR_TYPE.SRV, class: RR_CLASS.IN }] });
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, CLIENT_ADDRESS, resolve));
  await new Promise<void>((resolve) => socket.connect(port, SERVER_ADDRESS, resolve));
  const sentAt = new Float64Array(65536); // 0 = free slot
  const histogram = new Uint32Array(100_001); // 10 µs bins up to 1 s
  let nextId = 1;
  let sent = 0;
  let answered = 0;
  let lost = 0;
  let bad = 0;
  let inFlight = 0;
  let lastAnswer = 0;
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));

  const sendOne = () => {
    while (sentAt[nextId] !== 0) nextId = (nextId + 1) & 0xffff;
    const id = nextId;
    nextId = (nextId + 1) & 0xffff;
    const packet = Buffer.allocUnsafe(template.length);
    template.copy(packet);
    packet.writeUInt16BE(id, 0);
    sentAt[id] = performance.now();
    sent++;
    inFlight++;
    socket.send(packet);
  };
  const refill = () => {
    if (performance.now() >= deadline || sent >= options.total) {
      if (inFlight === 0) finish();
      return;
    }
    while (inFlight < options.outstanding && sent < options.total) sendOne();
  };
  socket.on('message', (msg) => {
    const id = msg.readUInt16BE(0);
    const t = sentAt[id]!;
    if (t === 0) return; // late answer to a query already counted as lost
    sentAt[id] = 0;
    inFlight--;
    answered++;
    if (options.expectAnswers && ((msg[3]! & 0x0f) !== 0 || msg.readUInt16BE(6) !== options.expectAnswers)) bad++;
    lastAnswer = performance.now();
    histogram[Math.min(100_000, Math.round((lastAnswer - t) * 100))]!++;
    refill();
  });
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (let id = 0; id < 65536; id++) {
      if (sentAt[id] !== 0 && now - sentAt[id]! > LOSS_TIMEOUT_MS) {
        sentAt[id] = 0;
        inFlight--;
        lost++;
      }
    }
    refill();
  }, 100);
  refill();
  await done;
  const seconds = ((lastAnswer || performance.now()) - start) / 1000; // up to the last answer: lost queries do not stretch it
  clearInterval(sweeper);
  socket.close();
  const percentile = (p: number) => {
    let seen = 0;
    for (let i = 0; i < histogram.length; i++) if ((seen += histogram[i]!) >= answered * p) return i / 100;
    return NaN;
  };
  return { answered, lost, bad, seconds, qps: answered / seconds, p50Ms: percentile(0.5), p99Ms: percentile(0.99) };
}

// ─── dnsperf ──────────────────────────────────────────────────────────────────

function dnsperf(port: number, seconds: number, outstanding: number, dataFile: string): Promise<{ qps: number; lostPercent: number } | string> {
  return new Promise((resolve) => {
    const args = ['-s', SERVER_ADDRESS, '-p', String(port), '-a', CLIENT_ADDRESS, '-d', dataFile, '-l', String(seconds), '-q', String(outstanding), '-t', '1'];
    execFile(DNSPERF, args, { timeout: (seconds + 20) * 1000 }, (err, stdout, stderr) => {
      const qps = /Queries per second:\s+([\d.]+)/.exec(stdout)?.[1];
      const lost = /Queries lost:\s+\d+ \(([\d.]+)%\)/.exec(stdout)?.[1];
      if (!qps) return resolve(`dnsperf failed: ${err?.message ?? ''} ${stderr}`.trim());
      resolve({ qps: Number(qps), lostPercent: Number(lost ?? 0) });
    });
  });
}

// ─── main ─────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const serveAt = process.argv.indexOf('--serve');
  if (serveAt >= 0) {
    const port = await serve(process.argv[serveAt + 1] as Kind);
    process.on('message', () => {
      const { user, system } = process.cpuUsage();
      process.send!({ cpuMicros: user + system });
    });
    process.send!({ port });
    process.on('SIGTERM', () => process.exit(0));
    return;
  }
  const seconds = arg('seconds', 5);
  const outstanding = arg('outstanding', 200);
  const total = arg('total', 5_000_000);
  const rounds = arg('rounds', 3);
  const only = process.argv.includes('--servers') ? process.argv[process.argv.indexOf('--servers') + 1]!.split(',') : undefined;
  const kinds = KINDS.filter((k) => !only || only.includes(k.kind));
  const withDnsperf = !process.argv.includes('--no-dnsperf') && existsSync(DNSPERF);
  const dir = mkdtempSync(join(tmpdir(), 'gwsim-dnsperf-'));
  const dataFile = join(dir, 'queries.txt');
  writeFileSync(dataFile, `${QNAME} SRV\n`);
  console.log(`SRV ${QNAME}: ${seconds} s per run, ${outstanding} outstanding, at most ${total} queries, ${rounds} rounds; node ${process.version}, ${cpus().length} cores`);
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine lowers every figure)`);
  if (!withDnsperf) console.log(existsSync(DNSPERF) ? 'dnsperf: skipped (--no-dnsperf)' : `dnsperf: not installed (${DNSPERF}; apt-get install -y dnsperf)`);
  const own = new Map<Kind, LoadResult[]>();
  const perf = new Map<Kind, number[]>();
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const { kind, label, dnsperf: usePerf } of kinds) {
        const { child, port } = await startChild(kind);
        try {
          const cpuBefore = await childCpu(child);
          const r = await load(port, { seconds, outstanding, total, expectAnswers: kind === 'udp-echo' ? 0 : 2 });
          r.cpuMicrosPerQuery = (await childCpu(child) - cpuBefore) / r.answered;
          own.set(kind, [...(own.get(kind) ?? []), r]);
          let perfText = '-';
          if (usePerf && withDnsperf) {
            const p = await dnsperf(port, seconds, outstanding, dataFile);
            if (typeof p === 'string') perfText = p;
            else {
              perf.set(kind, [...(perf.get(kind) ?? []), p.qps]);
              perfText = `${fmt(p.qps)} q/s, lost ${p.lostPercent}%`;
            }
          }
          console.log(`round ${round} ${label}: own ${fmt(r.qps)} q/s (answered ${r.answered}, lost ${r.lost}, bad ${r.bad}, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, server CPU ${r.cpuMicrosPerQuery!.toFixed(1)} µs/query); dnsperf ${perfText}`);
        } finally {
          await stopChild(child);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`\nOver ${rounds} rounds: queries answered per second with each load tool (median, best), and the server's CPU time`);
  console.log(`per query (user + system, median, measured with the own client) with the rate one fully used core gives at that cost:\n`);
  console.log('| server | own load client, median (best) | dnsperf, median (best) | server CPU per query | = queries/s per core |\n|---|---|---|---|---|');
  for (const { kind, label } of kinds) {
    const runs = own.get(kind) ?? [];
    const qps = runs.map((r) => r.qps);
    const mid = median(qps);
    const lat = runs.find((r) => r.qps === mid);
    const cpu = median(runs.map((r) => r.cpuMicrosPerQuery!));
    const p = perf.get(kind) ?? [];
    const perfText = p.length ? `${fmt(median(p))} (${fmt(Math.max(...p))})` : '-';
    console.log(`| ${label} | ${fmt(mid)} (${fmt(Math.max(...qps))}); p50 ${lat?.p50Ms} ms, p99 ${lat?.p99Ms} ms | ${perfText} | ${cpu.toFixed(1)} µs | ${fmt(1e6 / cpu)} |`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : NaN;
}

function fmt(qps: number): string {
  return Number.isFinite(qps) ? Math.round(qps).toLocaleString('en') : '-';
}

await main();
