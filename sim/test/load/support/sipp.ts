import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** SIPp's own statistics (its `-trace_stat` CSV, written every second with `-fd 1`). */
export interface SippStats {
  /** Exit code: 0 when no call failed (sipp(1), "Exit codes"); null when killed. */
  code: number | null;
  /** Calls SIPp created (uac) or received (uas), cumulative. */
  calls: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** Failure counters that are not zero (FailedMaxUDPRetrans, FailedUnexpectedMessage, …), and OutOfCallMsgs/DeadCallMsgs. */
  problems: Record<string, number>;
  /** One row per statistics period: epoch seconds and cumulative calls. */
  rows: Array<{ t: number; calls: number }>;
  output: string;
}

/** Fail (never skip) when SIPp is missing: interop is part of the suite. */
export function requireSipp(): void {
  const r = spawnSync('sipp', ['-v'], { stdio: 'ignore' });
  if (r.error) throw new Error(`SIPp is required (Debian package sip-tester): ${r.error.message}`);
}

/** A UDP port free on `address` right now (SIPp needs a fixed `-p`). */
export async function freeUdpPort(address: string): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, address, r));
  const { port } = sock.address();
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

/** Resolve once something (SIPp) has bound UDP address:port. */
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

const PROBLEMS = ['FailedCannotSendMessage', 'FailedMaxUDPRetrans', 'FailedTcpConnect', 'FailedTcpClosed', 'FailedUnexpectedMessage', 'FailedCallRejected', 'FailedCmdNotSent', 'FailedOutboundCongestion', 'FailedTimeoutOnRecv', 'FailedTimeoutOnSend', 'OutOfCallMsgs', 'DeadCallMsgs'];

/** Parse SIPp's `-trace_stat` CSV (`;`-separated; CurrentTime is `date<TAB>time<TAB>epoch`). */
export function parseSippStats(csv: string): Omit<SippStats, 'code' | 'output'> {
  const lines = csv.split('\n').filter((l) => l.trim());
  if (lines.length < 2) throw new Error('SIPp wrote no statistics rows');
  const head = lines[0]!.split(';');
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`SIPp statistics have no column ${name}`);
    return i;
  };
  const rows = lines.slice(1).map((l) => l.split(';'));
  const n = (r: string[], name: string) => Number(r[col(name)]);
  const last = rows.at(-1)!;
  const problems: Record<string, number> = {};
  for (const p of PROBLEMS) if (n(last, `${p}(C)`) > 0) problems[p] = n(last, `${p}(C)`);
  return {
    calls: n(last, 'IncomingCall(C)') + n(last, 'OutgoingCall(C)'),
    successful: n(last, 'SuccessfulCall(C)'),
    failed: n(last, 'FailedCall(C)'),
    retransmissions: n(last, 'Retransmissions(C)'),
    problems,
    rows: rows.map((r) => ({ t: Number(r[col('CurrentTime')]!.split('\t')[2]), calls: n(r, 'IncomingCall(C)') + n(r, 'OutgoingCall(C)') })),
  };
}

/**
 * The call rate SIPp saw, from its own rows: between the first row that counted a call and the last row
 * before the final count, (calls difference) / (time difference). Each row is an exact count at its own
 * timestamp, so the error is about one call at each end.
 */
export function sippRate(s: Pick<SippStats, 'rows' | 'calls'>): number {
  const i = s.rows.findIndex((r) => r.calls > 0);
  const j = s.rows.findLastIndex((r) => r.calls < s.calls);
  if (i < 0 || j <= i) return NaN;
  return (s.rows[j]!.calls - s.rows[i]!.calls) / (s.rows[j]!.t - s.rows[i]!.t);
}

/**
 * Run SIPp (with `-trace_stat -fd 1` into a scratch directory, `-nostdin`) to completion, killed after
 * `timeoutMs`. `kill()` ends it early (SIGTERM: it still writes its last statistics).
 */
export function runSipp(args: string[], timeoutMs: number): { done: Promise<SippStats>; kill: () => void } {
  const cwd = mkdtempSync(join(tmpdir(), 'gwsim-load-sipp-'));
  const stat = join(cwd, 'stat.csv');
  const p = spawn('sipp', [...args, '-trace_stat', '-stf', stat, '-fd', '1', '-nostdin'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (d: Buffer) => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  p.stdout.on('data', onData);
  p.stderr.on('data', onData);
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  const done = new Promise<SippStats>((resolve, reject) => {
    p.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run sipp (Debian package sip-tester): ${err.message}`));
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve({ code, output, ...parseSippStats(readFileSync(stat, 'utf8')) });
      } catch (err) {
        reject(new Error(`${(err as Error).message}; SIPp said: ${output.slice(-2000)}`));
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  });
  return { done, kill: () => p.kill('SIGTERM') };
}
