import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one SIPp run reported (its final statistics screen). */
export interface SippRun {
  /** SIPp's exit code: 0 when every call succeeded, 1 when at least one failed (sipp(1), "Exit codes"). */
  code: number | null;
  successful: number;
  failed: number;
  /** Total Calls created. */
  created: number;
  /** Cumulative call rate (calls/s) as SIPp measured it. */
  rate: number;
  /** Sum of the Retrans column of the scenario screen (what SIPp re-sent, or received again). */
  retransmissions: number;
  output: string;
}

/** Fail (never skip) when SIPp is missing: interop is part of the suite. */
export function requireSipp(): void {
  const r = spawnSync('sipp', ['-v'], { stdio: 'ignore' });
  if (r.error) throw new Error(`SIPp is required for this test (Debian package sip-tester): ${r.error.message}`);
}

/** A TCP port free on `address` right now. */
export async function freeTcpPort(address: string): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, address, r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A UDP port free on `address` right now (bound and released; SIPp needs a fixed `-p`). */
export async function freeUdpPort(address: string): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, address, r));
  const { port } = sock.address();
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

/** Resolve once something (SIPp) has bound the UDP port address:port — our own bind then fails with EADDRINUSE. */
export async function waitForUdpBound(address: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sock = dgram.createSocket('udp4');
    const taken = await new Promise<boolean>((resolve) => {
      sock.once('error', () => resolve(true));
      sock.bind(port, address, () => resolve(false));
    });
    await new Promise<void>((r) => sock.close(() => r()));
    if (taken) return;
    if (Date.now() > deadline) throw new Error(`nothing bound UDP ${address}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolve once something accepts TCP connections on address:port (SIPp as a TCP server). */
export async function waitForTcpListener(address: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: address, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${address}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Run SIPp to completion in a scratch directory (it writes its error logs to the working directory);
 * `-nostdin` is added. Killed after `timeoutMs`. Rejects when the binary cannot be started. Without a
 * terminal SIPp prints its screens only at exit: to know that it listens, use waitForUdpBound /
 * waitForTcpListener.
 */
export function runSipp(args: string[], timeoutMs = 120_000): Promise<SippRun> {
  const cwd = mkdtempSync(join(tmpdir(), 'gwsim-sipp-'));
  return new Promise<SippRun>((resolve, reject) => {
    const p = spawn('sipp', args.includes('-nostdin') ? args : [...args, '-nostdin'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (d: Buffer) => (output += d.toString());
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    const kill = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (err) => {
      clearTimeout(kill);
      reject(new Error(`cannot run sipp (install the Debian package sip-tester): ${err.message}`));
    });
    p.on('close', (code) => {
      clearTimeout(kill);
      rmSync(cwd, { recursive: true, force: true });
      resolve({
        code,
        successful: cumulative(output, 'Successful call'),
        failed: cumulative(output, 'Failed call'),
        created: cumulative(output, 'Total Calls created'),
        rate: cumulativeRate(output),
        retransmissions: retransmissions(output),
        output,
      });
    });
  });
}

/** The cumulative (last) column of a statistics line, from SIPp's final screen. */
function cumulative(output: string, label: string): number {
  const line = output.split('\n').filter((l) => l.trimStart().startsWith(label)).at(-1);
  const m = line ? /(\d+)\s*$/.exec(line.trimEnd()) : null;
  return m ? Number(m[1]) : -1;
}

function cumulativeRate(output: string): number {
  const line = output.split('\n').filter((l) => l.trimStart().startsWith('Call Rate')).at(-1);
  const m = line ? /\|\s*([\d.]+) cps\s*$/.exec(line.trimEnd()) : null;
  return m ? Number(m[1]) : -1;
}

/** Sum of the Retrans column over the message lines of the last scenario screen. */
function retransmissions(output: string): number {
  const screens = output.split('Scenario Screen');
  const last = screens.at(-1) ?? '';
  let total = 0;
  for (const line of last.split('\n')) {
    if (!/(---->|<----)/.test(line)) continue;
    // `INVITE ----------> 2000 110 0 109` (uac) or `----------> INVITE 500 0 0 0` (uas): Messages, Retrans, …
    const t = line.trim();
    const rest = /^(-+>|<-+)/.test(t) ? t.replace(/^(-+>|<-+)\s+\S+/, '') : t.replace(/^\S+\s+(-+>|<-+)/, '');
    const nums = rest.split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
    if (nums.length >= 2) total += nums[1]!;
  }
  return total;
}
