import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Vtc } from '@gwsim/endpoint';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, relocateScenarioText } from '../src/index.ts';
import type { Report } from '../src/report/report-types.ts';

/**
 * The real CLI as a child process (bin/gwsim.mjs) on 127.0.48.x: `gwsim up` serves calls from an outside
 * SIP UA and stops on SIGINT; `gwsim run` stops cleanly on Ctrl-C and still writes its report, and a second
 * Ctrl-C exits at once. The tests in this file run one after another on the same block.
 */
const BIN = fileURLToPath(new URL('../bin/gwsim.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gwsim-up-'));
const scenario = join(dir, 'default.yaml');
writeFileSync(scenario, relocateScenarioText(readFileSync(fileURLToPath(DEFAULT_SCENARIO), 'utf8'), '127.0.48'));

interface Child {
  proc: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
  /** Resolves once stdout (or stderr) matches. */
  waitFor(re: RegExp, stream?: 'out' | 'err', timeoutMs?: number): Promise<RegExpMatchArray>;
}

function gwsim(args: string[]): Child {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  proc.stdout.on('data', (d: Buffer) => ((out += d.toString()), waiters.forEach((w) => w())));
  proc.stderr.on('data', (d: Buffer) => ((err += d.toString()), waiters.forEach((w) => w())));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => (waiters.forEach((w) => w()), resolve(code))));
  return {
    proc,
    out: () => out,
    err: () => err,
    exited,
    waitFor(re, stream = 'out', timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = (stream === 'out' ? out : err).match(re);
          if (m) done(() => resolve(m));
          else if (proc.exitCode !== null) done(() => reject(new Error(`gwsim exited ${proc.exitCode} before ${re}\nstdout:\n${out}\nstderr:\n${err}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${re}\nstdout:\n${out}\nstderr:\n${err}`))), timeoutMs);
        const done = (f: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

describe('gwsim up', () => {
  it('prints the DNS server, nodes and dial strings, serves a call from an outside UA, and exits 0 on SIGINT', async () => {
    const up = gwsim(['up', scenario]);
    try {
      await up.waitFor(/^ready$/m);
      const text = up.out();
      const dns = text.match(/^DNS server {3}(127\.0\.48\.53):(\d+) \(UDP\+TCP\), zone vc\.example\.com$/m)!;
      expect(dns).not.toBeNull();
      expect(text).toMatch(/^node px01 {4}127\.0\.48\.11 {2}SIP udp:5060 tcp:5060 ws:8080 {2}location primary$/m);
      expect(text).toMatch(/^Meet mock {4}http:\/\/127\.0\.48\.20:8443/m);
      const open = text.match(/^ {2}open +(\d{13}) {2}(sip:\d{13}@vc\.example\.com) {3}(\d{13}@127\.0\.48\.11)$/m)!;
      expect(open).not.toBeNull();
      expect(open[1]).toBe('1000000000001');
      expect(text).toMatch(/^ {2}video-locked +1000000000002 {2}sip:1000000000002@vc\.example\.com {3}1000000000002@127\.0\.48\.11$/m);

      // A UA that is not part of the scenario dials the printed strings: by hostname through the printed DNS server, and by IP.
      const ua = await Vtc.start({ name: 'softphone', address: '127.0.48.230', dns: [{ address: dns[1]!, port: Number(dns[2]) }] });
      try {
        for (const dial of [open[2]!, open[3]!]) {
          const r = await ua.dial(dial);
          expect(r.status, dial).toBe(200);
          expect(await r.call!.waitForMedia('meeting', 10_000), dial).toBe(true); // untrusted: lobby, admitted after 1 s
          await r.call!.hangup();
        }
        const locked = await ua.dial(text.match(/^ {2}video-locked +\d{13} {2}(sip:\S+)/m)![1]!);
        expect(locked.status).toBe(403);
      } finally {
        await ua.close();
      }
      up.proc.kill('SIGINT');
      expect(await up.exited).toBe(0);
      expect(up.out()).toContain('gwsim up: stopped');
      expect(up.err()).toContain('gwsim up: SIGINT, stopping');
    } finally {
      up.proc.kill('SIGKILL');
    }
  }, 60_000);
});

describe('gwsim run and Ctrl-C', () => {
  it('the first SIGINT stops the run cleanly and still writes the report (exit 1, interrupted)', async () => {
    const out = join(dir, 'interrupted');
    const run = gwsim(['run', scenario, '--out', out]);
    try {
      await run.waitFor(/^ok {3}\S+/m); // the first single call has ended
      run.proc.kill('SIGINT');
      expect(await run.exited).toBe(1);
      expect(run.err()).toContain('gwsim: interrupted, stopping cleanly and writing the report');
      expect(run.out()).toContain('INTERRUPTED: the run was stopped before it finished');
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
      expect(report).toMatchObject({ ok: false, interrupted: true, load: null });
      expect(report.expectations.length).toBeGreaterThanOrEqual(1);
      expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('interrupted');
    } finally {
      run.proc.kill('SIGKILL');
    }
  }, 60_000);

  it('a second SIGINT exits at once (130)', async () => {
    const run = gwsim(['run', scenario, '--out', join(dir, 'twice')]);
    try {
      await run.waitFor(/^ok {3}\S+/m);
      run.proc.kill('SIGINT');
      await run.waitFor(/interrupted, stopping cleanly/, 'err');
      run.proc.kill('SIGINT');
      expect(await run.exited).toBe(130);
      expect(run.err()).toContain('gwsim: interrupted again, exiting now');
    } finally {
      run.proc.kill('SIGKILL');
    }
  }, 60_000);
});
