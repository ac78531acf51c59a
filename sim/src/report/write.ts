/**
 * Writes a run's reports into a directory (created when missing): report.json, junit.xml, report.html.
 * Each file is written beside its final name and renamed, so a CI collector never reads half a file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GwsimError } from '@gwsim/common';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import type { Report } from './report-types.ts';

export type ReportFormat = 'json' | 'junit' | 'html';

export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'html'];

const FILE_NAMES: Record<ReportFormat, string> = { json: 'report.json', junit: 'junit.xml', html: 'report.html' };

const RENDER: Record<ReportFormat, (report: Report) => string> = {
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  junit: renderJunit,
  html: renderHtml,
};

/**
 * Writes the chosen formats (default: all three) and returns the path of every format's file; only the
 * chosen ones are written.
 */
export async function writeReports(report: Report, dir: string, formats: ReportFormat[] = [...REPORT_FORMATS]): Promise<{ json: string; junit: string; html: string }> {
  for (const f of formats) {
    if (!REPORT_FORMATS.includes(f)) throw new GwsimError('GWSIM_ERR_INVALID_ARGUMENT', `unknown report format ${JSON.stringify(f)}; allowed: ${REPORT_FORMATS.join(', ')}`);
  }
  const paths = {
    json: path.join(dir, FILE_NAMES.json),
    junit: path.join(dir, FILE_NAMES.junit),
    html: path.join(dir, FILE_NAMES.html),
  };
  await mkdir(dir, { recursive: true });
  for (const f of new Set(formats)) {
    const tmp = `${paths[f]}.${process.pid}.tmp`;
    await writeFile(tmp, RENDER[f](report), 'utf8');
    await rename(tmp, paths[f]);
  }
  return paths;
}
