import { ConfigError } from '@gwsim/common';
import { describe, expect, it } from 'vitest';
import { evaluateThresholds, parseThreshold, type Threshold } from '../../src/report/index.ts';
import type { LoadSummary, Report } from '../../src/report/index.ts';
import { realisticLoad } from './report-fixtures.ts';

describe('parseThreshold', () => {
  const valid: Array<[string, Partial<Threshold>]> = [
    ['setup_p95 < 300ms', { metric: 'setup_p95', op: '<', value: 300, unit: 'ms' }],
    ['setup_p99<=1.5s', { metric: 'setup_p99', op: '<=', value: 1500, unit: 'ms' }],
    ['  setup_p999 < 2000  ', { metric: 'setup_p999', op: '<', value: 2000, unit: 'ms' }],
    ['setup_max < 5 s', { metric: 'setup_max', op: '<', value: 5000 }],
    ['setup_mean <= 80', { metric: 'setup_mean', value: 80, unit: 'ms' }],
    ['pdd_p50 < 100ms', { metric: 'pdd_p50', op: '<', value: 100, unit: 'ms' }],
    ['pdd_p90 > 0.5ms', { metric: 'pdd_p90', op: '>', value: 0.5 }],
    ['asr >= 99.5%', { metric: 'asr', op: '>=', value: 99.5, unit: '%' }],
    ['success_rate >= 99', { metric: 'success_rate', value: 99, unit: '%' }],
    ['failed == 0', { metric: 'failed', op: '==', value: 0, unit: 'count' }],
    ['failures.timeout == 0', { metric: 'failures.timeout', value: 0, unit: 'count' }],
    ['failures.unexpected_response:486 < 3', { metric: 'failures.unexpected_response:486', op: '<', value: 3 }],
    ['outcomes.MEETING_FULL != 0', { metric: 'outcomes.MEETING_FULL', op: '!=', value: 0 }],
    ['throttled == 0', { metric: 'throttled', op: '==', value: 0 }],
    ['rate >= 49.5', { metric: 'rate', op: '>=', value: 49.5, unit: 'calls/s' }],
    ['rate >= 49.5/s', { metric: 'rate', value: 49.5 }],
    ['expectations_failed == 0', { metric: 'expectations_failed', value: 0, needsLoad: false }],
    ['media_loss < 1%', { metric: 'media_loss', op: '<', value: 1, unit: '%', needsLoad: false }],
    ['rtt_p95 < 0.1s', { metric: 'rtt_p95', value: 100, unit: 'ms', needsLoad: false }],
    ['jitter_max <= 30ms', { metric: 'jitter_max', value: 30, unit: 'ms' }],
    ['mos_min >= 4', { metric: 'mos_min', op: '>=', value: 4, unit: 'mos', needsLoad: false }],
    ['setup_p50 > -1', { value: -1 }],
    ['setup_p50 < 1e3', { value: 1000 }],
  ];
  it.each(valid)('parses %j', (expr, want) => {
    const t = parseThreshold(expr, 'thresholds[0]');
    expect(t).toMatchObject(want);
    expect(Object.isFrozen(t)).toBe(true);
  });

  const invalid: Array<[string, RegExp]> = [
    ['', /thresholds\[3\]: must be a threshold `<metric> <op> <value>\[unit\]`/],
    ['   ', /must be a threshold/],
    ['< 300ms', /must start with a metric/],
    ['setup_p42 < 300ms', /unknown metric "setup_p42"; allowed: setup_p50, setup_p90, .*asr, success_rate, .*failures\.<class>, outcomes\.<CODE>, throttled, rate, expectations_failed, media_loss, rtt_p50, rtt_p95, rtt_p99, rtt_max, jitter_max, mos_min, mos_mean/],
    ['latency < 3', /unknown metric "latency"/],
    ['failures. == 0', /unknown metric "failures\."/],
    ['setup_p95 =< 300ms', /after "setup_p95" expected an operator \(<, <=, >, >=, ==, !=\), got "=<"/],
    ['setup_p95 = 300ms', /got "=" \(use ==\)/],
    ['setup_p95 300ms', /after "setup_p95" expected an operator .*got "300ms"/],
    ['setup_p95', /expected an operator .*got "nothing"/],
    ['setup_p95 < fast', /after "<" expected a number, got "fast"/],
    ['setup_p95 <', /expected a number, got "nothing"/],
    ['setup_p95 < 300xs', /unit "xs" is not allowed for setup_p95; use ms, s, or no unit \(ms\)/],
    ['setup_p95 < 300%', /unit "%" is not allowed for setup_p95/],
    ['asr >= 99ms', /unit "ms" is not allowed for asr; use % or no unit/],
    ['failed < 3%', /unit "%" is not allowed for failed; use no unit \(a count\)/],
    ['rate > 3ms', /unit "ms" is not allowed for rate/],
    ['setup_p95 < 1e999', /not a finite number/],
  ];
  it.each(invalid)('rejects %j with a clear ConfigError', (expr, message) => {
    let caught: unknown;
    try {
      parseThreshold(expr, 'thresholds[3]');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).path).toBe('thresholds[3]');
    expect((caught as ConfigError).code).toBe('GWSIM_ERR_INVALID_CONFIG');
    expect((caught as ConfigError).message).toMatch(message);
  });
});

