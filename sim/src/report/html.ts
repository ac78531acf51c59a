/**
 * report.html: one self-contained, well-formed (XHTML-compatible) file — inline CSS and inline SVG, no
 * script, and a Content-Security-Policy that forbids every external request. Rendered from the Report
 * model only; every text is escaped.
 */
import { escapeText, pageStart } from './escape.ts';
import { renderCharts } from './html-charts.ts';
import { renderLadderMessages, renderLadderSvg } from './html-ladder.ts';
import { renderCallMedia, renderMedia } from './html-media.ts';
import { cell, table } from './html-table.ts';
import type { CallSample, LoadSummary, Percentiles, Report } from './report-types.ts';
import { formatNumber } from './thresholds.ts';

const CSS = `
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
body { margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; }
header { display: flex; align-items: center; gap: 16px; border-bottom: 2px solid #ddd; padding-bottom: 12px; }
h1 { font-size: 1.5em; margin: 0; }
h2 { margin-top: 32px; border-bottom: 1px solid #eee; }
.badge { font-weight: 700; padding: 4px 12px; border-radius: 4px; color: #fff; }
.badge.pass { background: #2c8a2c; } .badge.fail { background: #c0392b; }
.meta { color: #555; margin: 8px 0 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail td { background: #fdecea; } td.ok { color: #2c8a2c; font-weight: 600; } td.bad { color: #c0392b; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
svg text { font-size: 11px; fill: #333; }
svg .grid { stroke: #eee; } svg .axis, svg .tickmark { stroke: #555; } svg .nodata { fill: #999; font-size: 14px; }
svg.ladder { display: block; margin: 8px 0; } svg.ladder .lifeline rect { fill: #f4f4f4; stroke: #999; }
svg.ladder .lifeline line { stroke: #bbb; } svg.ladder text { font-family: ui-monospace, monospace; }
svg.ladder .time { fill: #777; } svg.ladder .reason { fill: #8a4b00; font-size: 10px; }
.sample { border: 1px solid #ddd; border-radius: 6px; padding: 8px 16px; margin: 16px 0; overflow-x: auto; }
pre { background: #f8f8f8; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
ol.messages { padding-left: 24px; } .msghead { font-family: ui-monospace, monospace; color: #555; }
.note { color: #666; }
`;


function verdict(ok: boolean): string {
  return ok ? cell('pass', 'ok') : cell('FAIL', 'bad');
}

function header(report: Report): string {
  const { scenario } = report;
  const facts = [
    `started ${report.startedAt}`,
    `took ${formatNumber(report.durationMs / 1000)} s`,
    `seed ${scenario.seed}`,
    scenario.file ? `file ${scenario.file}` : 'built-in scenario',
    `${report.tool.name} ${report.tool.version}`,
  ];
  return [
    '<header>',
    `<span class="badge ${report.ok ? 'pass' : 'fail'}" data-verdict="${report.ok ? 'pass' : 'fail'}">${report.ok ? 'PASS' : 'FAIL'}</span>`,
    `<div><h1>${escapeText(scenario.name)}</h1><p class="meta">${escapeText(facts.join(' · '))}</p>`,
    scenario.description ? `<p class="meta">${escapeText(scenario.description)}</p>` : '',
    report.interrupted ? '<p class="meta"><strong>The run was interrupted before it finished.</strong></p>' : '',
    '</div></header>',
  ].join('');
}

function expectations(report: Report): string {
  if (report.expectations.length === 0) return '<h2>Expectations</h2><p class="note">This run had no single calls.</p>';
  const rows = report.expectations.map((e) => `<tr${e.ok ? '' : ' class="fail"'}>${cell(e.name)}${cell(e.expected)}${cell(e.got)}${verdict(e.ok)}${cell(formatNumber(e.setupMs), 'num')}${cell(e.detail)}</tr>`);
  const failed = report.expectations.filter((e) => !e.ok).length;
  return `<h2>Expectations</h2><p>${report.expectations.length - failed} of ${report.expectations.length} calls ended as expected.</p>` +
    table(['call', 'expected', 'got', 'result', 'setup (ms)', 'detail'], rows, ' data-table="expectations"');
}

