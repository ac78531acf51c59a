import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, conformanceMain, runConformance, type ConformanceReport } from '../../src/conformance/index.ts';
import { findAll, parseXml } from '../report/xml-checker.ts';

/**
 * The whole catalogue against the simulator (the embedded topology moved to 127.0.56.x): every case passes,
 * and the three reports say so. This is the CI run of the conformance suite.
 */
let dir: string;
let report: ConformanceReport;
let tookMs: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gwsim-conformance-'));
  const started = performance.now();
  report = await runConformance({ block: '127.0.56', outDir: dir });
  tookMs = performance.now() - started;
}, 90_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the catalogue against the embedded topology', () => {
  it('every case passes', () => {
    const notPassed = report.cases.filter((c) => c.status !== 'pass').map((c) => `${c.id} ${c.status}: ${c.message}`);
    expect(notPassed).toEqual([]);
    expect(report.cases.map((c) => c.id)).toEqual(CATALOGUE.map((c) => c.id));
    expect(report).toMatchObject({ ok: true, counts: { pass: CATALOGUE.length, fail: 0, error: 0, not_applicable: 0 }, target: { kind: 'embedded', breakages: [] } });
    expect(tookMs).toBeLessThan(90_000);
  });

  it('writes report.json, junit.xml (one passing testcase per case) and report.html', async () => {
    const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as ConformanceReport;
    expect(json.cases).toHaveLength(CATALOGUE.length);
    expect(json.ok).toBe(true);
    const junit = parseXml(await readFile(join(dir, 'junit.xml'), 'utf8'));
    expect(junit.attrs).toMatchObject({ tests: String(CATALOGUE.length), failures: '0', errors: '0', skipped: '0' });
    expect(findAll(junit, (e) => e.name === 'testcase')).toHaveLength(CATALOGUE.length);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('data-verdict="pass"');
    expect(html.match(/data-status="pass"/g)).toHaveLength(CATALOGUE.length);
  });

  it('gwsim conformance (the fixtures on their own addresses) prints one line per case and exits 0', async () => {
    const out: string[] = [];
    const code = await conformanceMain(['--tag', 'outcome', '--out', join(dir, 'cli')], (s) => out.push(s), (s) => out.push(s));
    expect(code, out.join('\n')).toBe(0);
    const lines = out.filter((l) => /^(PASS|FAIL|ERROR|N\/A)/.test(l));
    expect(lines.length).toBe(CATALOGUE.filter((c) => c.tags.includes('outcome')).length);
    expect(lines.every((l) => l.startsWith('PASS'))).toBe(true);
    expect(out.join('\n')).toMatch(/cases: \d+ passed, 0 failed, 0 errors, 0 not applicable — PASS/);
  }, 60_000);
});
