/**
 * The media section of report.html: the run's measured media by scope (single calls, load calls, all), per
 * stream, per hop of the bridged calls (a table and an inline SVG bar chart, `data-chart="media-hops"`), and
 * each single call's streams. Tables carry stable `data-table` names.
 */
import { escapeAttr, escapeText } from './escape.ts';
import { cell, table } from './html-table.ts';
import { MEDIA_HOP_NAMES } from './media.ts';
import type { CallMediaReport, MediaAggregate, MediaHopName, MediaStreamName, NodeMediaCounts, Report, RttSummary } from './report-types.ts';
import { formatNumber } from './thresholds.ts';

const HOP_LABELS: Readonly<Record<MediaHopName, string>> = {
  endpoint_to_node: 'endpoint → node',
  node_to_meet: 'node → Meet',
  meet_to_node: 'Meet → node',
  node_to_endpoint: 'node → endpoint',
};

const STREAMS: readonly MediaStreamName[] = ['audio', 'video', 'content'];
const STREAM_COLORS: Readonly<Record<MediaStreamName, string>> = { audio: '#1f77b4', video: '#ff7f0e', content: '#9467bd' };

const num = (n: number): string => cell(formatNumber(n), 'num');
const dash = (): string => cell('—', 'num');
const rttCells = (r: RttSummary | null): string => (r ? num(r.p50) + num(r.p95) + num(r.p99) : dash() + dash() + dash());

function scopes(report: Report): Array<[string, MediaAggregate]> {
  const m = report.media!;
  const out: Array<[string, MediaAggregate]> = [];
  if (m.singles) out.push(['single calls', m.singles]);
  if (m.load) out.push(['load calls', m.load]);
  out.push(['all', m.all]);
  return out;
}

function summaryTable(report: Report): string {
  const rows = scopes(report).map(([name, a]) =>
    [
      '<tr>',
      cell(name),
      num(a.calls),
      num(a.bridgedCalls),
      num(a.sent.packets),
      num(a.received.packets),
      num(a.lost),
      cell(`${formatNumber(a.lossPercent)}%`, 'num'),
      num(a.jitterMaxMs),
      rttCells(a.rttMs),
      a.mos ? num(a.mos.min) + num(a.mos.mean) : dash() + dash(),
      '</tr>',
    ].join(''),
  );
  const headers = ['', 'calls', 'bridged', 'packets sent', 'packets received', 'lost', 'loss', 'jitter max (ms)', 'RTT p50 (ms)', 'RTT p95 (ms)', 'RTT p99 (ms)', 'MOS min', 'MOS mean'];
  return table(headers, rows, ' data-table="media-summary"');
}

function streamTable(a: MediaAggregate): string {
  const rows = STREAMS.flatMap((name) => {
    const s = a.streams[name];
    if (!s) return [];
    return [`<tr>${cell(name)}${num(s.calls)}${num(s.sent.packets)}${num(s.sent.bytes)}${num(s.received.packets)}${num(s.received.bytes)}${num(s.lost)}${cell(`${formatNumber(s.lossPercent)}%`, 'num')}${num(s.jitterMaxMs)}${rttCells(s.rttMs)}</tr>`];
  });
  const headers = ['stream', 'calls', 'packets sent', 'bytes sent', 'packets received', 'bytes received', 'lost', 'loss', 'jitter max (ms)', 'RTT p50 (ms)', 'RTT p95 (ms)', 'RTT p99 (ms)'];
  return table(headers, rows, ' data-table="media-streams"');
}

/** Per hop: packets of each stream, then packets and bytes of all; what the node held and played itself. */
function hopTable(a: MediaAggregate): string {
  const present = STREAMS.filter((n) => a.streams[n]?.node);
  const node = a.node!;
  const perStream = (pick: (n: NodeMediaCounts) => number) => present.map((n) => num(pick(a.streams[n]!.node!))).join('');
  const rows = MEDIA_HOP_NAMES.map((h) => `<tr>${cell(HOP_LABELS[h])}${perStream((n) => n.hops[h].packets)}${num(node.hops[h].packets)}${num(node.hops[h].bytes)}</tr>`);
  rows.push(`<tr>${cell('held by the node (lobby, leg not up, DTMF)')}${perStream((n) => n.held)}${num(node.held)}${dash()}</tr>`);
  rows.push(`<tr>${cell("node's own media (lobby splash)")}${perStream((n) => n.local.packets)}${num(node.local.packets)}${num(node.local.bytes)}</tr>`);
  const loss = `<p>RFC 3550 loss at the node: from the endpoints ${node.loss.endpoint.lost} of ${node.loss.endpoint.expected}, from Meet ${node.loss.meet.lost} of ${node.loss.meet.expected}.</p>`;
  return table(['hop', ...present.map((n) => `${n} packets`), 'packets', 'bytes'], rows, ' data-table="media-hops"') + loss;
}

