/**
 * k6-style thresholds over a report: `setup_p95 < 300ms`, `asr >= 99.5%`, `failures.timeout == 0`,
 * `media_loss < 1%`, `rtt_p95 < 50ms`, `mos_min >= 4`.
 * Grammar: `<metric> <op> <value>[unit]`. Parsed once at the edge (scenario loading) into a frozen
 * `Threshold`; evaluated against the finished report.
 */
import { ConfigError } from '@gwsim/common';
import type { LoadSummary, MediaAggregate, Percentiles, Report, ThresholdResult } from './report-types.ts';

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** The unit a metric is measured in; a threshold's value is converted to it when parsed (`1s` → 1000 ms). */
export type MetricUnit = 'ms' | '%' | 'count' | 'calls/s' | 'mos';

export interface Threshold {
  readonly metric: string;
  readonly op: ThresholdOp;
  /** In the metric's unit. */
  readonly value: number;
  readonly unit: MetricUnit;
  /** The metric comes from the load section (false for `expectations_failed` and the media metrics). */
  readonly needsLoad: boolean;
}

/** What thresholds read: the load summary, the single calls, the measured media. */
type Measured = Pick<Report, 'load' | 'expectations'> & { media?: Report['media'] };

const OPS: readonly ThresholdOp[] = ['<=', '>=', '==', '!=', '<', '>'];
const STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean', 'min'] as const;
type Stat = (typeof STATS)[number];

/** Why a metric has no value (shown in the detail), or the value. */
type Reading = { value: number } | { missing: string };

interface MetricDef {
  unit: MetricUnit;
  needsLoad: boolean;
  read(report: Measured): Reading;
}

function percentile(pick: (l: LoadSummary) => Percentiles, what: string, stat: Stat): MetricDef {
  return {
    unit: 'ms',
    needsLoad: true,
    read: ({ load }) => {
      const p = pick(load!);
      return p.count > 0 ? { value: p[stat] } : { missing: `no ${what} was measured (0 calls)` };
    },
  };
}

function fromLoad(unit: MetricUnit, read: (l: LoadSummary) => Reading): MetricDef {
  return { unit, needsLoad: true, read: ({ load }) => read(load!) };
}

/** A media metric over every call of the run that measured media (single and load calls). */
function fromMedia(unit: MetricUnit, read: (m: MediaAggregate) => Reading): MetricDef {
  return { unit, needsLoad: false, read: ({ media }) => (media ? read(media.all) : { missing: 'no call measured media (give endpoints `media`, or a node `bridge`)' }) };
}

const RTT_STATS = ['p50', 'p95', 'p99', 'max'] as const;

function rttStat(stat: (typeof RTT_STATS)[number]): MetricDef {
  return fromMedia('ms', (m) => (m.rttMs ? { value: m.rttMs[stat] } : { missing: "no probe came back (a round trip needs a bridging node: Meet echoes the caller's media)" }));
}

function ofAttempted(load: LoadSummary, value: (l: LoadSummary) => number): Reading {
  return load.attempted > 0 ? { value: value(load) } : { missing: 'no calls were attempted' };
}

const FIXED = new Map<string, MetricDef>([
  ...STATS.map((s) => [`setup_${s}`, percentile((l) => l.setupMs, 'call setup', s)] as const),
  ...STATS.map((s) => [`pdd_${s}`, percentile((l) => l.pddMs, 'post-dial delay', s)] as const),
  ['asr', fromLoad('%', (l) => ofAttempted(l, (x) => x.asr))],
  ['success_rate', fromLoad('%', (l) => ofAttempted(l, (x) => (100 * x.succeeded) / x.attempted))],
  ['attempted', fromLoad('count', (l) => ({ value: l.attempted }))],
  ['succeeded', fromLoad('count', (l) => ({ value: l.succeeded }))],
  ['failed', fromLoad('count', (l) => ({ value: l.failed }))],
  ['throttled', fromLoad('count', (l) => ({ value: l.throttled }))],
  ['rate', fromLoad('calls/s', (l) => ({ value: l.achievedRate }))],
  ['expectations_failed', { unit: 'count', needsLoad: false, read: ({ expectations }) => ({ value: expectations.filter((x) => !x.ok).length }) }],
  ['media_loss', fromMedia('%', (m) => (m.expected > 0 ? { value: m.lossPercent } : { missing: 'no media was received' }))],
  ...RTT_STATS.map((s) => [`rtt_${s}`, rttStat(s)] as const),
  ['jitter_max', fromMedia('ms', (m) => (m.received.packets > 0 ? { value: m.jitterMaxMs } : { missing: 'no media was received' }))],
  ['mos_min', fromMedia('mos', (m) => (m.mos ? { value: m.mos.min } : { missing: 'no call received audio' }))],
  ['mos_mean', fromMedia('mos', (m) => (m.mos ? { value: m.mos.mean } : { missing: 'no call received audio' }))],
]);

const KEY = /^[A-Za-z0-9_:.-]+$/;
const PREFIXED: Record<string, (key: string) => MetricDef> = {
  'failures.': (key) => fromLoad('count', (l) => ({ value: l.failures[key] ?? 0 })),
  'outcomes.': (key) => fromLoad('count', (l) => ({ value: l.outcomes[key] ?? 0 })),
};