function thresholds(report: Report): string {
  if (report.thresholds.length === 0) return '<h2>Thresholds</h2><p class="note">No thresholds were set.</p>';
  const rows = report.thresholds.map((t) => `<tr${t.ok ? '' : ' class="fail"'}>${cell(t.expression)}${cell(t.actual === null ? '—' : formatNumber(t.actual), 'num')}${verdict(t.ok)}${cell(t.detail)}</tr>`);
  return `<h2>Thresholds</h2>${table(['threshold', 'actual', 'result', 'detail'], rows, ' data-table="thresholds"')}`;
}

function counts(title: string, record: Record<string, number>, attr: string): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return `<h3>${escapeText(title)}</h3><p class="note">None.</p>`;
  return `<h3>${escapeText(title)}</h3>${table([title === 'Outcomes' ? 'outcome' : 'failure class', 'calls'], entries.map(([k, v]) => `<tr>${cell(k)}${cell(String(v), 'num')}</tr>`), ` data-table="${attr}"`)}`;
}

function percentiles(load: LoadSummary): string {
  const cols: Array<keyof Percentiles> = ['count', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];
  const row = (name: string, p: Percentiles): string => `<tr>${cell(name)}${cols.map((c) => cell(formatNumber(p[c]), 'num')).join('')}</tr>`;
  return table(['(ms)', ...cols], [row('setup', load.setupMs), row('post-dial delay', load.pddMs)], ' data-table="percentiles"');
}

function planText(plan: Record<string, unknown>): string {
  const json = JSON.stringify(plan, null, 2);
  return json && json !== '{}' ? `<details><summary>Load plan</summary><pre>${escapeText(json)}</pre></details>` : '';
}

function load(report: Report): string {
  const l = report.load;
  if (!l) return '<h2>Load</h2><p class="note">This run had no load section.</p>';
  const summary = [
    ['duration', `${formatNumber(l.durationMs / 1000)} s`],
    ['attempted', String(l.attempted)],
    ['succeeded', String(l.succeeded)],
    ['failed', String(l.failed)],
    ['throttled (concurrency cap)', String(l.throttled)],
    ['answer-seizure ratio', `${formatNumber(l.asr)}%`],
    ['achieved rate', `${formatNumber(l.achievedRate)} calls/s`],
  ];
  const mix = Object.entries(l.byMix).map(([name, m]) => `<tr>${cell(name)}${cell(String(m.attempted), 'num')}${cell(String(m.succeeded), 'num')}${cell(String(m.failed), 'num')}</tr>`);
  return [
    '<h2>Load</h2>',
    table(['', 'value'], summary.map(([k, v]) => `<tr>${cell(k!)}${cell(v!, 'num')}</tr>`), ' data-table="load-summary"'),
    '<h3>Latency</h3>',
    percentiles(l),
    counts('Outcomes', l.outcomes, 'outcomes'),
    counts('Failures', l.failures, 'failures'),
    mix.length ? `<h3>Mix</h3>${table(['entry', 'attempted', 'succeeded', 'failed'], mix, ' data-table="mix"')}` : '',
    planText(l.plan),
    '<h3>Over time</h3>',
    `<div class="charts">${renderCharts(l)}</div>`,
  ].join('');
}

function sample(s: CallSample): string {
  return [
    '<section class="sample">',
    `<h3>${escapeText(s.name)} — ${escapeText(s.outcome)}${s.expected ? ' (as expected)' : ''}</h3>`,
    `<p>${escapeText(s.explanation)}</p>`,
    `<p class="meta">Call-ID ${escapeText(s.callId)}</p>`,
    s.media ? renderCallMedia(s.media) : '',
    renderLadderSvg(s),
    renderLadderMessages(s),
    '</section>',
  ].join('');
}

function samples(report: Report): string {
  if (report.samples.length === 0) return '';
  return `<h2>Sample calls</h2>${report.samples.map(sample).join('')}`;
}

/** Renders the whole report as one HTML page that makes no requests. */
export function renderHtml(report: Report): string {
  const title = `gwsim ${report.ok ? 'PASS' : 'FAIL'}: ${report.scenario.name}`;
  return [
    pageStart(title, CSS),
    header(report),
    expectations(report),
    thresholds(report),
    load(report),
    renderMedia(report),
    samples(report),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
