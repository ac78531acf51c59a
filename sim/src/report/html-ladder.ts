/**
 * SIP ladder diagrams for report.html: an SVG sequence diagram per sample (a lifeline per address, one
 * arrow per message with its start line and relative time; the full message on hover) and the raw
 * messages below it. All SIP text is escaped.
 */
import { escapeAttr, escapeText } from './escape.ts';
import { formatRelativeMs, ladderArrows, ladderColumns, type LadderArrow } from './ladder-arrows.ts';
import type { CallSample } from './report-types.ts';

const MIN_COL_W = 240;
const MAX_COL_W = 520;
const LEFT = 78;
const TOP = 44;
const ROW_H = 42;
const CHAR_W = 6.6;

const f1 = (n: number): string => (Math.round(n * 10) / 10).toString();

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** The Reason header (RFC 3326) of a message, which says why a call ended; '' when none. */
function reasonOf(raw: string): string {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  for (const line of head.split('\r\n').slice(1)) {
    if (line.slice(0, 7).toLowerCase() === 'reason:') return line.trim();
  }
  return '';
}

/** Requests blue; responses by class. */
function arrowColor(firstLine: string): string {
  const m = /^SIP\/2\.0 (\d)\d\d/.exec(firstLine);
  if (!m) return '#1f5fa8';
  if (m[1] === '1') return '#777777';
  if (m[1] === '2') return '#2c8a2c';
  return '#c0392b';
}

function arrowSvg(a: LadderArrow, n: number, xs: Map<string, number>, t0: number): string {
  const y = TOP + 28 + n * ROW_H;
  const x1 = xs.get(a.from)!;
  const x2 = xs.get(a.to)!;
  const color = arrowColor(a.firstLine);
  const dash = a.retransmission ? ' stroke-dasharray="5 3"' : '';
  const label = a.retransmission ? `(retransmission) ${a.firstLine}` : a.firstLine;
  const delivered = a.receivedAt !== null ? `, delivered after ${formatRelativeMs(a.receivedAt - a.at)}` : '';
  const title = `${formatRelativeMs(a.at - t0)} ${a.from} → ${a.to} (${a.transport}${delivered})\n\n${a.raw}`;
  const time = `<text class="time" x="4" y="${y + 4}">${escapeText(formatRelativeMs(a.at - t0))}</text>`;
  let shape: string;
  let text: string;
  if (x1 === x2) {
    shape = `<path d="M${x1} ${y - 8}h30v16h-26" fill="none" stroke="${color}"${dash}/><polygon points="${x1} ${y + 8},${x1 + 8} ${y + 4},${x1 + 8} ${y + 12}" fill="${color}"/>`;
    text = `<text x="${x1 + 36}" y="${y + 4}">${escapeText(truncate(label, 40))}</text>`;
  } else {
    const dir = x2 > x1 ? 1 : -1;
    const tip = x2 - dir * 2;
    shape = `<line x1="${x1}" y1="${y}" x2="${f1(tip - dir * 8)}" y2="${y}" stroke="${color}" stroke-width="1.6"${dash}/>` +
      `<polygon points="${f1(tip)} ${y},${f1(tip - dir * 10)} ${y - 5},${f1(tip - dir * 10)} ${y + 5}" fill="${color}"/>`;
    const room = Math.floor((Math.abs(x2 - x1) - 16) / CHAR_W);
    text = `<text x="${f1((x1 + x2) / 2)}" y="${y - 6}" text-anchor="middle">${escapeText(truncate(label, room))}</text>`;
    const reason = reasonOf(a.raw);
    if (reason) text += `<text class="reason" x="${f1((x1 + x2) / 2)}" y="${y + 14}" text-anchor="middle">${escapeText(truncate(reason, room + 6))}</text>`;
  }
  return `<g class="arrow" data-from="${escapeAttr(a.from)}" data-to="${escapeAttr(a.to)}"><title>${escapeText(title)}</title>${shape}${text}${time}</g>`;
}

/** The SVG sequence diagram of one call (a short note when nothing was recorded). */
export function renderLadderSvg(sample: CallSample): string {
  const arrows = ladderArrows(sample.ladder);
  if (arrows.length === 0) return `<p class="note" data-ladder="${escapeAttr(sample.callId)}">No SIP messages were recorded for this call.</p>`;
  const columns = ladderColumns(arrows);
  // Wide enough for the longest start line between neighbours (longer ones are cut; the hover shows all).
  const longest = arrows.reduce((m, a) => Math.max(m, a.firstLine.length + (a.retransmission ? 17 : 0)), 0);
  const colW = Math.round(Math.min(MAX_COL_W, Math.max(MIN_COL_W, longest * CHAR_W + 40)));
  const xs = new Map(columns.map((c, i) => [c, LEFT + colW / 2 + i * colW]));
  const width = LEFT + columns.length * colW + 40;
  const height = TOP + 28 + arrows.length * ROW_H;
  const t0 = arrows[0]!.at;
  const heads = columns
    .map((c) => {
      const x = xs.get(c)!;
      return `<g class="lifeline"><rect x="${x - colW / 2 + 12}" y="6" width="${colW - 24}" height="24" rx="4"/>` +
        `<text x="${x}" y="22" text-anchor="middle">${escapeText(truncate(c, 32))}</text>` +
        `<line x1="${x}" y1="30" x2="${x}" y2="${height - 6}" stroke-dasharray="4 4"/></g>`;
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" data-ladder="${escapeAttr(sample.callId)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeAttr(`SIP ladder of ${sample.name}`)}">`,
    `<title>${escapeText(`SIP ladder of ${sample.name} (Call-ID ${sample.callId})`)}</title>`,
    heads,
    arrows.map((a, n) => arrowSvg(a, n, xs, t0)).join(''),
    '</svg>',
  ].join('');
}

/** The raw messages of one call, collapsed. */
export function renderLadderMessages(sample: CallSample): string {
  const arrows = ladderArrows(sample.ladder);
  if (arrows.length === 0) return '';
  const t0 = arrows[0]!.at;
  const items = arrows
    .map((a) => `<li><div class="msghead">${escapeText(`${formatRelativeMs(a.at - t0)}  ${a.from} → ${a.to} (${a.transport})`)}</div><pre>${escapeText(a.raw)}</pre></li>`)
    .join('');
  return `<details><summary>SIP messages (${arrows.length})</summary><ol class="messages">${items}</ol></details>`;
}
