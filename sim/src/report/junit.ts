/**
 * JUnit XML for CI: one testsuite of expectations (the scenario's single calls), one of thresholds, and —
 * only when the run was interrupted — a "run" suite whose one failing testcase says so. A sample ladder
 * whose name matches an expectation goes into that testcase's `system-out`; other samples into the
 * thresholds suite's.
 */
import { escapeAttr, escapeText } from './escape.ts';
import { renderLadderText } from './ladder.ts';
import type { CallSample, Report } from './report-types.ts';

interface Case {
  name: string;
  time: number;
  failure: { message: string; type: string; text: string } | null;
  out: string;
}

function seconds(ms: number): string {
  return (Math.max(0, Number.isFinite(ms) ? ms : 0) / 1000).toFixed(3);
}

function sampleText(s: CallSample): string {
  return `${s.name} (${s.outcome}, Call-ID ${s.callId})\n${s.explanation}\n\n${renderLadderText(s.ladder)}`;
}

function suite(name: string, className: string, cases: Case[], timestamp: string, out: string): string {
  const failures = cases.filter((c) => c.failure).length;
  const time = cases.reduce((sum, c) => sum + c.time, 0);
  const lines = [`  <testsuite name="${escapeAttr(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(time)}" timestamp="${escapeAttr(timestamp)}">`];
  for (const c of cases) {
    const open = `    <testcase classname="${escapeAttr(className)}" name="${escapeAttr(c.name)}" time="${seconds(c.time)}"`;
    if (!c.failure && !c.out) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (c.failure) lines.push(`      <failure message="${escapeAttr(c.failure.message)}" type="${escapeAttr(c.failure.type)}">${escapeText(c.failure.text)}</failure>`);
    if (c.out) lines.push(`      <system-out>${escapeText(c.out)}</system-out>`);
    lines.push('    </testcase>');
  }
  if (out) lines.push(`    <system-out>${escapeText(out)}</system-out>`);
  lines.push('  </testsuite>');
  return lines.join('\n');
}

/** Renders the report as JUnit XML (UTF-8, every value escaped). */
export function renderJunit(report: Report): string {
  const scenario = report.scenario.name || 'scenario';
  const timestamp = report.startedAt.replace(/Z$/, '');
  const samplesByName = new Map<string, CallSample[]>();
  for (const s of report.samples) samplesByName.set(s.name, [...(samplesByName.get(s.name) ?? []), s]);
  const used = new Set<CallSample>();
  const expectations: Case[] = report.expectations.map((e) => {
    const samples = samplesByName.get(e.name) ?? [];
    samples.forEach((s) => used.add(s));
    return {
      name: e.name,
      time: e.setupMs,
      failure: e.ok ? null : { message: e.detail || `expected ${e.expected}, got ${e.got}`, type: `expected ${e.expected}, got ${e.got}`, text: `expected ${e.expected}, got ${e.got}\n${e.detail}` },
      out: samples.map(sampleText).join('\n'),
    };
  });
  const thresholds: Case[] = report.thresholds.map((t) => ({
    name: t.expression,
    time: 0,
    failure: t.ok ? null : { message: t.detail, type: 'threshold', text: `${t.expression}\n${t.detail}` },
    out: '',
  }));
  const others = report.samples.filter((s) => !used.has(s)).map(sampleText).join('\n');
  const suites = [
    suite('expectations', `gwsim.${scenario}.expectations`, expectations, timestamp, ''),
    suite('thresholds', `gwsim.${scenario}.thresholds`, thresholds, timestamp, others),
  ];
  const all = [...expectations, ...thresholds];
  if (report.interrupted) {
    const run: Case = { name: 'completed', time: report.durationMs, failure: { message: 'the run was interrupted before it finished', type: 'interrupted', text: 'the run was interrupted before it finished' }, out: '' };
    suites.push(suite('run', `gwsim.${scenario}.run`, [run], timestamp, ''));
    all.push(run);
  }
  const failures = all.filter((c) => c.failure).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeAttr(`gwsim ${scenario}`)}" tests="${all.length}" failures="${failures}" errors="0" time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
