import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeReports, type ReportFormat } from '../../src/report/index.ts';
import { baseReport } from './report-fixtures.ts';
import { parseXml } from './xml-checker.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'gwsim-report-'));
  dirs.push(d);
  return d;
}

describe('writeReports', () => {
  it('creates the directory and writes report.json, junit.xml and report.html', async () => {
    const dir = path.join(await tmp(), 'a', 'b');
    const report = baseReport();
    const paths = await writeReports(report, dir);
    expect(paths).toEqual({ json: path.join(dir, 'report.json'), junit: path.join(dir, 'junit.xml'), html: path.join(dir, 'report.html') });
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.html', 'report.json']);
    expect(JSON.parse(await readFile(paths.json, 'utf8'))).toEqual(report);
    expect(parseXml(await readFile(paths.junit, 'utf8')).name).toBe('testsuites');
    expect(parseXml(await readFile(paths.html, 'utf8')).name).toBe('html');
  });

  it('writes only the formats asked for, over an existing file', async () => {
    const dir = await tmp();
    await writeReports(baseReport({ ok: true }), dir, ['junit']);
    await writeReports(baseReport(), dir, ['junit', 'json']);
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.json']);
    expect(await readFile(path.join(dir, 'junit.xml'), 'utf8')).toContain('failures="2"');
  });

  it('refuses an unknown format, naming the allowed ones', async () => {
    await expect(writeReports(baseReport(), await tmp(), ['pdf' as ReportFormat])).rejects.toThrow('unknown report format "pdf"; allowed: json, junit, html');
  });
});
