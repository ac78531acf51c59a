/**
 * junit.xml for a conformance run: one testsuite per catalogue area (GW-DIAL, GW-DNS, …), one testcase per
 * case. pass → an empty testcase; fail → `<failure>` ("expected …, saw …"); error → `<error>`; not applicable
 * → `<skipped message="not applicable: …">`, which CI shows as skipped, never as passed. What the case saw,
 * and the SIP ladders of a failed case, go into its `system-out`.
 */
import { escapeAttr, escapeText } from '../report/escape.ts';
import { renderLadderText } from '../report/ladder.ts';
import type { CaseResult, ConformanceReport } from './types.ts';

function seconds(ms: number): string {
  return (Math.max(0, Number.isFinite(ms) ? ms : 0) / 1000).toFixed(3);
}

/** `GW-DIAL` of `GW-DIAL-001`. */
export function caseArea(id: string): string {
  return id.replace(/-\d+$/, '');
}

function testcase(r: CaseResult): string {
  const open = `    <testcase classname="${escapeAttr(`gwsim.conformance.${caseArea(r.id)}`)}" name="${escapeAttr(`${r.id} ${r.title}`)}" time="${seconds(r.durationMs)}"`;
  const body: string[] = [];
  if (r.status === 'fail') body.push(`      <failure message="${escapeAttr(r.message)}" type="conformance">${escapeText(`${r.message}\nrule: ${r.rule}`)}</failure>`);
  if (r.status === 'error') body.push(`      <error message="${escapeAttr(r.message)}" type="error">${escapeText(r.message)}</error>`);
  if (r.status === 'not_applicable') body.push(`      <skipped message="${escapeAttr(`not applicable: ${r.message}`)}"/>`);
  const out = [...r.notes, ...r.samples.map((s) => `${s.name} (Call-ID ${s.callId})\n${renderLadderText(s.ladder)}`)].join('\n');
  if (out) body.push(`      <system-out>${escapeText(out)}</system-out>`);
  return body.length ? [`${open}>`, ...body, '    </testcase>'].join('\n') : `${open}/>`;
}

export function renderConformanceJunit(report: ConformanceReport): string {
  const timestamp = report.startedAt.replace(/Z$/, '');
  const areas = new Map<string, CaseResult[]>();
  for (const r of report.cases) areas.set(caseArea(r.id), [...(areas.get(caseArea(r.id)) ?? []), r]);
  const suites = [...areas].map(([area, results]) => {
    const n = (s: CaseResult['status']) => results.filter((r) => r.status === s).length;
    const time = results.reduce((t, r) => t + r.durationMs, 0);
    return [
      `  <testsuite name="${escapeAttr(area)}" tests="${results.length}" failures="${n('fail')}" errors="${n('error')}" skipped="${n('not_applicable')}" time="${seconds(time)}" timestamp="${escapeAttr(timestamp)}">`,
      ...results.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  const c = report.counts;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeAttr(`gwsim conformance ${report.suite.catalogueVersion}`)}" tests="${report.cases.length}" failures="${c.fail}" errors="${c.error}" skipped="${c.not_applicable}" time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