describe('evaluateThresholds', () => {
  const load: LoadSummary = {
    ...realisticLoad([]),
    attempted: 200,
    succeeded: 190,
    failed: 10,
    throttled: 2,
    asr: 95,
    achievedRate: 49.75,
    outcomes: { CONNECTED: 190, MEETING_FULL: 10 },
    failures: { 'unexpected_response:486': 10 },
    setupMs: { count: 200, min: 5, mean: 60, p50: 40, p90: 150, p95: 412, p99: 900, p999: 1200, max: 1500 },
    pddMs: { count: 200, min: 1, mean: 9, p50: 8, p90: 12, p95: 15, p99: 30, p999: 40, max: 50 },
  };
  const report: Pick<Report, 'load' | 'expectations'> = {
    load,
    expectations: [
      { name: 'a', expected: 'CONNECTED', got: 'CONNECTED', ok: true, detail: '', setupMs: 1 },
      { name: 'b', expected: 'CONNECTED', got: 'MEETING_FULL', ok: false, detail: '', setupMs: 1 },
    ],
  };
  const cases: Array<[string, boolean, number | null, string]> = [
    ['setup_p95 < 300ms', false, 412, 'setup_p95 was 412 ms, needed < 300 ms'],
    ['setup_p95 < 0.5s', true, 412, 'setup_p95 was 412 ms (< 500 ms)'],
    ['setup_p50 <= 40', true, 40, 'setup_p50 was 40 ms (<= 40 ms)'],
    ['setup_max > 1500', false, 1500, 'setup_max was 1500 ms, needed > 1500 ms'],
    ['setup_mean == 60', true, 60, 'setup_mean was 60 ms (== 60 ms)'],
    ['pdd_p99 < 25ms', false, 30, 'pdd_p99 was 30 ms, needed < 25 ms'],
    ['asr >= 99.5%', false, 95, 'asr was 95%, needed >= 99.5%'],
    ['success_rate >= 95', true, 95, 'success_rate was 95% (>= 95%)'],
    ['failed == 0', false, 10, 'failed was 10, needed == 0'],
    ['failures.unexpected_response:486 <= 10', true, 10, 'failures.unexpected_response:486 was 10 (<= 10)'],
    ['failures.timeout == 0', true, 0, 'failures.timeout was 0 (== 0)'],
    ['outcomes.MEETING_FULL != 0', true, 10, 'outcomes.MEETING_FULL was 10 (!= 0)'],
    ['outcomes.CONNECTED >= 195', false, 190, 'outcomes.CONNECTED was 190, needed >= 195'],
    ['throttled == 0', false, 2, 'throttled was 2, needed == 0'],
    ['rate >= 49.5', true, 49.75, 'rate was 49.75 calls/s (>= 49.5 calls/s)'],
    ['expectations_failed == 0', false, 1, 'expectations_failed was 1, needed == 0'],
  ];
  it.each(cases)('%s → ok=%s', (expression, ok, actual, detail) => {
    const [result] = evaluateThresholds([{ expression, threshold: parseThreshold(expression, 'thresholds[0]') }], report);
    expect(result).toEqual({ expression, metric: expression.split(/\s/)[0], actual, ok, detail });
  });

  it('fails a load metric when the run had no load section, and says so', () => {
    const list = ['setup_p95 < 300ms', 'asr >= 99%', 'failures.timeout == 0', 'expectations_failed == 0'].map((expression) => ({ expression, threshold: parseThreshold(expression, 't') }));
    const results = evaluateThresholds(list, { load: null, expectations: report.expectations });
    expect(results.map((r) => r.ok)).toEqual([false, false, false, false]);
    expect(results[0]).toMatchObject({ actual: null, detail: 'setup_p95 needs a load run, but this run had no load section (needed < 300 ms)' });
    expect(results[2]!.detail).toMatch(/no load section/);
    expect(results[3]).toMatchObject({ actual: 1, detail: 'expectations_failed was 1, needed == 0' });
  });

  it('a percentile with no measured calls, or a ratio with no attempts, fails instead of passing vacuously', () => {
    const empty: LoadSummary = { ...load, attempted: 0, succeeded: 0, failed: 0, asr: 0, setupMs: { ...load.setupMs, count: 0, p95: 0 } };
    const list = ['setup_p95 < 300ms', 'success_rate >= 0', 'asr >= 0%'].map((expression) => ({ expression, threshold: parseThreshold(expression, 't') }));
    const results = evaluateThresholds(list, { load: empty, expectations: [] });
    expect(results.map((r) => [r.ok, r.actual])).toEqual([[false, null], [false, null], [false, null]]);
    expect(results[0]!.detail).toBe('setup_p95: no call setup was measured (0 calls) (needed < 300 ms)');
    expect(results[1]!.detail).toBe('success_rate: no calls were attempted (needed >= 0%)');
  });
});
