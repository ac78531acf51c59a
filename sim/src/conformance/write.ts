/**
 * Writes a conformance run's reports — report.json, junit.xml, report.html — into a directory (created when
 * missing), each beside its final name and renamed, so a CI collector never reads half a file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderConformanceHtml } from './html.ts';
import { renderConformanceJunit } from './junit.ts';
import type { ConformanceReport } from './types.ts';

export function renderConformanceJson(report: ConformanceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export async function writeConformanceReports(report: ConformanceReport, dir: string): Promise<{ json: string; junit: string; html: string }> {
  const paths = { json: path.join(dir, 'report.json'), junit: path.join(dir, 'junit.xml'), html: path.join(dir, 'report.html') };
  const render = { json: renderConformanceJson, junit: renderConformanceJunit, html: renderConformanceHtml };
  await mkdir(dir, { recursive: true });
  for (const f of ['json', 'junit', 'html'] as const) {
    const tmp = `${paths[f]}.${process.pid}.tmp`;
    await writeFile(tmp, render[f](report), 'utf8');
    await rename(tmp, paths[f]);
  }
  return paths;
}
