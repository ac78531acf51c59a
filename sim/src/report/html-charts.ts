/**
 * The load charts of report.html as inline SVG drawn here (no script, no external requests): calls/s,
 * active calls, setup latency percentiles and outcomes stacked per interval. Each `<svg>` carries a
 * stable `data-chart` name and each plotted series a `data-series` name.
 */
import { escapeAttr, escapeText } from './escape.ts';
import type { LoadSummary, TimelinePoint } from './report-types.ts';
import { formatNumber } from './thresholds.ts';

const W = 560;
const H = 260;
const M = { left: 58, right: 16, top: 34, bottom: 42 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

const PALETTE = ['#1f77b4', '#d62728', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#ad494a', '#637939'];

interface Series {
  name: string;
  color: string;
  /** One value per timeline point; null leaves a gap. */
  values: Array<number | null>;
}

interface ChartSpec {
  id: string;
  title: string;
  yLabel: string;
  /** Bucket starts (s) and the bucket width (s). */
  xs: number[];
  width: number;
  series: Series[];
  stacked?: boolean;
}

/** 1, 2 or 5 × 10^k at or above `max / count`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

function ticks(max: number, count: number): number[] {
  const step = niceStep(max, count);
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

const f1 = (n: number): string => (Math.round(n * 10) / 10).toString();

function axes(spec: ChartSpec, xMax: number, yMax: number): string {
  const parts: string[] = [];
  const x = (v: number): number => M.left + (v / xMax) * PLOT_W;
  const y = (v: number): number => M.top + PLOT_H - (v / yMax) * PLOT_H;
  for (const v of ticks(yMax, 5)) {
    parts.push(`<line class="grid" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${f1(y(v))}" y2="${f1(y(v))}"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${f1(y(v) + 4)}" text-anchor="end">${formatNumber(v)}</text>`);
  }
  for (const v of ticks(xMax, 8)) {
    parts.push(`<line class="tickmark" x1="${f1(x(v))}" x2="${f1(x(v))}" y1="${M.top + PLOT_H}" y2="${M.top + PLOT_H + 5}"/>`);
    parts.push(`<text class="tick" x="${f1(x(v))}" y="${M.top + PLOT_H + 18}" text-anchor="middle">${formatNumber(v)}</text>`);
  }
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + PLOT_H}"/>`);
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${M.top + PLOT_H}" y2="${M.top + PLOT_H}"/>`);
  parts.push(`<text class="label" x="${M.left + PLOT_W / 2}" y="${H - 6}" text-anchor="middle">time (s)</text>`);
  parts.push(`<text class="label" x="14" y="${M.top + PLOT_H / 2}" text-anchor="middle" transform="rotate(-90 14 ${M.top + PLOT_H / 2})">${escapeText(spec.yLabel)}</text>`);
  return parts.join('');
}

function legend(series: Series[]): string {
  let x = M.left;
  return series
    .map((s) => {
      const item = `<g class="legend-item"><rect x="${x}" y="8" width="12" height="12" fill="${s.color}"/><text x="${x + 16}" y="18">${escapeText(s.name)}</text></g>`;
      x += 28 + s.name.length * 7;
      return item;
    })
    .join('');
}

function linePaths(spec: ChartSpec, xMax: number, yMax: number): string {
  const x = (t: number): number => M.left + ((t + spec.width / 2) / xMax) * PLOT_W;
  const y = (v: number): number => M.top + PLOT_H - (v / yMax) * PLOT_H;
  return spec.series
    .map((s) => {
      const d: string[] = [];
      const dots: string[] = [];
      let run = 0;
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) {
          run = 0;
          return;
        }
        const px = f1(x(spec.xs[i]!));
        const py = f1(y(v));
        d.push(`${run === 0 ? 'M' : 'L'}${px} ${py}`);
        const next = s.values[i + 1];
        if (run === 0 && (next === null || next === undefined)) dots.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${s.color}"/>`);
        run++;
      });
      if (d.length === 0) return '';
      return `<g data-series="${escapeAttr(s.name)}"><path class="series" d="${d.join(' ')}" stroke="${s.color}" fill="none" stroke-width="1.8"/>${dots.join('')}</g>`;
    })
    .join('');
}

function stackedBars(spec: ChartSpec, xMax: number, yMax: number): string {
  const barW = Math.max(1, (spec.width / xMax) * PLOT_W * 0.8);
  const y = (v: number): number => M.top + PLOT_H - (v / yMax) * PLOT_H;
  const base = spec.xs.map(() => 0);
  return spec.series
    .map((s) => {
      const d: string[] = [];
      s.values.forEach((v, i) => {
        if (!v) return;
        const x0 = M.left + ((spec.xs[i]! + spec.width * 0.1) / xMax) * PLOT_W;
        const top = y(base[i]! + v);
        const h = y(base[i]!) - top;
        base[i]! += v;
        d.push(`M${f1(x0)} ${f1(top)}h${f1(barW)}v${f1(h)}h${f1(-barW)}Z`);
      });
      if (d.length === 0) return '';
      return `<path class="series" data-series="${escapeAttr(s.name)}" d="${d.join('')}" fill="${s.color}"><title>${escapeText(s.name)}</title></path>`;
    })
    .join('');
}

function chart(spec: ChartSpec): string {
  const xMax = spec.xs.length ? spec.xs[spec.xs.length - 1]! + spec.width : 1;
  const totals = spec.stacked
    ? spec.xs.map((_, i) => spec.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0))
    : spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const yMax = totals.reduce((m, v) => Math.max(m, v), 1) * 1.05;
  const yStep = niceStep(yMax, 5);
  const yTop = Math.ceil(yMax / yStep) * yStep;
  const plotted = spec.stacked ? stackedBars(spec, xMax, yTop) : linePaths(spec, xMax, yTop);
  const empty = plotted ? '' : `<text class="nodata" x="${M.left + PLOT_W / 2}" y="${M.top + PLOT_H / 2}" text-anchor="middle">no data</text>`;
  return [
    `<figure class="chart"><figcaption>${escapeText(spec.title)}</figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" data-chart="${escapeAttr(spec.id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeAttr(spec.title)}">`,
    `<title>${escapeText(spec.title)}</title>`,
    legend(spec.series),
    axes(spec, xMax, yTop),
    plotted,
    empty,
    '</svg></figure>',
  ].join('');
}

/** The timeline bucket in ms: from the points, else the plan's `intervalMs`, else 1000. */
export function timelineIntervalMs(load: LoadSummary): number {
  const t = load.timeline;
  if (t.length >= 2 && t[1]!.t > t[0]!.t) return t[1]!.t - t[0]!.t;
  const planned = load.plan['intervalMs'];
  return typeof planned === 'number' && planned > 0 ? planned : 1000;
}

/** Stable colours: CONNECTED green, the other outcomes from the palette in sorted order. */
export function outcomeColors(codes: string[]): Map<string, string> {
  const colors = new Map<string, string>();
  let i = 0;
  for (const code of [...codes].sort()) colors.set(code, code === 'CONNECTED' ? '#2ca02c' : PALETTE[i++ % PALETTE.length]!);
  return colors;
}

/** The four charts over `load.timeline`, empty-but-labelled when there is no timeline. */
export function renderCharts(load: LoadSummary): string {
  const interval = timelineIntervalMs(load);
  const perSecond = 1000 / interval;
  const points: TimelinePoint[] = load.timeline;
  const xs = points.map((p) => p.t / 1000);
  const width = interval / 1000;
  const values = (pick: (p: TimelinePoint) => number): number[] => points.map(pick);
  const latency = (pick: (p: TimelinePoint) => number): Array<number | null> => points.map((p) => (pick(p) > 0 ? pick(p) : null));
  const codes = [...new Set([...Object.keys(load.outcomes), ...points.flatMap((p) => Object.keys(p.outcomes))])];
  const colors = outcomeColors(codes);
  const bucket = interval === 1000 ? 'per second' : `per ${formatNumber(interval)} ms`;
  return [
    chart({
      id: 'calls-per-second', title: 'Calls per second', yLabel: 'calls/s', xs, width,
      series: [
        { name: 'started', color: '#1f77b4', values: values((p) => p.started * perSecond) },
        { name: 'succeeded', color: '#2ca02c', values: values((p) => p.succeeded * perSecond) },
        { name: 'failed', color: '#d62728', values: values((p) => p.failed * perSecond) },
      ],
    }),
    chart({ id: 'active-calls', title: 'Active calls', yLabel: 'calls', xs, width, series: [{ name: 'active', color: '#9467bd', values: values((p) => p.active) }] }),
    chart({
      id: 'setup-latency', title: 'Setup latency (INVITE at intended start → final response)', yLabel: 'ms', xs, width,
      series: [
        { name: 'p50', color: '#2ca02c', values: latency((p) => p.setupP50) },
        { name: 'p95', color: '#ff7f0e', values: latency((p) => p.setupP95) },
        { name: 'p99', color: '#d62728', values: latency((p) => p.setupP99) },
      ],
    }),
    chart({
      id: 'outcomes', title: `Outcomes of calls ended, ${bucket}`, yLabel: 'calls', xs, width, stacked: true,
      series: [...colors].map(([code, color]) => ({ name: code, color, values: points.map((p) => p.outcomes[code] ?? 0) })),
    }),
  ].join('\n');
}