/** The metric names a threshold may use, for error messages and docs. */
export const THRESHOLD_METRICS: readonly string[] = [
  ...STATS.map((s) => `setup_${s}`),
  ...STATS.map((s) => `pdd_${s}`),
  'asr',
  'success_rate',
  'attempted',
  'succeeded',
  'failed',
  'failures.<class>',
  'outcomes.<CODE>',
  'throttled',
  'rate',
  'expectations_failed',
  'media_loss',
  ...RTT_STATS.map((s) => `rtt_${s}`),
  'jitter_max',
  'mos_min',
  'mos_mean',
];

function metricDef(name: string): MetricDef | undefined {
  const fixed = FIXED.get(name);
  if (fixed) return fixed;
  for (const [prefix, make] of Object.entries(PREFIXED)) {
    if (name.startsWith(prefix) && KEY.test(name.slice(prefix.length))) return make(name.slice(prefix.length));
  }
  return undefined;
}

/** Units a threshold may be written in, per metric unit, with the factor to the metric's unit. */
const UNITS: Record<MetricUnit, { allowed: Record<string, number>; words: string }> = {
  ms: { allowed: { '': 1, ms: 1, s: 1000 }, words: 'ms, s, or no unit (ms)' },
  '%': { allowed: { '': 1, '%': 1 }, words: '% or no unit (percent, 0-100)' },
  count: { allowed: { '': 1 }, words: 'no unit (a count)' },
  'calls/s': { allowed: { '': 1, '/s': 1 }, words: 'no unit (calls per second)' },
  mos: { allowed: { '': 1 }, words: 'no unit (a MOS, 1 to 4.5)' },
};

const METRIC_CHAR = /[A-Za-z0-9_:.-]/;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/;
const GRAMMAR = 'a threshold `<metric> <op> <value>[unit]`, e.g. `setup_p95 < 300ms` or `asr >= 99.5%`';

/** Parses one threshold expression; `path` names it in errors (`load.thresholds[2]`). */
export function parseThreshold(expr: string, path: string): Threshold {
  if (typeof expr !== 'string' || expr.trim() === '') throw new ConfigError(path, `must be ${GRAMMAR}, got ${JSON.stringify(expr)}`);
  const src = expr.trim();
  const fail = (message: string): never => {
    throw new ConfigError(path, `\`${src}\`: ${message}`);
  };
  let i = 0;
  while (i < src.length && METRIC_CHAR.test(src[i]!)) i++;
  const metric = src.slice(0, i);
  if (!metric) fail(`must start with a metric; ${GRAMMAR}`);
  const def = metricDef(metric);
  if (!def) fail(`unknown metric "${metric}"; allowed: ${THRESHOLD_METRICS.join(', ')}`);
  while (src[i] === ' ' || src[i] === '\t') i++;
  const op = OPS.find((o) => src.startsWith(o, i));
  if (!op) {
    const rest = src.slice(i);
    const got = rest.match(/^[^\s\d.+-]+/)?.[0] ?? (rest.split(/\s/)[0] || 'nothing');
    fail(`after "${metric}" expected an operator (<, <=, >, >=, ==, !=), got "${got}"${got === '=' ? ' (use ==)' : ''}`);
  }
  i += op!.length;
  while (src[i] === ' ' || src[i] === '\t') i++;
  const num = src.slice(i).match(NUMBER);
  if (!num) fail(`after "${op}" expected a number, got "${src.slice(i) || 'nothing'}"`);
  const value = Number(num![0]);
  if (!Number.isFinite(value)) fail(`the value "${num![0]}" is not a finite number`);
  const unitText = src.slice(i + num![0].length).trim();
  const units = UNITS[def!.unit];
  const factor = units.allowed[unitText];
  if (factor === undefined) fail(`unit "${unitText}" is not allowed for ${metric}; use ${units.words}`);
  return Object.freeze({ metric, op: op!, value: value * factor!, unit: def!.unit, needsLoad: def!.needsLoad });
}

function compare(actual: number, op: ThresholdOp, value: number): boolean {
  switch (op) {
    case '<': return actual < value;
    case '<=': return actual <= value;
    case '>': return actual > value;
    case '>=': return actual >= value;
    case '==': return actual === value;
    case '!=': return actual !== value;
  }
}

/** A number for a human: at most three decimals, no trailing zeros. */
export function formatNumber(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** `412 ms`, `99.5%`, `3`, `48.2 calls/s`. */
export function formatWithUnit(n: number, unit: MetricUnit): string {
  const s = formatNumber(n);
  if (unit === 'count' || unit === 'mos') return s;
  if (unit === '%') return `${s}%`;
  return `${s} ${unit}`;
}

/** Evaluates parsed thresholds against a finished run. A load metric in a run without load fails. */
export function evaluateThresholds(list: Array<{ expression: string; threshold: Threshold }>, report: Measured): ThresholdResult[] {
  return list.map(({ expression, threshold: t }) => {
    const base = { expression, metric: t.metric };
    const needed = `${t.op} ${formatWithUnit(t.value, t.unit)}`;
    if (t.needsLoad && !report.load) {
      return { ...base, actual: null, ok: false, detail: `${t.metric} needs a load run, but this run had no load section (needed ${needed})` };
    }
    const def = metricDef(t.metric);
    if (!def) return { ...base, actual: null, ok: false, detail: `unknown metric "${t.metric}"` };
    const reading = def.read(report);
    if ('missing' in reading) return { ...base, actual: null, ok: false, detail: `${t.metric}: ${reading.missing} (needed ${needed})` };
    const actual = reading.value;
    const ok = Number.isFinite(actual) && compare(actual, t.op, t.value);
    const was = `${t.metric} was ${formatWithUnit(actual, t.unit)}`;
    return { ...base, actual, ok, detail: ok ? `${was} (${needed})` : `${was}, needed ${needed}` };
  });
}