const CHART_W = 560;
const ROW_H = 34;
const LEFT = 130;
const TOP = 34;

/** Packets per hop, one horizontal bar per hop stacked by stream: where the bars shorten, media was held. */
function hopChart(a: MediaAggregate): string {
  const present = STREAMS.filter((n) => a.streams[n]?.node);
  const max = Math.max(1, ...MEDIA_HOP_NAMES.map((h) => a.node!.hops[h].packets));
  const plotW = CHART_W - LEFT - 70;
  const height = TOP + ROW_H * MEDIA_HOP_NAMES.length + 10;
  const title = 'Packets per hop (bridged calls)';
  const legend = present.map((n, i) => `<g class="legend-item"><rect x="${LEFT + i * 90}" y="8" width="12" height="12" fill="${STREAM_COLORS[n]}"/><text x="${LEFT + i * 90 + 16}" y="18">${n}</text></g>`).join('');
  const rows = MEDIA_HOP_NAMES.map((h, row) => {
    const y = TOP + row * ROW_H;
    let x = LEFT;
    const bars = present.map((n) => {
      const packets = a.streams[n]!.node!.hops[h].packets;
      const w = (packets / max) * plotW;
      const bar = `<rect class="series" data-series="${escapeAttr(`${h}:${n}`)}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW_H - 10}" fill="${STREAM_COLORS[n]}"><title>${escapeText(`${HOP_LABELS[h]}, ${n}: ${packets} packets`)}</title></rect>`;
      x += w;
      return bar;
    });
    const total = a.node!.hops[h].packets;
    return `<text x="${LEFT - 6}" y="${y + 16}" text-anchor="end">${escapeText(HOP_LABELS[h])}</text>${bars.join('')}<text x="${(x + 4).toFixed(1)}" y="${y + 16}">${total}</text>`;
  });
  return [
    `<figure class="chart"><figcaption>${escapeText(title)}</figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" data-chart="media-hops" viewBox="0 0 ${CHART_W} ${height}" width="${CHART_W}" height="${height}" role="img" aria-label="${escapeAttr(title)}">`,
    `<title>${escapeText(title)}</title>`,
    legend,
    rows.join(''),
    '</svg></figure>',
  ].join('');
}

const CALL_HEADERS = ['stream', 'accepted', 'sent', 'received', 'loss', 'jitter (ms)', 'RTT p50 (ms)', 'RTT p95 (ms)', 'RTT p99 (ms)', 'MOS', ...MEDIA_HOP_NAMES.map((h) => HOP_LABELS[h])];

/** One row per stream of a call, led by the call's name when given. */
function callRows(m: CallMediaReport, callName?: string): string[] {
  return m.streams.map((s) => {
    const hops = MEDIA_HOP_NAMES.map((h) => (s.node ? num(s.node.hops[h].packets) : dash())).join('');
    const name = callName === undefined ? '' : cell(callName);
    return `<tr${s.lossPercent > 0 ? ' class="fail"' : ''}>${name}${cell(s.stream)}${cell(s.accepted ? 'yes' : 'refused')}${num(s.sent.packets)}${num(s.received.packets)}${cell(`${formatNumber(s.lossPercent)}%`, 'num')}${num(s.jitterMs)}${rttCells(s.rttMs)}${s.mos === null ? dash() : num(s.mos)}${hops}</tr>`;
  });
}

/** One call's streams: what the endpoint sent and measured, and the packets the node counted per hop when it bridged. */
export function renderCallMedia(m: CallMediaReport): string {
  return table(CALL_HEADERS, callRows(m), ' data-table="call-media"');
}

function singleCalls(report: Report): string {
  const rows = report.expectations.flatMap((e) => (e.media ? callRows(e.media, e.name) : []));
  if (rows.length === 0) return '';
  return `<h3>Single calls</h3>${table(['call', ...CALL_HEADERS], rows, ' data-table="media-calls"')}<p class="note">Packets per stream; the hop columns are the bridging node's counts.</p>`;
}

/** The whole media section (a note when no call measured media). */
export function renderMedia(report: Report): string {
  const m = report.media;
  if (!m) return '<h2>Media</h2><p class="note">No call measured media (give endpoints <code>media</code>, or a node <code>bridge</code>).</p>';
  const a = m.all;
  return [
    '<h2>Media</h2>',
    `<p>${a.calls} calls carried measured media, ${a.bridgedCalls} of them bridged to Meet by a node. Loss and jitter are RFC 3550 at the endpoints; RTT is the round trip of each endpoint's own probes (echoed by Meet); MOS is the E-model estimate of the received audio.</p>`,
    summaryTable(report),
    '<h3>Streams</h3>',
    streamTable(a),
    a.node ? `<h3>Hops</h3>${hopTable(a)}<div class="charts">${hopChart(a)}</div>` : '',
    singleCalls(report),
  ].join('');
}
