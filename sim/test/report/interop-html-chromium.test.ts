/**
 * report.html in a real browser (Debian chromium via playwright-core, opened from file://): it must load
 * with no console or page errors, request nothing but itself, draw the four charts and the ladders.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../src/report/index.ts';
import { baseReport, busySample, deniedSample } from './report-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHARTS = ['calls-per-second', 'active-calls', 'setup-latency', 'outcomes'];

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Debian chromium is missing (${CHROMIUM}); install it with \`apt-get install chromium\` or run \`sh scripts/ensure-tools.sh\` as root`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 60_000 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gwsim-html-'));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Visit {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
}

async function visit(url: string): Promise<Visit> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const v: Visit = { page, consoleErrors: [], pageErrors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') v.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => v.pageErrors.push(e.message));
  context.on('request', (r) => v.requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  return v;
}

describe('report.html in chromium', () => {
  it('loads from file:// without errors or requests, with four plotted charts and the ladders', async () => {
    const busy = busySample();
    const denied = deniedSample();
    const paths = await writeReports(baseReport({ samples: [busy, denied] }), dir);
    const url = pathToFileURL(paths.html).href;
    const { page, consoleErrors, pageErrors, requests } = await visit(url);
    try {
      expect(await page.title()).toBe('gwsim FAIL: report-test');
      expect(await page.locator('[data-verdict="fail"]').isVisible()).toBe(true);
      for (const id of CHARTS) {
        const svg = page.locator(`svg[data-chart="${id}"]`);
        expect(await svg.count(), id).toBe(1);
        const box = await svg.boundingBox();
        expect(box && box.width > 100 && box.height > 100, `${id} is laid out`).toBe(true);
        const series = svg.locator('path.series');
        const n = await series.count();
        expect(n, `${id} has plotted series`).toBeGreaterThan(0);
        for (let i = 0; i < n; i++) {
          const d = await series.nth(i).getAttribute('d');
          expect(d && /^M[\d.]+ [\d.]+/.test(d), `${id} series ${i} d=${d?.slice(0, 40)}`).toBe(true);
          const drawn = await series.nth(i).boundingBox();
          expect(drawn && (drawn.width > 0 || drawn.height > 0), `${id} series ${i} is drawn`).toBe(true);
        }
        expect(await svg.locator('text.tick').count(), `${id} has tick labels`).toBeGreaterThan(2);
      }
      const busyLadder = page.locator(`svg[data-ladder="${busy.callId}"]`);
      expect(await busyLadder.locator('g.arrow').count()).toBe(4);
      expect(await busyLadder.locator('g.lifeline').count()).toBe(2);
      expect(await busyLadder.locator('g.arrow text').first().textContent()).toBe('INVITE sip:1000000000004@vc.example.com SIP/2.0');
      const deniedLadder = page.locator(`svg[data-ladder="${denied.callId}"]`);
      expect(await deniedLadder.locator('g.arrow').count()).toBe(5);
      expect((await deniedLadder.boundingBox())!.height).toBeGreaterThan(5 * 30);
      // The hostile texts are shown as text, not run: no element was created from them.
      expect(await page.locator('body script, body img').count()).toBe(0);
      expect(await page.getByText('guest denied <script>alert(1)</script> — DENIED').count()).toBe(1);

      expect(consoleErrors).toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(requests).toEqual([url]);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('the same run without load (single calls only) also renders cleanly, and junit.xml parses as XML', async () => {
    const sub = path.join(dir, 'single');
    const paths = await writeReports(baseReport({ ok: true, load: null, thresholds: [], samples: [busySample()] }), sub);
    const html = await visit(pathToFileURL(paths.html).href);
    try {
      expect(await html.page.locator('[data-verdict="pass"]').count()).toBe(1);
      expect(await html.page.locator('svg[data-chart]').count()).toBe(0);
      expect(await html.page.locator('svg[data-ladder] g.arrow').count()).toBe(4);
      expect([...html.consoleErrors, ...html.pageErrors]).toEqual([]);
      expect(html.requests).toEqual([pathToFileURL(paths.html).href]);
    } finally {
      await html.page.context().close();
    }
    const junit = await visit(pathToFileURL(paths.junit).href);
    try {
      expect(await junit.page.locator('parsererror').count()).toBe(0);
      expect([...junit.consoleErrors, ...junit.pageErrors]).toEqual([]);
    } finally {
      await junit.page.context().close();
    }
  }, 60_000);
});
