/**
 * report.html for a conformance run: one self-contained, XHTML-compatible page (inline CSS and SVG, no
 * script, a Content-Security-Policy that forbids every request): the verdict, the target, a table of every
 * case with its status and message, and the SIP ladders of failed cases. Every text is escaped.
 */
import { escapeAttr, escapeText, pageStart } from '../report/escape.ts';
import { renderLadderMessages, renderLadderSvg } from '../report/html-ladder.ts';
import type { CaseResult, CaseStatus, ConformanceReport } from './types.ts';

const CSS = `
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
body { margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; }
header { display: flex; align-items: center; gap: 16px; border-bottom: 2px solid #ddd; padding-bottom: 12px; }
h1 { font-size: 1.5em; margin: 0; } h2 { margin-top: 32px; border-bottom: 1px solid #eee; }
.badge { font-weight: 700; padding: 4px 12px; border-radius: 4px; color: #fff; }
.badge.pass { background: #2c8a2c; } .badge.fail { background: #c0392b; }
.meta { color: #555; margin: 8px 0 0; }
table { border-collapse: collapse; margin: 8px 0; width: 100%; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.pass { color: #2c8a2c; font-weight: 600; } td.fail, td.error { color: #c0392b; font-weight: 600; } td.not_applicable { color: #777; }
tr.fail td, tr.error td { background: #fdecea; }
.case { border: 1px solid #ddd; border-radius: 6px; padding: 8px 16px; margin: 16px 0; overflow-x: auto; }
svg text { font-size: 11px; fill: #333; }
svg.ladder { display: block; margin: 8px 0; } svg.ladder .lifeline rect { fill: #f4f4f4; stroke: #999; }
svg.ladder .lifeline line { stroke: #bbb; } svg.ladder text { font-family: ui-monospace, monospace; }
svg.ladder .time { fill: #777; } svg.ladder .reason { fill: #8a4b00; font-size: 10px; }
pre { background: #f8f8f8; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
ol.messages { padding-left: 24px; } .msghead { font-family: ui-monospace, monospace; color: #555; }
`;


const LABEL: Record<CaseStatus, string> = { pass: 'pass', fail: 'FAIL', error: 'ERROR', not_applicable: 'not applicable' };

function row(r: CaseResult): string {
  const cls = r.status === 'fail' || r.status === 'error' ? ` class="${r.status}"` : '';
  const cells = [r.id, r.title, LABEL[r.status], r.message, (r.durationMs / 1000).toFixed(1)];
  const td = (v: string, i: number) => `<td${i === 2 ? ` class="${r.status}"` : ''}>${i === 0 ? `<a href="#${escapeAttr(r.id)}">${escapeText(v)}</a>` : escapeText(v)}</td>`;
  return `<tr${cls} data-status="${r.status}">${cells.map(td).join('')}</tr>`;
}

function detail(r: CaseResult): string {
  const parts = [
    `<section class="case" id="${escapeAttr(r.id)}">`,
    `<h3>${escapeText(`${r.id} — ${r.title}`)} (${escapeText(LABEL[r.status])})</h3>`,
    `<p>${escapeText(r.message)}</p>`,
    `<p class="meta">${escapeText(r.rule)} · version ${r.version} · tags ${escapeText(r.tags.join(', '))}</p>`,
  ];
  if (r.notes.length) parts.push(`<pre>${escapeText(r.notes.join('\n'))}</pre>`);
  for (const s of r.samples) parts.push(`<h4>${escapeText(s.name)}</h4>`, `<p class="meta">Call-ID ${escapeText(s.callId)}</p>`, renderLadderSvg(s), renderLadderMessages(s));
  parts.push('</section>');
  return parts.join('');
}

export function renderConformanceHtml(report: ConformanceReport): string {
  const verdict = report.ok ? 'PASS' : 'FAIL';
  const c = report.counts;
  const facts = [`started ${report.startedAt}`, `took ${(report.durationMs / 1000).toFixed(1)} s`, `catalogue ${report.suite.catalogueVersion}`, `${report.tool.name} ${report.tool.version}`];
  const filters = [...report.filters.ids.map((i) => `id ${i}`), ...report.filters.tags.map((t) => `tag ${t}`)];
  const failed = report.cases.filter((r) => r.status === 'fail' || r.status === 'error');
  return [
    pageStart(`gwsim conformance ${verdict}`, CSS),
    `<header><span class="badge ${report.ok ? 'pass' : 'fail'}" data-verdict="${report.ok ? 'pass' : 'fail'}">${verdict}</span>`,
    `<div><h1>gwsim conformance</h1><p class="meta">${escapeText(facts.join(' · '))}</p>`,
    `<p class="meta">${escapeText(report.target.description)}</p>`,
    report.target.breakages.length ? `<p class="meta"><strong>Deliberately broken set-up: ${escapeText(report.target.breakages.join(', '))}</strong></p>` : '',
    filters.length ? `<p class="meta">${escapeText(`selected by ${filters.join(', ')}`)}</p>` : '',
    '</div></header>',
    `<h2>Cases</h2><p data-counts="">${c.pass} passed, ${c.fail} failed, ${c.error} errors, ${c.not_applicable} not applicable (of ${report.cases.length}).</p>`,
    `<table data-table="cases"><thead><tr><th>id</th><th>title</th><th>result</th><th>message</th><th>s</th></tr></thead><tbody>${report.cases.map(row).join('')}</tbody></table>`,
    failed.length ? `<h2>Failed cases</h2>${failed.map(detail).join('')}` : '',
    `<h2>All cases</h2>${report.cases.filter((r) => !failed.includes(r)).map(detail).join('')}`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
