import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, main, relocateScenarioText } from '../src/index.ts';
import type { Report } from '../src/report/report-types.ts';

/**
 * What `gwsim run` runs with no file — the single calls, 15 s of mixed load, thresholds — moved to
 * 127.0.49.x, run once for the tests below. Long (about 25 s), so it is an interop file: it runs after the
 * parallel tests, alone.
 */
const CHROMIUM = '/usr/bin/chromium';

/**
 * Every outcome of DOMAIN.md §5, by row: no rule; token unknown or revoked; interop off; organizer out of
 * scope; meeting unknown; ended; video lock; full; knock denied; knock timeout / nobody to admit; node out of
 * capacity; Meet unreachable — and a call that connects.
 */
const DOMAIN_OUTCOMES = ['CONNECTED', 'NO_MATCH', 'TOKEN_INVALID', 'INTEROP_DISABLED', 'OUT_OF_SCOPE', 'MEETING_NOT_FOUND', 'MEETING_ENDED', 'VIDEO_LOCKED', 'MEETING_FULL', 'KNOCK_DENIED', 'KNOCK_TIMEOUT', 'NOBODY_TO_ADMIT', 'NODE_CAPACITY', 'MEET_UNAVAILABLE'];

describe('the default scenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gwsim-default-'));
  let out = '';
  let err = '';
  let code = -1;
  let tookMs = 0;
  let report: Report;

  beforeAll(async () => {
    const file = join(dir, 'default.yaml');
    writeFileSync(file, relocateScenarioText(readFileSync(fileURLToPath(DEFAULT_SCENARIO), 'utf8'), '127.0.49'));
    const started = Date.now();
    code = await main(['run', file, '--out', join(dir, 'report')], (s) => (out += s + '\n'), (s) => (err += s + '\n'));
    tookMs = Date.now() - started;
    report = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')) as Report;
  }, 90_000);

  it('has every outcome of DOMAIN.md §5 as a single call, and the after-answer rows as BYEs', () => {
    expect(report.expectations).toHaveLength(18);
    expect(new Set(report.expectations.filter((e) => e.ok).map((e) => e.got))).toEqual(new Set(DOMAIN_OUTCOMES));
    for (const o of DOMAIN_OUTCOMES) expect(out).toMatch(new RegExp(`^ {2}${o} +\\d+$`, 'm'));
    expect(out).toMatch(/^ {2}CONNECTED +3$/m);
    // Video lock and meeting ended: refused before answer, and ended by the node's BYE when the host acts mid-call.
    const detail = (name: string) => report.expectations.find((e) => e.name === name)!.detail;
    expect(detail('video-locked')).toBe('403 Host has turned off video for participants');
    expect(detail('video-locked-mid-call')).toBe('200 OK, then BYE (SIP;cause=403;text="Host has turned off video for participants")');
    expect(detail('meeting-ended')).toBe('404 Meeting has ended');
    expect(detail('meeting-ended-mid-call')).toBe('200 OK, then BYE (SIP;cause=404;text="Meeting has ended")');
    // The lobby outcomes are BYEs after the answer too (the node answers untrusted callers at once).
    expect(detail('knock-denied')).toMatch(/^200 OK, then BYE \(SIP;cause=603;/);
    expect(detail('knock-timeout')).toMatch(/^200 OK, then BYE \(SIP;cause=408;/);
    expect(detail('nobody-to-admit')).toMatch(/^200 OK, then BYE \(SIP;cause=408;/);
    // The nodes kept out of DNS are reached by IP only, and refuse on their own.
    expect(out).toMatch(/^ok {3}node-capacity .*NODE_CAPACITY +503 .*via 127\.0\.49\.13:5060/m);
    expect(out).toMatch(/^ok {3}meet-unavailable .*MEET_UNAVAILABLE +503 .*via 127\.0\.49\.14:5060/m);
    expect(out).not.toMatch(/^ok .*sip:\S+@vc\.example\.com .*via 127\.0\.49\.1[34]:/m);
  });

  it('passes: the load as expected, every threshold held, in well under a minute, reports written', () => {
    expect(code, `${out}\n${err}`).toBe(0);
    expect(tookMs).toBeLessThan(60_000);
    expect(out).toContain('PASS: every call ended as expected and every threshold held');
    expect(err).toMatch(/^gwsim: load 15 s, constant 3\/s; mix: trusted 25%/m);
    expect(err).toMatch(/^load \d+ s \| [\d.]+ calls\/s \| active \d+ \| ok \d+ failed \d+ \| setup p95 [\d.]+ ms/m);
    expect(report.ok).toBe(true);
    const load = report.load!;
    expect(load.attempted).toBeGreaterThanOrEqual(40); // 3/s for 15 s, seeded arrivals
    expect(load.failed).toBe(0);
    expect(load.outcomes.CONNECTED).toBeGreaterThan(0);
    expect(Object.keys(load.outcomes).length).toBeGreaterThanOrEqual(10); // a mixed run, not one kind of call
    expect(report.thresholds.map((t) => t.ok)).toEqual([true, true, true]);
    // No call failed; each join failure that ended as expected is kept once as the example of its outcome.
    expect(report.samples.every((x) => x.expected === true)).toBe(true);
    expect(new Set(report.samples.map((x) => x.outcome))).toEqual(new Set(DOMAIN_OUTCOMES.filter((o) => o !== 'CONNECTED')));
    for (const x of report.samples) expect(x.ladder.length, `${x.name} has its ladder`).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(dir, 'report', 'junit.xml'), 'utf8')).toContain('<testsuites');
  });

  it('report.html of this very run, in Debian\'s chromium: no errors, no requests, the charts and the ladders', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Debian chromium is missing (${CHROMIUM}); run \`sh scripts/ensure-tools.sh\` as root`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 60_000 });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      context.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(join(dir, 'report', 'report.html')).href;
      await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      expect(await page.locator('[data-verdict="pass"]').isVisible()).toBe(true);
      for (const id of ['calls-per-second', 'active-calls', 'setup-latency', 'outcomes']) {
        expect(await page.locator(`svg[data-chart="${id}"] path.series`).count(), id).toBeGreaterThan(0);
      }
      const ladders = page.locator('svg[data-ladder]');
      expect(await ladders.count()).toBe(report.samples.length);
      expect(await ladders.first().locator('line, path').count()).toBeGreaterThan(2);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
