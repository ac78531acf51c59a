import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, main, relocateScenarioText } from '../src/index.ts';
import type { Report } from '../src/report/report-types.ts';

/**
 * What `gwsim run` runs with no file — the single calls, 15 s of mixed load, thresholds — moved to
 * 127.0.49.x. Long (about 25 s), so it is an interop file: it runs after the parallel tests, alone.
 */
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
    expect(report.samples).toEqual([]);
    expect(readFileSync(join(dir, 'report', 'junit.xml'), 'utf8')).toContain('<testsuites');
    expect(readFileSync(join(dir, 'report', 'report.html'), 'utf8')).toContain('<html');
  }, 90_000);
});
