import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, main, relocateScenarioText } from '../src/index.ts';
import type { Report } from '../src/report/report-types.ts';

/**
 * What `gwsim run` runs with no file — the single calls, 15 s of mixed load, thresholds — moved to
 * 127.0.49.x. Long (about 25 s), so it is an interop file: it runs after the parallel tests, alone.
 */
const CHROMIUM = '/usr/bin/chromium';

describe('the default scenario', () => {
  it('passes: every outcome of its topology, the load as expected, every threshold held, reports written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwsim-default-'));
    const file = join(dir, 'default.yaml');
    writeFileSync(file, relocateScenarioText(readFileSync(fileURLToPath(DEFAULT_SCENARIO), 'utf8'), '127.0.49'));
    let out = '';
    let err = '';
    const started = Date.now();
    const code = await main(['run', file, '--out', join(dir, 'report')], (s) => (out += s + '\n'), (s) => (err += s + '\n'));
    expect(code, `${out}\n${err}`).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    const outcomes = ['CONNECTED', 'MEETING_NOT_FOUND', 'NO_MATCH', 'VIDEO_LOCKED', 'MEETING_ENDED', 'MEETING_FULL', 'KNOCK_DENIED', 'KNOCK_TIMEOUT', 'NOBODY_TO_ADMIT'];
    for (const o of outcomes) expect(out).toMatch(new RegExp(`^ {2}${o} +\\d+$`, 'm'));
    expect(out).toMatch(/^ {2}CONNECTED +3$/m);
    expect(out).toContain('PASS: every call ended as expected and every threshold held');
    expect(err).toMatch(/^gwsim: load 15 s, constant 3\/s; mix: trusted 30%/m);
    expect(err).toMatch(/^load \d+ s \| [\d.]+ calls\/s \| active \d+ \| ok \d+ failed \d+ \| setup p95 [\d.]+ ms/m);

    const report = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')) as Report;
    expect(report.ok).toBe(true);
    expect(report.expectations).toHaveLength(11);
    const load = report.load!;
    expect(load.attempted).toBeGreaterThanOrEqual(40); // 3/s for 15 s, seeded arrivals
    expect(load.failed).toBe(0);
    expect(load.outcomes.CONNECTED).toBeGreaterThan(0);
    expect(Object.keys(load.outcomes).length).toBeGreaterThanOrEqual(6); // a mixed run, not one kind of call
    expect(report.thresholds.map((t) => t.ok)).toEqual([true, true, true]);
    // No call failed; each join failure that ended as expected is kept once as the example of its outcome.
    const refusals = outcomes.filter((o) => o !== 'CONNECTED');
    expect(report.samples.every((x) => x.expected === true)).toBe(true);
    expect(new Set(report.samples.map((x) => x.outcome))).toEqual(new Set(refusals));
    for (const x of report.samples) expect(x.ladder.length, `${x.name} has its ladder`).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(dir, 'report', 'junit.xml'), 'utf8')).toContain('<testsuites');

    // report.html of this very run, in Debian's chromium: no errors, no requests, the charts and a ladder.
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
  }, 120_000);
});
